package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

// TestFormErrorsLinkedToFields: a refused intake (in Khmer) and a refused stage move answer 422 with
// one error summary at the top whose links lead to the fields, and each invalid field carries
// aria-invalid and aria-describedby naming its message (and its hint, where it has one).
func TestFormErrorsLinkedToFields(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	worker := env.Login(t, thWorker)
	setLang(t, env, worker, "km")

	res := apptest.PostForm(t, worker, base+"/cases/new", base+"/cases", url.Values{"given_name": {""}, "family_name": {"Keo"},
		"sex": {""}, "nationality": {"Cambodia"}, "age_estimate": {"24"}, "confirm_new": {"on"}})
	body := pageBody(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("intake with errors: %d %s", res.StatusCode, excerpt(body))
	}
	if n := strings.Count(body, `data-testid="error-summary"`); n != 1 {
		t.Fatalf("%d error summaries, want 1: %s", n, excerpt(body))
	}
	summary := body[strings.Index(body, `data-testid="error-summary"`):]
	summary = summary[:strings.Index(summary, "</div>")]
	if !strings.Contains(summary, message(t, body, "form.fix_errors")) {
		t.Errorf("the summary has no title: %s", summary)
	}
	// The summary lists the fields in the form's order.
	last := -1
	for _, fl := range [][2]string{{"given_name", "person.given_name"}, {"sex", "person.sex"}, {"nationality", "person.nationality"}} {
		f := fl[0]
		i := strings.Index(summary, `<a href="#`+f+`">`+message(t, body, fl[1])+": ")
		if i < 0 {
			t.Errorf("the summary does not link to #%s: %s", f, summary)
			continue
		}
		if i < last {
			t.Errorf("#%s is out of the form's order in the summary", f)
		}
		last = i
		if !strings.Contains(body, `<p class="field-error" id="`+f+`-error">`) {
			t.Errorf("%s's message has no id", f)
		}
	}
	for field, describedBy := range map[string]string{"given_name": "given_name-error", "sex": "sex-error", "nationality": "nationality-error nationality-hint"} {
		tag := openingTag(t, body, `id="`+field+`"`)
		if !strings.Contains(tag, `aria-describedby="`+describedBy+`"`) || !strings.Contains(tag, `aria-invalid="true"`) {
			t.Errorf("%s is not linked to its message: %s", field, tag)
		}
	}
	if tag := openingTag(t, body, `id="family_name"`); strings.Contains(tag, "aria-invalid") || !strings.Contains(tag, `value="Keo"`) {
		t.Errorf("a valid field is marked invalid or lost its input: %s", tag)
	}

	// The stage form: closing without a reason, by the supervisor.
	sup := env.Login(t, thSupervisor)
	id := scrCase(t, env, env.Token(t, thWorker))
	page := base + "/cases/" + id
	res = apptest.PostForm(t, sup, page, page+"/transitions", url.Values{"to": {"closed"}, "reason": {""},
		"version": {strconv.Itoa(caseVersion(t, env, env.Token(t, thWorker), id))}})
	body = pageBody(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `<a href="#reason">`+message(t, body, "case.reason")+": "+message(t, body, "case.error.reason_required")+`</a>`) {
		t.Fatalf("close without a reason: %d %s", res.StatusCode, excerpt(body))
	}
	if tag := openingTag(t, body, `id="reason"`); !strings.Contains(tag, `aria-describedby="reason-error reason-hint"`) || !strings.Contains(tag, `aria-invalid="true"`) {
		t.Errorf("the reason is not linked to its message: %s", tag)
	}
}

// openingTag returns the opening tag of the element holding attr.
func openingTag(t *testing.T, body, attr string) string {
	t.Helper()
	i := strings.Index(body, attr)
	if i < 0 {
		t.Fatalf("no element with %s", attr)
	}
	start := strings.LastIndex(body[:i], "<")
	end := strings.Index(body[i:], ">")
	return body[start : i+end+1]
}
