// resume.js puts back a form's input kept when the session expired (issue 16 item 4): the page
// carries the values as JSON (#resume-data); they go into the form of the page that has most of
// their fields. Only fields the form has are filled; the fresh CSRF token is never replaced.
(function () {
  "use strict";
  var el = document.getElementById("resume-data");
  if (!el) { return; }
  var data;
  try { data = JSON.parse(el.textContent); } catch (e) { return; }
  if (!data || typeof data !== "object") { return; }
  var names = Object.keys(data).filter(function (n) { return n !== "_csrf"; });
  var best = null, bestHits = 0;
  Array.prototype.forEach.call(document.querySelectorAll("form"), function (f) {
    var hits = names.filter(function (n) { return f.elements.namedItem(n) !== null; }).length;
    if (hits > bestHits) { best = f; bestHits = hits; }
  });
  if (!best) { return; }
  names.forEach(function (n) {
    var values = data[n] || [];
    var fields = Array.prototype.filter.call(best.elements, function (e) { return e.name === n; });
    var next = 0;
    fields.forEach(function (e) {
      var type = (e.type || "").toLowerCase();
      if (type === "file" || type === "password" || type === "submit" || type === "button") { return; }
      if (type === "checkbox" || type === "radio") {
        e.checked = values.indexOf(e.value) >= 0;
      } else if (e.tagName === "SELECT" && e.multiple) {
        Array.prototype.forEach.call(e.options, function (o) { o.selected = values.indexOf(o.value) >= 0; });
      } else if (next < values.length) {
        e.value = values[next++];
      }
    });
  });
  var first = best.querySelector("input:not([type=hidden]), textarea, select");
  if (first) { first.focus(); }
})();
