// bedates.js shows and takes dates with Buddhist-era years (DD/MM/YYYY) for a Thai user whose
// setting says so (<html data-be-dates="placeholder">): every date input becomes a text input with
// the date written that way, and its form names the fields in _be_dates so the server reads them
// back (internal/web/bedates.go). A value that is not a date is left as typed.
(function () {
  "use strict";
  var root = document.documentElement;
  var placeholder = root.getAttribute("data-be-dates");
  if (placeholder === null) { return; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  Array.prototype.forEach.call(document.querySelectorAll('input[type="date"]'), function (e) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(e.value);
    e.type = "text";
    e.setAttribute("inputmode", "numeric");
    e.setAttribute("placeholder", placeholder);
    e.setAttribute("data-be", "1");
    e.removeAttribute("min");
    e.removeAttribute("max");
    if (m) { e.value = pad(+m[3]) + "/" + pad(+m[2]) + "/" + (+m[1] + 543); }
    var f = e.form;
    if (!f || !e.name) { return; }
    var list = f.querySelector('input[name="_be_dates"]');
    if (!list) {
      list = document.createElement("input");
      list.type = "hidden";
      list.name = "_be_dates";
      list.value = "";
      f.appendChild(list);
    }
    list.value = list.value ? list.value + "," + e.name : e.name;
  });
})();
