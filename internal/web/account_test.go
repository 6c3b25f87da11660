package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/directory"
	"homeward/internal/locale"
	"homeward/internal/passwords"
)

// walkAccountIDs returns a live API token id and a live session id of the demo user email, for the
// route walk's /settings/tokens/:id and /settings/sessions/:id routes.
func walkAccountIDs(t *testing.T, env *apptest.Env, email string) (tokenID, sessionID string) {
	t.Helper()
	a := env.Actor(t, email)
	_, tok, err := env.App.Directory.CreateOwnToken(context.Background(), a, "route walk", 0)
	if err != nil {
		t.Fatal(err)
	}
	c := env.Login(t, email)
	apptest.Get(t, c, env.URL()+"/settings") // the first signed-in request records the session
	if err := env.App.Hub.Raw(`SELECT id FROM user_sessions WHERE user_id = ? AND ended_at IS NULL ORDER BY created_at DESC LIMIT 1`, a.UserID).
		Scan(&sessionID).Error; err != nil || sessionID == "" {
		t.Fatalf("no session row for %s: %v", email, err)
	}
	return tok.ID, sessionID
}

// accountWalkID is the id the route walk puts in an own-account route's :id.
func accountWalkID(path, id, tokenID, sessionID string) string {
	switch {
	case strings.HasPrefix(path, "/settings/tokens/:id"), strings.HasPrefix(path, "/api/v1/me/tokens/:id"):
		return tokenID
	case strings.HasPrefix(path, "/settings/sessions/:id"):
		return sessionID
	}
	return id
}

