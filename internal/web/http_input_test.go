package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"homeward/internal/apptest"
)

// TestAPIBadInput checks the status and error body of malformed, invalid and oversized API input.
func TestAPIBadInput(t *testing.T) {
	env := apptest.New(t)
	tok := env.Token(t, thWorker)
	persons := env.URL() + "/api/v1/persons"
	valid := intakeJSON(t, "Dara", "Inputtest", "KH")
	const mib = 1 << 20

	// padded returns valid intake JSON padded with spaces to exactly n bytes.
	padded := func(n int) string { return valid + strings.Repeat(" ", n-len(valid)) }

	tests := []struct {
		name    string
		body    func() io.Reader
		status  int
		code    string
		fields  []string
		chunked bool
	}{
		{name: "malformed JSON", body: str(`{"given_name": "Dara",`), status: 400, code: "bad_request"},
		{name: "not an object", body: str(`["Dara"]`), status: 400, code: "bad_request"},
		{name: "wrong type", body: str(`{"given_name": 7}`), status: 400, code: "bad_request"},
		{name: "unknown field", body: str(strings.Replace(valid, `{`, `{"religion":"x",`, 1)), status: 400, code: "bad_request"},
		{name: "trailing data", body: str(valid + `{}`), status: 400, code: "bad_request"},
		{name: "missing given name, bad nationality",
			body:   str(strings.NewReplacer(`"given_name":"Dara"`, `"given_name":" "`, `"nationality":"KH"`, `"nationality":"XX"`).Replace(valid)),
			status: 422, code: "invalid", fields: []string{"given_name", "nationality"}},
		{name: "nothing given", body: str(`{}`), status: 422, code: "invalid",
			fields: []string{"given_name", "sex", "birth_date", "nationality"}},
		{name: "body of 1 MiB + 1", body: str(padded(mib + 1)), status: 413, code: "too_large"},
		// Without Content-Length the limit applies as the body is read. (A value that ends within
		// the one read that crosses the limit still gets through: echo's limitedReader hands over
		// that read's bytes with the error, and json.Decoder finishes the value first.)
		{name: "chunked body of 2 MiB", body: str(strings.Replace(valid, "Dara", strings.Repeat("a", 2*mib), 1)),
			status: 413, code: "too_large", chunked: true},
		{name: "body of exactly 1 MiB", body: str(padded(mib)), status: 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = tt.body()
			if tt.chunked {
				body = io.MultiReader(body) // hides the length: sent without Content-Length
			}
			req := apiRequest(t, http.MethodPost, persons, tok, body)
			if !tt.chunked && req.ContentLength <= 0 {
				t.Fatal("request without Content-Length")
			}
			res := send(t, nil, req)
			if res.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.Status, tt.status, excerpt(res.Body))
			}
			if tt.code == "" {
				return
			}
			e := decodeError(t, res.Body)
			if e.Error.Code != tt.code {
				t.Errorf("code %q, want %q", e.Error.Code, tt.code)
			}
			for _, f := range tt.fields {
				if e.Error.Fields[f] == "" {
					t.Errorf("fields lack %q: %v", f, e.Error.Fields)
				}
			}
			if len(tt.fields) != len(e.Error.Fields) {
				t.Errorf("fields = %v, want exactly %v", e.Error.Fields, tt.fields)
			}
		})
	}
}

func str(s string) func() io.Reader { return func() io.Reader { return strings.NewReader(s) } }

// TestAPITransitions checks a stale version (409) and a move the stage table refuses (422).
func TestAPITransitions(t *testing.T) {
	env := apptest.New(t)
	tok := env.Token(t, thWorker)
	c := intakeAPI(t, env, tok, intakeJSON(t, "Bopha", "Transitiontest", "KH"))
	u := env.URL() + "/api/v1/cases/" + c.Case.ID + "/transitions"

	tests := []struct {
		name   string
		body   string
		status int
		code   string
		field  string
	}{
		{"reception to screening", `{"to":"screening","reason":"interviewed","version":1}`, 200, "", ""},
		{"stale version", `{"to":"identification","reason":"","version":1}`, 409, "conflict", ""},
		{"refused move, screening to handover", `{"to":"handover","reason":"","version":2}`, 422, "invalid", "to"},
		{"unknown stage", `{"to":"elsewhere","version":2}`, 422, "invalid", "to"},
		{"malformed", `{"to":`, 400, "bad_request", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := apptest.API(t, http.MethodPost, u, tok, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if tt.code == "" {
				if !strings.Contains(body, `"stage":"screening"`) || !strings.Contains(body, `"version":2`) {
					t.Errorf("body %s, want the case at screening, version 2", body)
				}
				return
			}
			e := decodeError(t, body)
			if e.Error.Code != tt.code {
				t.Errorf("code %q, want %q", e.Error.Code, tt.code)
			}
			if tt.field != "" && e.Error.Fields[tt.field] == "" {
				t.Errorf("fields %v lack %q", e.Error.Fields, tt.field)
			}
		})
	}

	// A case still at reception cannot jump to handover.
	fresh := intakeAPI(t, env, tok, intakeJSON(t, "Bopha", "Refusaltest", "KH"))
	status, body := apptest.API(t, http.MethodPost, env.URL()+"/api/v1/cases/"+fresh.Case.ID+"/transitions", tok,
		`{"to":"handover","reason":"","version":1}`)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("reception -> handover: %d %s, want 422", status, body)
	}
	if e := decodeError(t, body); e.Error.Code != "invalid" || e.Error.Fields["to"] != "case.error.transition_refused" {
		t.Errorf("reception -> handover: %+v, want invalid with to: case.error.transition_refused", e.Error)
	}
}

