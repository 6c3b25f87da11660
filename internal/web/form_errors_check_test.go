package web_test

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

var (
	summaryLink   = regexp.MustCompile(`<a href="#([^"]+)">([^<]*)</a>`)
	elementWithID = regexp.MustCompile(`<([a-z]+)\b[^>]*\bid="([^"]+)"[^>]*>`)
	rawKey        = regexp.MustCompile(`(^|: )[a-z_]+\.[a-z_.]+($|:)`)
)

// checkErrorSummary checks a refused form's page: one error summary, at the top of the page's content
// (before any form and any field message); at least one link; each link leads either to the summary
// itself (a message about the whole form) or to an element present in the page that carries
// aria-invalid="true" and aria-describedby naming an element whose text is the link's message (the
// link may lead it with the field's label). want are messages the summary must hold, as rendered.
func checkErrorSummary(t *testing.T, body string, want ...string) {
	t.Helper()
	if n := strings.Count(body, `data-testid="error-summary"`); n != 1 {
		t.Fatalf("%d error summaries, want 1: %s", n, excerpt(body))
	}
	at := strings.Index(body, `data-testid="error-summary"`)
	main := strings.Index(body, `<main`)
	if main < 0 || at < main {
		t.Fatalf("the summary is not in the page's content")
	}
	if f := strings.Index(body[main:], "<form"); f >= 0 && main+f < at {
		t.Errorf("the summary comes after a form: %s", excerpt(body[main:at]))
	}
	if f := strings.Index(body, `class="field-error"`); f >= 0 && f < at {
		t.Errorf("the summary comes after a field's message")
	}
	summary := body[at:]
	summary = summary[:strings.Index(summary, "</div>")]
	links := summaryLink.FindAllStringSubmatch(summary, -1)
	if len(links) == 0 {
		t.Fatalf("the summary links to nothing: %s", summary)
	}
	ids := map[string]string{} // id -> opening tag
	for _, m := range elementWithID.FindAllStringSubmatch(body, -1) {
		if _, dup := ids[m[2]]; dup {
			t.Errorf("two elements with id %q", m[2])
		}
		ids[m[2]] = m[0]
	}
	for _, l := range links {
		id, msg := html.UnescapeString(l[1]), l[2]
		if rawKey.MatchString(msg) {
			t.Errorf("the summary shows a message key: %q", msg)
		}
		if id == "error-summary" {
			continue
		}
		tag, ok := ids[id]
		if !ok {
			t.Errorf("the summary links to #%s, which the page does not hold", id)
			continue
		}
		if !strings.Contains(tag, `aria-invalid="true"`) {
			t.Errorf("#%s is not marked invalid: %s", id, tag)
		}
		d := regexp.MustCompile(`aria-describedby="([^"]*)"`).FindStringSubmatch(tag)
		if d == nil {
			t.Errorf("#%s names no description: %s", id, tag)
			continue
		}
		found := false
		for _, ref := range strings.Fields(d[1]) {
			if text, ok := textOf(body, ref); ok && text != "" && strings.HasSuffix(msg, text) {
				found = true
			}
		}
		if !found {
			t.Errorf("#%s is not described by its message %q (aria-describedby=%q)", id, msg, d[1])
		}
	}
	for _, w := range want {
		if !strings.Contains(summary, w) {
			t.Errorf("the summary does not hold %q: %s", w, summary)
		}
	}
}

// textOf returns the text of the element with the given id, tags removed, as rendered (escaped).
func textOf(body, id string) (string, bool) {
	i := strings.Index(body, ` id="`+id+`"`)
	if i < 0 {
		return "", false
	}
	open := strings.Index(body[i:], ">")
	start := strings.LastIndex(body[:i], "<")
	name := body[start+1:]
	name = name[:strings.IndexAny(name, " \t\n>")]
	rest := body[i+open+1:]
	end := strings.Index(rest, "</"+name+">")
	if end < 0 {
		return "", false
	}
	text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(rest[:end], "")
	return strings.TrimSpace(text), true
}
