package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/directory"
	"homeward/internal/locale"
)

// summaryLink is one entry the error summary must hold: the id of the field it leads to and the
// message (key and arguments) that the field's aria-describedby must name.
type summaryLink struct {
	id, key string
	args    []any
}

// formErrorCase submits one form with an error, as a real user, in a language.
type formErrorCase struct {
	name   string
	langs  []string // the languages to check in
	submit func(t *testing.T, env *apptest.Env, lang string) (status int, body string)
	status int
	links  []summaryLink
	kept   []string // what the user typed, shown again
}

// TestFormErrorsLinkedToFieldsA: each form of the sign-in, account, admin, import, audit and report
// pages, refused, answers with one error summary above its form whose every link leads to a field
// that carries aria-invalid="true" and an aria-describedby naming an element holding the message;
// the user's other input comes back. Sign-in, import, audit log and the dashboard in en, th and km.
func TestFormErrorsLinkedToFieldsA(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	all := []string{"en", "th", "km"}
	en := []string{"en"}
	signedIn := func(t *testing.T, email, lang string) *http.Client {
		t.Helper()
		c := env.Login(t, email)
		setLang(t, env, c, lang)
		return c
	}
	post := func(t *testing.T, c *http.Client, from, to string, form url.Values) (int, string) {
		t.Helper()
		res := postForm(t, c, from, to, form)
		return res.Status, res.Body
	}
	ctx := context.Background()
	worker := env.Actor(t, thWorker)
	welfare, err := env.App.Directory.AgencyBySlug(ctx, "th-msdhs-sakaeo")
	if err != nil {
		t.Fatal(err)
	}
	var membership string
	if err := env.App.Hub.Raw(`SELECT id FROM memberships WHERE user_id = ?`, worker.UserID).Scan(&membership).Error; err != nil || membership == "" {
		t.Fatalf("the caseworker's membership: %v", err)
	}
	op := impOperation(t, env, "TH")
	badImport := []byte(impHeader + "Sokha,Chan,female,31/02/1999,,KH,\n")

	cases := []formErrorCase{
		{name: "login", langs: all, status: http.StatusUnauthorized,
			submit: func(t *testing.T, env *apptest.Env, lang string) (int, string) {
				c := apptest.Client()
				res := apptest.PostForm(t, c, base+"/login", base+"/language", url.Values{"lang": {lang}, "next": {"/login"}})
				res.Body.Close()
				return post(t, c, base+"/login", base+"/login", url.Values{"email": {thSupervisor}, "password": {"not-the-password"}})
			},
			links: []summaryLink{{id: "password", key: "login.failed"}}, kept: []string{`value="` + thSupervisor + `"`}},
		{name: "mfa_verify", langs: en, status: http.StatusUnauthorized,
			submit: func(t *testing.T, env *apptest.Env, lang string) (int, string) {
				const email = "factor.forms16a@th-msdhs-sakaeo.example"
				withTOTP(t, env, staffUser(t, env, email, "supervisor"))
				c, step := passwordStep(t, base, email, staffPassword)
				if step.Status != http.StatusSeeOther || step.Header.Get("Location") != "/login/mfa" {
					t.Fatalf("password step: %d %s", step.Status, step.Header.Get("Location"))
				}
				return post(t, c, base+"/login/mfa", base+"/login/mfa", url.Values{"code": {"not-a-recovery-code"}})
			},
			links: []summaryLink{{id: "code", key: "mfa.code_wrong"}}},
		{name: "mfa_settings", langs: en, status: http.StatusUnprocessableEntity,
			submit: func(t *testing.T, env *apptest.Env, lang string) (int, string) {
				c := signedIn(t, thSupervisor, lang)
				if s, b := post(t, c, base+"/settings/mfa", base+"/settings/mfa/totp", url.Values{}); s != http.StatusSeeOther {
					t.Fatalf("begin TOTP: %d %s", s, excerpt(b))
				}
				return post(t, c, base+"/settings/mfa", base+"/settings/mfa/totp/confirm", url.Values{"code": {"12345x"}})
			},
			links: []summaryLink{{id: "code", key: "mfa.code_wrong"}}, kept: []string{`value="12345x"`}},
		{name: "enrol", langs: en, status: http.StatusUnprocessableEntity,
			submit: func(t *testing.T, env *apptest.Env, lang string) (int, string) {
				_, token := inviteUser(t, env, "new.forms16a@th-msdhs-sakaeo.example", "New Staff", "th-msdhs-sakaeo", "caseworker")
				link := base + directory.EnrolmentPath(token)
				return post(t, apptest.Client(), link, link, url.Values{"password": {"a long enough new password"}, "password_confirm": {"another long password"}})
			},
			links: []summaryLink{{id: "password_confirm", key: "password.mismatch"}}},
		{name: "account_password", langs: []string{"th"}, status: http.StatusUnprocessableEntity,
			submit: func(t *testing.T, env *apptest.Env, lang string) (int, string) {
				c := signedIn(t, thWorker, lang)
				return post(t, c, base+"/settings/password", base+"/settings/password", url.Values{"current_password": {"not-the-password"},
					"password": {"a long enough new password"}, "password_confirm": {"a long enough new password"}})
			},
			links: []summaryLink{{id: "current_password", key: "password.current_wrong"}}},
		{name: "account_tokens", langs: []string{"km"}, status: http.StatusUnprocessableEntity,
			submit: func(t *testing.T, env *apptest.Env, lang string) (int, string) {
				c := signedIn(t, thWorker, lang)
				return post(t, c, base+"/settings/tokens", base+"/settings/tokens", url.Values{"label": {""}, "days": {"500"}})
			},
			links: []summaryLink{{id: "label", key: "form.error.required"}, {id: "days", key: "token.days_range"}}, kept: []string{`value="500"`}},
		{name: "admin_invite", langs: en, status: http.StatusUnprocessableEntity,
			submit: func(t *testing.T, env *apptest.Env, lang string) (int, string) {
				c := signedIn(t, thAdmin, lang)
				return post(t, c, base+"/admin/users/new", base+"/admin/users", url.Values{"email": {"not-an-email"}, "name": {"Somsri Test"},
					"agency_id": {welfare.ID}, "role": {"no_such_role"}})
			},
			links: []summaryLink{{id: "email", key: "admin.error.email"}, {id: "role", key: "admin.error.role"}},
			kept:  []string{`value="not-an-email"`, `value="Somsri Test"`, `value="` + welfare.ID + `" selected`}},
		{name: "admin_user (add a role)", langs: en, status: http.StatusUnprocessableEntity,
			submit: func(t *testing.T, env *apptest.Env, lang string) (int, string) {
				c := signedIn(t, thAdmin, lang)
				page := base + "/admin/users/" + worker.UserID
				return post(t, c, page, page+"/memberships", url.Values{"agency_id": {welfare.ID}, "role": {"no_such_role"}})
			},
			links: []summaryLink{{id: "role", key: "admin.error.role"}}, kept: []string{`value="` + welfare.ID + `" selected`}},
		{name: "admin_user (last role)", langs: en, status: http.StatusUnprocessableEntity,
			submit: func(t *testing.T, env *apptest.Env, lang string) (int, string) {
				c := signedIn(t, thAdmin, lang)
				return post(t, c, base+"/admin/users/"+worker.UserID, base+"/admin/memberships/"+membership+"/delete", url.Values{})
			},
			links: []summaryLink{{id: "remove-membership", key: "admin.error.last_membership"}}},
		{name: "import", langs: all, status: http.StatusOK,
			submit: func(t *testing.T, env *apptest.Env, lang string) (int, string) {
				status, _, body := impPost(t, env, signedIn(t, thWorker, lang), op, "true", badImport, false)
				return status, body
			},
			links: []summaryLink{{id: "import-file", key: "imports.result.errors", args: []any{"Count", 1}}}},
		{name: "import (no file)", langs: en, status: http.StatusUnprocessableEntity,
			submit: func(t *testing.T, env *apptest.Env, lang string) (int, string) {
				status, _, body := impPost(t, env, signedIn(t, thWorker, lang), op, "true", nil, false)
				return status, body
			},
			links: []summaryLink{{id: "import-file", key: "imports.error.file_missing"}}},
		{name: "complaint_import", langs: []string{"th"}, status: http.StatusOK,
			submit: func(t *testing.T, env *apptest.Env, lang string) (int, string) {
				c := signedIn(t, thSupervisor, lang)
				page := base + "/reports/complaints/import"
				ct, body := impMultipart(t, map[string]string{"_csrf": apptest.CSRF(t, c, page), "dry_run": "true"}, "complaints.csv",
					[]byte(cmpHeader+"2026-W54,Bangkok,line,1,0\n"))
				req, err := http.NewRequest(http.MethodPost, page, strings.NewReader(string(body)))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", ct)
				res := send(t, c, req)
				return res.Status, res.Body
			},
			links: []summaryLink{{id: "complaints-file", key: "complaints.import.errors", args: []any{"Count", 1}}}},
		{name: "audit_log", langs: all, status: http.StatusUnprocessableEntity,
			submit: func(t *testing.T, env *apptest.Env, lang string) (int, string) {
				return apptest.Get(t, signedIn(t, thAuditor, lang), base+"/audit?"+url.Values{"action": {"case."}, "from": {"2026-02-31"}}.Encode())
			},
			links: []summaryLink{{id: "from", key: "audit.error.time"}}, kept: []string{`value="case."`, `value="2026-02-31"`}},
		{name: "audit_case", langs: en, status: http.StatusUnprocessableEntity,
			submit: func(t *testing.T, env *apptest.Env, lang string) (int, string) {
				return apptest.Get(t, signedIn(t, thAuditor, lang), base+"/audit/case?case="+strings.Repeat("x", 300))
			},
			links: []summaryLink{{id: "case", key: "audit.error.case"}}, kept: []string{`value="` + strings.Repeat("x", 300) + `"`}},
		{name: "audit_report", langs: en, status: http.StatusUnprocessableEntity,
			submit: func(t *testing.T, env *apptest.Env, lang string) (int, string) {
				return apptest.Get(t, signedIn(t, thAuditor, lang), base+"/audit/report?from=2026-01-01&to=2026-01-31&per_hour=200000")
			},
			links: []summaryLink{{id: "per_hour", key: "audit.error.per_hour"}}, kept: []string{`value="2026-01-01"`, `value="2026-01-31"`}},
		{name: "reports", langs: all, status: http.StatusUnprocessableEntity,
			submit: func(t *testing.T, env *apptest.Env, lang string) (int, string) {
				return apptest.Get(t, signedIn(t, thSupervisor, lang), base+"/reports?from=2026-13-40&to=2026-01-31")
			},
			links: []summaryLink{{id: "from", key: "form.error.date"}}, kept: []string{`value="2026-01-31"`}},
		{name: "joint_report", langs: []string{"km"}, status: http.StatusUnprocessableEntity,
			submit: func(t *testing.T, env *apptest.Env, lang string) (int, string) {
				return apptest.Get(t, signedIn(t, thAnalyst, lang), base+"/reports/joint?from=2026-02-01&to=2026-01-01")
			},
			links: []summaryLink{{id: "joint-to", key: "joint.error.order"}}, kept: []string{`value="2026-02-01"`}},
	}
	for _, tc := range cases {
		for _, lang := range tc.langs {
			t.Run(tc.name+"/"+lang, func(t *testing.T) {
				status, body := tc.submit(t, env, lang)
				if status != tc.status {
					t.Fatalf("status %d, want %d: %s", status, tc.status, excerpt(body))
				}
				if m := htmlLang.FindStringSubmatch(body); m == nil || m[1] != lang {
					t.Fatalf("the page is not in %s: %v", lang, m)
				}
				checkErrorSummary(t, body, tc.links)
				for _, k := range tc.kept {
					if !strings.Contains(body, k) {
						t.Errorf("the input %s is lost", k)
					}
				}
			})
		}
	}
}

