package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/web"
)

// sessionIDs returns the live session ids of the user, newest first.
func sessionIDs(t *testing.T, env *apptest.Env, email string) []string {
	t.Helper()
	var ids []string
	if err := env.App.Hub.Raw(`SELECT s.id FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ? AND s.ended_at IS NULL ORDER BY s.created_at DESC`, email).
		Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestSessionsPage(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	a := env.Login(t, thWorker)
	apptest.Get(t, a, base+"/settings")
	b := env.Login(t, thWorker)
	apptest.Get(t, b, base+"/settings")
	token := env.Token(t, thWorker)
	ids := sessionIDs(t, env, thWorker)
	if len(ids) != 2 {
		t.Fatalf("live sessions = %v, want 2", ids)
	}
	bID, aID := ids[0], ids[1]
	_, body := apptest.Get(t, a, base+"/settings/sessions")
	if !strings.Contains(body, "session-"+aID) || !strings.Contains(body, "session-"+bID) || strings.Count(body, message(t, body, "session.this")) != 1 {
		t.Fatalf("sessions page: %s", excerpt(body))
	}
	// Another user cannot see or end them.
	kh := env.Login(t, khWorker)
	if status, _ := apptest.Get(t, kh, base+"/settings/sessions/"+bID+"/end"); status != http.StatusNotFound {
		t.Fatalf("another user's end page: %d", status)
	}
	if res := postForm(t, kh, base+"/settings", base+"/settings/sessions/"+bID+"/end", url.Values{}); res.Status != http.StatusNotFound {
		t.Fatalf("another user ends a session: %d", res.Status)
	}
	// A ends B: B's next request is signed out; A and the API token are unaffected.
	if status, body := apptest.Get(t, a, base+"/settings/sessions/"+bID+"/end"); status != http.StatusOK || !strings.Contains(body, message(t, body, "session.end_warning")) {
		t.Fatalf("end page: %d", status)
	}
	res := postForm(t, a, base+"/settings/sessions", base+"/settings/sessions/"+bID+"/end", url.Values{})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("end: %d", res.Status)
	}
	if res := send(t, b, mustGet(t, base+"/cases")); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
		t.Fatalf("ended session: %d %q, want sign-in", res.Status, res.Header.Get("Location"))
	}
	if status, _ := apptest.Get(t, a, base+"/cases"); status != http.StatusOK {
		t.Fatalf("the session that ended the other: %d", status)
	}
	if status, _ := apptest.API(t, http.MethodGet, base+"/api/v1/me", token, ""); status != http.StatusOK {
		t.Fatalf("API token after ending a session: %d", status)
	}
	// End all others, then sign out: no live row is left.
	c := env.Login(t, thWorker)
	apptest.Get(t, c, base+"/settings")
	if res := postForm(t, a, base+"/settings/sessions/end-others", base+"/settings/sessions/end-others", url.Values{}); res.Status != http.StatusSeeOther {
		t.Fatalf("end others: %d", res.Status)
	}
	if status, _ := apptest.Get(t, c, base+"/cases"); status != http.StatusSeeOther {
		t.Fatalf("session after end-others: %d", status)
	}
	if ids := sessionIDs(t, env, thWorker); len(ids) != 1 || ids[0] != aID {
		t.Fatalf("live sessions after end-others = %v, want [%s]", ids, aID)
	}
	postForm(t, a, base+"/settings", base+"/logout", url.Values{})
	if ids := sessionIDs(t, env, thWorker); len(ids) != 0 {
		t.Fatalf("live sessions after sign-out = %v", ids)
	}
	// A disabled user's session is dead at once.
	d := env.Login(t, thAnalyst)
	apptest.Get(t, d, base+"/settings")
	if err := env.App.Hub.Exec(`UPDATE users SET disabled_at = now() WHERE email = ?`, thAnalyst).Error; err != nil {
		t.Fatal(err)
	}
	if res := send(t, d, mustGet(t, base+"/settings")); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("disabled user's session: %d", res.Status)
	}
}

// TestHostCookiesAndHSTS builds the server as serve does (CookieSecure) and checks the __Host-
// cookies and HSTS; the development server has neither.
func TestHostCookiesAndHSTS(t *testing.T) {
	env := apptest.New(t)
	d := env.App.Server.Deps
	d.CookieSecure = true
	srv, err := web.New(d)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	client := apptest.Client()
	res, err := client.Get(ts.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if got := res.Header.Get("Strict-Transport-Security"); got != "max-age=31536000; includeSubDomains" {
		t.Errorf("HSTS = %q", got)
	}
	csrf := hostCookie(t, res, "__Host-homeward_csrf")
	token := regexp.MustCompile(`name="_csrf" value="([^"]*)"`).FindStringSubmatch(string(body))
	if token == nil {
		t.Fatal("no CSRF field on the sign-in page")
	}
	// Secure cookies are not sent over plain HTTP by a browser; the test sends them itself.
	form := url.Values{"_csrf": {token[1]}, "email": {thWorker}, "password": {demoPassword}}
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: csrf.Name, Value: csrf.Value})
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in under serve: %d", res.StatusCode)
	}
	hostCookie(t, res, "__Host-homeward_session")

	// Development (plain HTTP): the plain names, no HSTS.
	res, err = apptest.Client().Get(env.URL() + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS in development")
	}
	for _, ck := range res.Cookies() {
		if strings.HasPrefix(ck.Name, "__Host-") {
			t.Errorf("cookie %s in development", ck.Name)
		}
	}
}

// hostCookie returns the response's cookie name, failing unless it keeps the __Host- rules.
func hostCookie(t *testing.T, res *http.Response, name string) *http.Cookie {
	t.Helper()
	for _, ck := range res.Cookies() {
		if ck.Name == name {
			if !ck.Secure || ck.Path != "/" || ck.Domain != "" || !ck.HttpOnly {
				t.Errorf("cookie %s = %+v, want Secure, Path=/, no Domain, HttpOnly", name, ck)
			}
			return ck
		}
	}
	t.Fatalf("no cookie %s in %v", name, res.Header.Values("Set-Cookie"))
	return nil
}