// TestIntakeFormKeepsInput checks the 422 page of the HTML intake form: the message beside the
// field, and everything typed still there.
func TestIntakeFormKeepsInput(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	c := env.Login(t, thWorker)
	form := url.Values{"given_name": {"  "}, "family_name": {"Keokanhatest"}, "sex": {"female"},
		"age_estimate": {"27"}, "nationality": {"KH"}, "document_number": {"N 4455-667"},
		"contact": {"+855 97 000 111"}, "languages": {"km, th"}}
	res := apptest.PostForm(t, c, base+"/cases/new", base+"/cases", form)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := string(b)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422: %s", res.StatusCode, excerpt(page))
	}
	beside := regexp.MustCompile(`<input id="given_name"[^>]*>\s*<p class="field-error"[^>]*>` +
		regexp.QuoteMeta(message(t, page, "form.error.required")) + `</p>`)
	if !beside.MatchString(page) {
		t.Errorf("no required-field message beside given_name: %s", excerpt(page))
	}
	for _, want := range []string{
		`id="family_name" name="family_name" value="Keokanhatest"`,
		`id="document_number" name="document_number" value="N 4455-667"`,
		`id="age_estimate" name="age_estimate" inputmode="numeric" value="27"`,
		`id="nationality" name="nationality" value="KH"`,
		`value="km, th"`,
		`>&#43;855 97 000 111</textarea>`,
		`<option value="female" selected>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lost typed input %s", want)
		}
	}
	for _, f := range []string{"family_name", "document_number", "nationality", "sex"} {
		if regexp.MustCompile(`class="field has-error"[^<]*<label for="` + f + `"`).MatchString(page) {
			t.Errorf("field %s is marked in error", f)
		}
	}
}

// TestMarkupIsEscaped checks that markup typed as a name shows as text on the case page and list.
func TestMarkupIsEscaped(t *testing.T) {
	env := apptest.New(t)
	const script = `<script>alert(1)</script>`
	c := intakeAPI(t, env, env.Token(t, thWorker), intakeJSON(t, script, `"><img src=x onerror=alert(2)>`, "KH"))
	s := env.Login(t, thWorker)
	for _, u := range []string{"/cases/" + c.Case.ID, "/cases?q=" + url.QueryEscape("alert")} {
		status, page := apptest.Get(t, s, env.URL()+u)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d", u, status)
		}
		if strings.Contains(page, script) || strings.Contains(page, "<img src=x") {
			t.Errorf("GET %s shows the markup raw", u)
		}
		if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("GET %s does not show the name escaped: %s", u, excerpt(page))
		}
	}
}

// TestSignInFailures checks the generic message on a failed sign-in and the throttle after repeated
// failures for one account, which holds even for the right password.
func TestSignInFailures(t *testing.T) {
	env := apptest.New(t)
	// A stopped clock, set before the server starts: the throttle's wait cannot run out mid-test.
	stopped := time.Now().UTC().Truncate(time.Microsecond)
	env.App.Directory.WithClock(func() time.Time { return stopped })
	base := env.URL()
	signIn := func(t *testing.T, email, password string) (int, string) {
		t.Helper()
		c := apptest.Client()
		res := apptest.PostForm(t, c, base+"/login", base+"/login", url.Values{"email": {email}, "password": {password}})
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	for _, tt := range []struct{ name, email, password string }{
		{"wrong password", thSupervisor, "not-the-password"},
		{"unknown email", "nobody@th-msdhs-sakaeo.demo", demoPassword},
		{"empty password", thSupervisor, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, page := signIn(t, tt.email, tt.password)
			if status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", status)
			}
			if want := message(t, page, "login.failed"); !strings.Contains(page, want) {
				t.Errorf("page lacks the generic message %q: %s", want, excerpt(page))
			}
		})
	}

	t.Run("throttled", func(t *testing.T) {
		const email = thAnalyst
		for i := 1; i <= 6; i++ {
			if status, _ := signIn(t, email, fmt.Sprintf("wrong-%d", i)); status != http.StatusUnauthorized {
				t.Fatalf("failure %d: status %d, want 401", i, status)
			}
		}
		status, page := signIn(t, email, demoPassword)
		if status != http.StatusUnauthorized {
			t.Fatalf("right password after 6 failures: status %d, want 401", status)
		}
		if want := message(t, page, "login.throttled"); !strings.Contains(page, want) {
			t.Errorf("page lacks the throttled message %q: %s", want, excerpt(page))
		}
		// Another account from the same address is not held up by this one.
		if status, _ := signIn(t, thWorker, demoPassword); status != http.StatusSeeOther {
			t.Errorf("another account: status %d, want 303", status)
		}
	})
}