// inviteUser makes a user without a password in the agency with slug and returns them with an
// enrolment token.
func inviteUser(t *testing.T, env *apptest.Env, email, name, slug string, roles ...string) (*directory.User, string) {
	t.Helper()
	ctx := context.Background()
	ag, err := env.App.Directory.AgencyBySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	u, err := env.App.Directory.CreateUser(ctx, "", email, name, "unused placeholder", ag.ID, roles...)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.App.Hub.Exec(`UPDATE users SET password_hash = '' WHERE id = ?`, u.ID).Error; err != nil {
		t.Fatal(err)
	}
	token, _, err := env.App.Directory.IssueEnrolment(ctx, "", "", u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u, token
}

// enrolUser invites and enrols a user with password, returning a signed-in client.
func enrolUser(t *testing.T, env *apptest.Env, email, name, slug, password string, roles ...string) (*directory.User, *http.Client) {
	t.Helper()
	u, token := inviteUser(t, env, email, name, slug, roles...)
	c := apptest.Client()
	link := env.URL() + directory.EnrolmentPath(token)
	res := apptest.PostForm(t, c, link, link, url.Values{"password": {password}, "password_confirm": {password}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("enrol %s: status %d", email, res.StatusCode)
	}
	return u, c
}

// withTOTP gives the user a confirmed TOTP factor through the MFA service (as if set up earlier),
// so that a session of theirs is past the gate but has proved no second factor yet.
func withTOTP(t *testing.T, env *apptest.Env, userID string) {
	t.Helper()
	ctx := context.Background()
	setup, err := env.App.MFA.BeginTOTP(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.MFA.ConfirmTOTP(ctx, userID, totpCode(t, setup.Secret, time.Now())); err != nil {
		t.Fatal(err)
	}
}

func postForm(t *testing.T, c *http.Client, from, to string, form url.Values) response {
	t.Helper()
	form.Set("_csrf", apptest.CSRF(t, c, from))
	req, err := http.NewRequest(http.MethodPost, to, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return send(t, c, req)
}

func TestEnrolmentLink(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	ctx := context.Background()
	u, token := inviteUser(t, env, "malee.srisuk@msdhs.example", "Malee Srisuk", "th-msdhs-sakaeo", "caseworker")
	link := base + directory.EnrolmentPath(token)

	// Dead links: the very page an unknown route gives, signed out and signed in.
	expired, _ := inviteUser(t, env, "expired.user@msdhs.example", "Expired User", "th-msdhs-sakaeo", "caseworker")
	var expiredToken string
	{
		var err error
		expiredToken, _, err = env.App.Directory.IssueEnrolment(ctx, "", "", expired.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := env.App.Hub.Exec(`UPDATE enrolments SET expires_at = now() - interval '1 minute' WHERE user_id = ? AND voided_at IS NULL`, expired.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	voided, voidedToken := inviteUser(t, env, "voided.user@msdhs.example", "Voided User", "th-msdhs-sakaeo", "caseworker")
	if _, _, err := env.App.Directory.IssueEnrolment(ctx, "", "", voided.ID); err != nil { // voids the first link
		t.Fatal(err)
	}
	dead := map[string]string{"forged": "he_forged0000000000000000000000000000000000", "expired": expiredToken, "voided": voidedToken, "empty-ish": "x"}
	for from, who := range map[string]*http.Client{"/login": apptest.Client(), "/settings": env.Login(t, thWorker)} {
		_, unknown := apptest.Get(t, who, base+"/enrolx/zzz")
		for name, tok := range dead {
			path := directory.EnrolmentPath(tok)
			status, body := apptest.Get(t, who, base+path)
			if status != http.StatusNotFound || withoutRequestID(strings.ReplaceAll(body, path, "/enrolx/zzz")) != withoutRequestID(unknown) {
				t.Errorf("%s link: status %d, page differs from an unknown route's:\n%s\n---\n%s", name, status, excerpt(body), excerpt(unknown))
			}
			res := postForm(t, who, base+from, base+path, url.Values{"password": {"a good long passphrase"}, "password_confirm": {"a good long passphrase"}})
			if res.Status != http.StatusNotFound {
				t.Errorf("POST %s link: status %d, want 404", name, res.Status)
			}
		}
	}

	// The form, in Thai.
	req, _ := http.NewRequest(http.MethodGet, link, nil)
	req.Header.Set("Accept-Language", "th")
	if res := send(t, apptest.Client(), req); res.Status != http.StatusOK || !strings.Contains(res.Body, message(t, res.Body, "enrol.title")) ||
		!strings.Contains(res.Body, "Malee Srisuk") {
		t.Fatalf("enrol form: %d %s", res.Status, excerpt(res.Body))
	}

	// Refused passwords re-render the form with the message; the link stays good.
	c := apptest.Client()
	for _, tc := range []struct{ password, confirm, field, key string }{
		{"short", "short", "password", "password.too_short"},
		{"Password1234", "Password1234", "password", "password.common"},
		{"malee.srisuk@msdhs.example", "malee.srisuk@msdhs.example", "password", "password.personal"},
		{"river stone harbour 9", "river stone harbour 8", "password_confirm", "password.mismatch"},
	} {
		res := postForm(t, c, link, link, url.Values{"password": {tc.password}, "password_confirm": {tc.confirm}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, message(t, res.Body, tc.key)) {
			t.Errorf("password %q: status %d, want 422 with %s: %s", tc.password, res.Status, tc.key, excerpt(res.Body))
		}
	}
	res := postForm(t, c, link, link, url.Values{"password": {"river stone harbour 9"}, "password_confirm": {"river stone harbour 9"}})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("enrol: %d %q", res.Status, res.Header.Get("Location"))
	}
	if status, _ := apptest.Get(t, c, base+"/settings"); status != http.StatusOK {
		t.Fatalf("not signed in after enrolment: %d", status)
	}
	var rows, audits int
	env.App.Hub.Raw(`SELECT count(*) FROM user_sessions WHERE user_id = ? AND ended_at IS NULL`, u.ID).Scan(&rows)
	env.App.Hub.Raw(`SELECT count(*) FROM audit_log WHERE action = 'enrolment.complete' AND entity_id = ?`, u.ID).Scan(&audits)
	if rows != 1 || audits != 1 {
		t.Fatalf("session rows %d, enrolment.complete audit rows %d; want 1 and 1", rows, audits)
	}
	// Used: the link is dead now.
	if status, _ := apptest.Get(t, apptest.Client(), link); status != http.StatusNotFound {
		t.Fatalf("used link: %d", status)
	}

	// A role that requires MFA goes on to set up a second factor.
	_, sup := inviteUser(t, env, "vichai.k@msdhs.example", "Vichai K", "th-msdhs-sakaeo", "supervisor")
	supLink := base + directory.EnrolmentPath(sup)
	res = postForm(t, apptest.Client(), supLink, supLink, url.Values{"password": {"lantern ferry ochre 42"}, "password_confirm": {"lantern ferry ochre 42"}})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/settings/mfa" {
		t.Fatalf("supervisor enrol: %d %q, want /settings/mfa", res.Status, res.Header.Get("Location"))
	}
}

func TestSignInPageTellsHowToRecover(t *testing.T) {
	env := apptest.New(t)
	for _, lang := range []string{"en", "th", "km"} {
		req, _ := http.NewRequest(http.MethodGet, env.URL()+"/login", nil)
		req.Header.Set("Accept-Language", lang)
		res := send(t, apptest.Client(), req)
		if !strings.Contains(res.Body, message(t, res.Body, "account.forgot")) {
			t.Errorf("%s sign-in page without the recovery line", lang)
		}
	}
}

func TestPasswordChange(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	c := env.Login(t, thWorker)
	other := env.Login(t, thWorker)
	apptest.Get(t, other, base+"/settings") // records the other session
	token := env.Token(t, thWorker)
	page := base + "/settings/password"
	for _, tc := range []struct{ current, password, confirm, key string }{
		{"wrong password", "river stone harbour 9", "river stone harbour 9", "password.current_wrong"},
		{demoPassword, "123456789012", "123456789012", "password.common"},
		{demoPassword, "caseworker-th-msdhs", "caseworker-th-msdhs", "password.personal"},
		{demoPassword, "river stone harbour 9", "river", "password.mismatch"},
	} {
		res := postForm(t, c, page, page, url.Values{"current_password": {tc.current}, "password": {tc.password}, "password_confirm": {tc.confirm}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, message(t, res.Body, tc.key)) {
			t.Errorf("%s: status %d: %s", tc.key, res.Status, excerpt(res.Body))
		}
	}
	res := postForm(t, c, page, page, url.Values{"current_password": {demoPassword}, "password": {"river stone harbour 9"}, "password_confirm": {"river stone harbour 9"}})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/settings/password?saved=1" {
		t.Fatalf("change: %d %q %s", res.Status, res.Header.Get("Location"), excerpt(res.Body))
	}
	if status, _ := apptest.Get(t, c, base+"/settings"); status != http.StatusOK {
		t.Fatalf("this session ended by its own password change: %d", status)
	}
	if res := send(t, other, mustGet(t, base+"/settings")); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
		t.Fatalf("other session after the password change: %d %q, want sign-in", res.Status, res.Header.Get("Location"))
	}
	if status, _ := apptest.API(t, http.MethodGet, base+"/api/v1/me", token, ""); status != http.StatusOK {
		t.Fatalf("API token after the password change: %d", status)
	}

	// A role that requires MFA must have proved it recently.
	supUser, sup := enrolUser(t, env, "vichai.k@msdhs.example", "Vichai K", "th-msdhs-sakaeo", "lantern ferry ochre 42", "supervisor")
	withTOTP(t, env, supUser.ID)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		var res response
		if method == http.MethodGet {
			res = send(t, sup, mustGet(t, page))
		} else {
			res = postForm(t, sup, base+"/settings", page, url.Values{"current_password": {"lantern ferry ochre 42"}, "password": {"new lantern ferry 43"}, "password_confirm": {"new lantern ferry 43"}})
		}
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/mfa/verify?next=/settings/password" {
			t.Errorf("%s as supervisor without a recent second factor: %d %q", method, res.Status, res.Header.Get("Location"))
		}
	}
}

func mustGet(t *testing.T, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestPasswordKeysInEveryLanguage checks the message keys the password rules and the account
// services return (TestCodeKeysExist sees only T("...") calls).
func TestPasswordKeysInEveryLanguage(t *testing.T) {
	keys := []string{string(passwords.TooShort), string(passwords.TooLong), string(passwords.Common), string(passwords.Personal),
		"password.current_wrong", "token.days_range", "token.status." + directory.TokenActive, "token.status." + directory.TokenExpired,
		"token.status." + directory.TokenRevoked}
	bundle, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range keys {
		for _, lang := range locale.Supported {
			if !bundle.Has(lang, key) {
				t.Errorf("key %q is missing in %s", key, lang)
			}
		}
	}
}

// TestEnrolSignsOutWhoeverWasSignedIn enrols in a browser where someone else is signed in: their
// session ends and nothing of it is kept.
func TestEnrolSignsOutWhoeverWasSignedIn(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	c := env.Login(t, thWorker)
	apptest.Get(t, c, base+"/settings")
	u, token := inviteUser(t, env, "dara.sok@msdhs.example", "Dara Sok", "th-msdhs-sakaeo", "caseworker")
	link := base + directory.EnrolmentPath(token)
	res := postForm(t, c, link, link, url.Values{"password": {"harbour lantern ochre 5"}, "password_confirm": {"harbour lantern ochre 5"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("enrol: %d", res.Status)
	}
	if ids := sessionIDs(t, env, thWorker); len(ids) != 0 {
		t.Fatalf("the previous user's sessions are still live: %v", ids)
	}
	if ids := sessionIDs(t, env, u.Email); len(ids) != 1 {
		t.Fatalf("the new user's sessions: %v", ids)
	}
	if _, body := apptest.Get(t, c, base+"/settings"); !strings.Contains(body, "Dara Sok") {
		t.Fatalf("not signed in as the new user: %s", excerpt(body))
	}
}