// TestSignInRefusalSaysNoMore: an unknown email and a wrong password get the very same summary
// and field marks (nothing tells whether the account exists).
func TestSignInRefusalSaysNoMore(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	var pages []string
	for _, email := range []string{thSupervisor, "nobody.forms16a@th-msdhs-sakaeo.example"} {
		res := apptest.PostForm(t, apptest.Client(), base+"/login", base+"/login", url.Values{"email": {email}, "password": {"not-the-password"}})
		body := pageBody(t, res)
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%s: status %d", email, res.StatusCode)
		}
		checkErrorSummary(t, body, []summaryLink{{id: "password", key: "login.failed"}})
		pages = append(pages, strings.ReplaceAll(csrfValue.ReplaceAllString(body, ""), email, "EMAIL"))
	}
	if pages[0] != pages[1] {
		t.Error("the sign-in page answers an unknown email differently from a wrong password")
	}
	if tag := openingTag(t, pages[0], `id="email"`); !strings.Contains(tag, `aria-invalid="true"`) || !strings.Contains(tag, `aria-describedby="password-error"`) {
		t.Errorf("the email field is not marked with the sign-in's message: %s", tag)
	}
}

// TestImportRefusalUnderHTMX: the htmx answer of a refused check carries the summary and the file
// field's marks with the result (it replaces the whole working part of the page), and a clean
// check afterwards carries neither.
func TestImportRefusalUnderHTMX(t *testing.T) {
	env := apptest.New(t)
	op := impOperation(t, env, "TH")
	c := env.Login(t, thWorker)
	status, _, frag := impPost(t, env, c, op, "true", []byte(impHeader+"Sokha,Chan,female,1999-02-31,,KH,\n"), true)
	if status != http.StatusOK || strings.Contains(frag, "<html") || !strings.HasPrefix(strings.TrimSpace(frag), `<div id="import-work">`) {
		t.Fatalf("htmx check: %d %s", status, excerpt(frag))
	}
	b, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	l := b.For("en", false, nil)
	checkErrorSummaryIn(t, frag, []summaryLink{{id: "import-file", key: "imports.result.errors", args: []any{"Count", 1}}}, l.T)
	if !strings.Contains(frag, `data-testid="import-errors"`) || !strings.Contains(frag, `hx-target="#import-work"`) {
		t.Errorf("the fragment lacks the problems or the form: %s", excerpt(frag))
	}
	status, _, frag = impPost(t, env, c, op, "true", []byte(impHeader+"Sokha,Chan,female,1999-04-12,,KH,\n"), true)
	if status != http.StatusOK || strings.Contains(frag, "error-summary") || strings.Contains(frag, "aria-invalid") ||
		!strings.Contains(frag, `data-testid="import-commit"`) {
		t.Errorf("a clean check after the refused one: %d %s", status, excerpt(frag))
	}
}

