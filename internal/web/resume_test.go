package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

// postWithReferer posts a form from a page (a CSRF token taken before, the page as Referer), following no redirect.
func postWithReferer(t *testing.T, c *http.Client, token, from, to string, form url.Values) *http.Response {
	t.Helper()
	form.Set("_csrf", token)
	req, err := http.NewRequest(http.MethodPost, to, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", from)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// expireSessions ends every browser session as the idle timeout would: the session store forgets them.
func expireSessions(t *testing.T, env *apptest.Env) {
	t.Helper()
	if err := env.App.Hub.Exec(`DELETE FROM sessions`).Error; err != nil {
		t.Fatal(err)
	}
}

// signInOn signs a demo user in on an existing client (its cookies kept), with a next page.
func signInOn(t *testing.T, env *apptest.Env, c *http.Client, email, next string) *http.Response {
	t.Helper()
	res := apptest.PostForm(t, c, env.URL()+"/login", env.URL()+"/login",
		url.Values{"email": {email}, "password": {"homeward-demo"}, "next": {next}})
	res.Body.Close()
	return res
}

// TestFormKeptAcrossExpiredSession: a form sent after the session expired goes to the sign-in page
// with the page as next; the input is kept in the hub sealed (never in clear, never a password,
// never in the URL), given back once to the same user on that page, never to another user; a next
// outside this site goes home; a CSRF refusal while signed in is a translated page.
func TestFormKeptAcrossExpiredSession(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	c := env.Login(t, thWorker)
	repatLanguage(t, env, c, "en")
	token := apptest.CSRF(t, c, base+"/cases/new") // the form was open when the session expired
	expireSessions(t, env)

	form := url.Values{"given_name": {"Sokha-Resume"}, "family_name": {"Chan"}, "urgent_needs": {"Insulin twice a day"},
		"password": {"never-kept"}, "nationality": {"KH"}}
	res := postWithReferer(t, c, token, base+"/cases/new", base+"/cases", form)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || loc != "/login?next=%2Fcases%2Fnew" {
		t.Fatalf("expired POST: %d to %q", res.StatusCode, loc)
	}
	if strings.Contains(loc, "Sokha") {
		t.Errorf("form values in the URL: %s", loc)
	}
	var rows []struct {
		Path   string
		Sealed []byte
	}
	env.App.Hub.Raw(`SELECT path, sealed FROM form_stashes`).Scan(&rows)
	if len(rows) != 1 || rows[0].Path != "/cases/new" {
		t.Fatalf("stashes: %+v", rows)
	}
	for _, clear := range []string{"Sokha", "Insulin", "never-kept"} {
		if strings.Contains(string(rows[0].Sealed), clear) {
			t.Errorf("the stash holds %q in clear", clear)
		}
	}
	var persons int64
	st, _ := env.App.Stores.For("TH")
	st.DB.Raw(`SELECT count(*) FROM persons WHERE given_name = 'Sokha-Resume'`).Scan(&persons)
	if persons != 0 {
		t.Fatalf("the expired POST created %d persons", persons)
	}

	// Another user signing in on the same browser gets nothing back, and leaves it for its owner.
	if res := signInOn(t, env, c, thSupervisor, "/cases/new"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/cases/new" {
		t.Fatalf("other user's sign-in: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body := apptest.Get(t, c, base+"/cases/new"); strings.Contains(body, "Sokha-Resume") || strings.Contains(body, "resume-data") {
		t.Errorf("another user got the stashed input")
	}
	expireSessions(t, env)

	// The same user signs in again: back on the page, the input restored once, no password.
	if res := signInOn(t, env, c, thWorker, "/cases/new"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/cases/new" {
		t.Fatalf("sign-in: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	status, body := apptest.Get(t, c, base+"/cases/new")
	if status != http.StatusOK || !strings.Contains(body, `id="resume-data"`) || !strings.Contains(body, "Sokha-Resume") ||
		!strings.Contains(body, "Insulin twice a day") || strings.Contains(body, "never-kept") ||
		!strings.Contains(body, message(t, body, "resume.restored")) {
		t.Fatalf("restored page: %d %s", status, excerpt(body))
	}
	if _, body := apptest.Get(t, c, base+"/cases/new"); strings.Contains(body, "Sokha-Resume") {
		t.Errorf("the input was given back twice")
	}
	var left int64
	env.App.Hub.Raw(`SELECT count(*) FROM form_stashes`).Scan(&left)
	if left != 0 {
		t.Errorf("%d stashes left after the take", left)
	}

	// A next outside this site goes home; the sign-in page keeps only a path of this site.
	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "/login?next=/x"} {
		c := apptest.Client()
		if res := signInOn(t, env, c, thWorker, next); res.Header.Get("Location") != "/" {
			t.Errorf("next %q: went to %q", next, res.Header.Get("Location"))
		}
		if _, body := apptest.Get(t, apptest.Client(), base+"/login?next="+url.QueryEscape(next)); strings.Contains(body, "evil.example") {
			t.Errorf("sign-in page keeps next %q", next)
		}
	}
	// A page opened without a session comes back after signing in.
	anon := apptest.Client()
	res, err := anon.Get(base + "/cases?stage=reception")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Location"); got != "/login?next=%2Fcases%3Fstage%3Dreception" {
		t.Errorf("GET without a session: %q", got)
	}

	// A CSRF refusal while signed in: 403, translated.
	for _, lang := range []string{"th", "km"} {
		c := env.Login(t, thWorker)
		repatLanguage(t, env, c, lang)
		res, err := c.PostForm(base+"/cases", url.Values{"_csrf": {"wrong"}, "given_name": {"X"}})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		body := string(raw)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, `lang="`+lang+`"`) ||
			!strings.Contains(body, message(t, body, "error.csrf")) {
			t.Errorf("%s CSRF refusal: %d %s", lang, res.StatusCode, excerpt(body))
		}
	}
}
