package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

// TestFormsNeedTheCSRFToken posts a signed-in form without the token.
func TestFormsNeedTheCSRFToken(t *testing.T) {
	env := apptest.New(t)
	c := env.Login(t, "caseworker@th-msdhs-sakaeo.demo")
	res, err := c.PostForm(env.URL()+"/cases", url.Values{"given_name": {"No Token"}, "sex": {"male"}, "age_estimate": {"30"}, "nationality": {"KH"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("POST without CSRF token = %d, want 403", res.StatusCode)
	}
	_, body := apptest.Get(t, c, env.URL()+"/cases?q=No+Token")
	if !strings.Contains(body, `class="empty"`) {
		t.Fatal("the case was created without a CSRF token")
	}
}

func TestSessionCookieAndSignOut(t *testing.T) {
	env := apptest.New(t)
	c := apptest.Client()
	res := apptest.PostForm(t, c, env.URL()+"/login", env.URL()+"/login",
		url.Values{"email": {"supervisor@kh-mosvy-poipet.demo"}, "password": {"homeward-demo"}})
	res.Body.Close()
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "homeward_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie = %+v", session)
	}
	if status, _ := apptest.Get(t, c, env.URL()+"/cases"); status != http.StatusOK {
		t.Fatalf("cases after sign-in = %d", status)
	}
	res = apptest.PostForm(t, c, env.URL()+"/cases", env.URL()+"/logout", url.Values{})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("sign-out = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// The old session token no longer works, even when replayed.
	replay := apptest.Client()
	u, _ := url.Parse(env.URL())
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: "homeward_session", Value: session.Value}})
	if status, _ := apptest.Get(t, replay, env.URL()+"/cases"); status != http.StatusSeeOther {
		t.Fatalf("replayed session after sign-out = %d, want redirect to sign-in", status)
	}
}

// TestLanguageAndBuddhistEra switches to Thai with B.E. years and back, as a signed-in user.
func TestLanguageAndBuddhistEra(t *testing.T) {
	env := apptest.New(t)
	c := env.Login(t, "caseworker@th-msdhs-sakaeo.demo")
	res := apptest.PostForm(t, c, env.URL()+"/settings", env.URL()+"/settings", url.Values{"lang": {"th"}, "buddhist_era": {"on"}})
	res.Body.Close()
	_, body := apptest.Get(t, c, env.URL()+"/cases")
	if !strings.Contains(body, `<html lang="th"`) || !strings.Contains(body, "25") { // with BE years the tag carries the date hint
		t.Fatalf("Thai page missing")
	}
	if !strings.Contains(body, " 2569") && !strings.Contains(body, " 2570") {
		t.Fatalf("no Buddhist-era year on the Thai case list")
	}
	res = apptest.PostForm(t, c, env.URL()+"/cases", env.URL()+"/language", url.Values{"lang": {"km"}, "next": {"/cases"}})
	res.Body.Close()
	if res.Header.Get("Location") != "/cases" {
		t.Fatalf("language switch redirects to %q", res.Header.Get("Location"))
	}
	_, body = apptest.Get(t, c, env.URL()+"/cases")
	if !strings.Contains(body, `<html lang="km">`) {
		t.Fatal("Khmer page missing after the switch")
	}
	// An off-site "next" stays on the site.
	res = apptest.PostForm(t, c, env.URL()+"/cases", env.URL()+"/language", url.Values{"lang": {"en"}, "next": {"//evil.example/"}})
	res.Body.Close()
	if res.Header.Get("Location") != "/" {
		t.Fatalf("open redirect to %q", res.Header.Get("Location"))
	}
}