var (
	csrfValue    = regexp.MustCompile(`name="_csrf" value="[^"]*"`)
	openTag      = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[-a-zA-Z0-9_:]+(?:="[^"]*")?)*)\s*/?>`)
	tagAttr      = regexp.MustCompile(`([-a-zA-Z0-9_:]+)(?:="([^"]*)")?`)
	summaryLinks = regexp.MustCompile(`<a href="#([^"]+)">([^<]*)</a>`)
	anyTag       = regexp.MustCompile(`<[^>]+>`)
)

// checkErrorSummary checks the summary of a whole page against the messages in the page's language.
func checkErrorSummary(t *testing.T, body string, links []summaryLink) {
	t.Helper()
	checkErrorSummaryIn(t, body, links, func(key string, args ...any) string { return html.UnescapeString(message(t, body, key, args...)) })
}

// checkErrorSummaryIn checks that body holds exactly one error summary, above the form of its
// fields, with exactly links (in order); that each link's field is unique, carries
// aria-invalid="true" and an aria-describedby naming an element whose text is the message; and
// that the link says the message (after the field's label, where it names one).
func checkErrorSummaryIn(t *testing.T, body string, links []summaryLink, msg func(string, ...any) string) {
	t.Helper()
	if n := strings.Count(body, `data-testid="error-summary"`); n != 1 {
		t.Fatalf("%d error summaries, want 1: %s", n, excerpt(body))
	}
	at := strings.Index(body, `data-testid="error-summary"`)
	summary := body[at:]
	summary = summary[:strings.Index(summary, "</div>")]
	got := summaryLinks.FindAllStringSubmatch(summary, -1)
	if len(got) != len(links) {
		t.Fatalf("the summary has %d links, want %d: %s", len(got), len(links), summary)
	}
	for i, want := range links {
		id, text := got[i][1], html.UnescapeString(got[i][2])
		message := msg(want.key, want.args...)
		if id != want.id {
			t.Errorf("link %d leads to #%s, want #%s", i, id, want.id)
			continue
		}
		if text != message && !strings.HasSuffix(text, ": "+message) {
			t.Errorf("the link to #%s says %q, want %q", id, text, message)
		}
		tag, start := elementByID(t, body, id)
		if start < at {
			t.Errorf("#%s comes before the summary", id)
		}
		if form := strings.LastIndex(body[:start], "<form"); form < at {
			t.Errorf("the summary is not above the form of #%s", id)
		}
		if tag["aria-invalid"] != "true" {
			t.Errorf("#%s has no aria-invalid=\"true\": %v", id, tag)
		}
		found := false
		for _, d := range strings.Fields(tag["aria-describedby"]) {
			if textOfID(t, body, d) == message {
				found = true
			}
		}
		if !found {
			t.Errorf("#%s's aria-describedby %q names no element saying %q", id, tag["aria-describedby"], message)
		}
	}
}

// elementByID returns the attributes of the one element with that id, and where it starts.
func elementByID(t *testing.T, body, id string) (map[string]string, int) {
	t.Helper()
	var attrs map[string]string
	start, n := -1, 0
	for _, m := range openTag.FindAllStringSubmatchIndex(body, -1) {
		a := map[string]string{"": body[m[2]:m[3]]}
		for _, kv := range tagAttr.FindAllStringSubmatch(body[m[4]:m[5]], -1) {
			a[kv[1]] = html.UnescapeString(kv[2])
		}
		if a["id"] == id {
			attrs, start, n = a, m[0], n+1
		}
	}
	if n != 1 {
		t.Fatalf("%d elements with id %q, want 1", n, id)
	}
	return attrs, start
}

// textOfID is the text of the element with that id (up to its closing tag), without tags.
func textOfID(t *testing.T, body, id string) string {
	t.Helper()
	tag, start := elementByID(t, body, id)
	rest := body[start:]
	rest = rest[strings.Index(rest, ">")+1:]
	if end := strings.Index(rest, "</"+tag[""]+">"); end >= 0 {
		rest = rest[:end]
	}
	return strings.TrimSpace(html.UnescapeString(anyTag.ReplaceAllString(rest, "")))
}
