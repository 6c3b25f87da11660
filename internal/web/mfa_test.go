package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"homeward/internal/apptest"
)

const staffPassword = "a long enough staff password"

// mfaClock is the injected clock of the MFA service in these tests.
type mfaClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *mfaClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *mfaClock) next() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(30 * time.Second)
	return c.t
}

// mfaEnv is an environment whose MFA service runs on a clock the test moves, set before the server starts.
func mfaEnv(t *testing.T) (*apptest.Env, *mfaClock, string) {
	t.Helper()
	env := apptest.New(t)
	clk := &mfaClock{t: time.Now().UTC().Truncate(30 * time.Second)}
	env.App.MFA.WithClock(clk.now)
	return env, clk, env.URL()
}

func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// staffUser creates a non-demo user holding role in the TH welfare agency, with staffPassword.
func staffUser(t *testing.T, env *apptest.Env, email, role string) string {
	t.Helper()
	ctx := context.Background()
	ag, err := env.App.Directory.AgencyBySlug(ctx, "th-msdhs-sakaeo")
	if err != nil {
		t.Fatal(err)
	}
	u, err := env.App.Directory.CreateUser(ctx, "", email, "Staff "+role, staffPassword, ag.ID, role)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// enrolledStaff creates a supervisor with a confirmed TOTP secret; it returns the id, the secret
// and the recovery codes.
func enrolledStaff(t *testing.T, env *apptest.Env, clk *mfaClock, email string) (string, string, []string) {
	t.Helper()
	ctx := context.Background()
	id := staffUser(t, env, email, "supervisor")
	setup, err := env.App.MFA.BeginTOTP(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := env.App.MFA.ConfirmTOTP(ctx, id, totpCode(t, setup.Secret, clk.now()))
	if err != nil {
		t.Fatal(err)
	}
	return id, setup.Secret, codes
}

// passwordStep posts the sign-in form on a fresh client.
func passwordStep(t *testing.T, base, email, password string) (*http.Client, response) {
	t.Helper()
	c := apptest.Client()
	res := apptest.PostForm(t, c, base+"/login", base+"/login", url.Values{"email": {email}, "password": {password}})
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return c, response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func mfaPost(t *testing.T, c *http.Client, from, to string, form url.Values) response {
	t.Helper()
	res := apptest.PostForm(t, c, from, to, form)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func mfaGet(t *testing.T, c *http.Client, u string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return send(t, c, req)
}

var totpSecretText = regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7 ]+)<`)

func TestMFAGateUntilEnrolled(t *testing.T) {
	env, clk, base := mfaEnv(t)
	uid := staffUser(t, env, "gate.supervisor@example.org", "supervisor")
	c, res := passwordStep(t, base, "gate.supervisor@example.org", staffPassword)
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("password of a user without a factor: %d %q, want 303 /", res.Status, res.Header.Get("Location"))
	}
	gated := func(t *testing.T, want bool) {
		t.Helper()
		for _, path := range []string{"/", "/cases", "/settings", "/inbox", "/mfa/verify?next=/", "/nowhere"} {
			res := mfaGet(t, c, base+path)
			if got := res.Status == http.StatusSeeOther && res.Header.Get("Location") == "/settings/mfa"; got != want {
				t.Errorf("GET %s: %d %q; gated = %v, want %v", path, res.Status, res.Header.Get("Location"), got, want)
			}
		}
	}
	gated(t, true)
	// What setup needs stays open: the settings page, static files, the language switch, sign-out.
	page := mfaGet(t, c, base+"/settings/mfa")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, message(t, page.Body, "mfa.required")) {
		t.Fatalf("GET /settings/mfa: %d %s", page.Status, excerpt(page.Body))
	}
	if res := mfaGet(t, c, base+"/static/webauthn.js"); res.Status != http.StatusOK {
		t.Errorf("GET /static/webauthn.js: %d", res.Status)
	}
	if res := mfaPost(t, c, base+"/settings/mfa", base+"/language", url.Values{"lang": {"km"}, "next": {"/settings/mfa"}}); res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/settings/mfa" {
		t.Errorf("POST /language: %d %q", res.Status, res.Header.Get("Location"))
	}
	// The API: a token of a user who must enrol keeps working (tokens need MFA to be made in the UI).
	tok := env.Token(t, "gate.supervisor@example.org")
	status, body := apptest.API(t, http.MethodGet, base+"/api/v1/me/mfa", tok, "")
	var st struct {
		Required, Enrolled bool
		TOTP               bool `json:"totp"`
	}
	if err := json.Unmarshal([]byte(body), &st); status != http.StatusOK || err != nil || !st.Required || st.Enrolled {
		t.Fatalf("GET /api/v1/me/mfa: %d %s", status, body)
	}

	// Enrol TOTP through the pages: a wrong first code is refused with the input kept.
	if res := mfaPost(t, c, base+"/settings/mfa", base+"/settings/mfa/totp", url.Values{}); res.Status != http.StatusSeeOther {
		t.Fatalf("begin TOTP: %d %s", res.Status, excerpt(res.Body))
	}
	page = mfaGet(t, c, base+"/settings/mfa")
	m := totpSecretText.FindStringSubmatch(page.Body)
	if m == nil || !strings.Contains(page.Body, `src="data:image/png;base64,`) {
		t.Fatalf("the setup page shows no secret or QR code: %s", excerpt(page.Body))
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	wrong := "000000"
	if totpCode(t, secret, clk.now()) == wrong {
		wrong = "111111"
	}
	res = mfaPost(t, c, base+"/settings/mfa", base+"/settings/mfa/totp/confirm", url.Values{"code": {wrong}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, message(t, res.Body, "mfa.code_wrong")) ||
		!strings.Contains(res.Body, `value="`+wrong+`"`) {
		t.Fatalf("wrong first code: %d %s", res.Status, excerpt(res.Body))
	}
	gated(t, true)
	res = mfaPost(t, c, base+"/settings/mfa", base+"/settings/mfa/totp/confirm", url.Values{"code": {totpCode(t, secret, clk.now())}})
	if res.Status != http.StatusOK || strings.Count(res.Body, "<li><code>") != 10 {
		t.Fatalf("confirming code: %d, want 200 with ten recovery codes: %s", res.Status, excerpt(res.Body))
	}
	gated(t, false)
	if status, body := apptest.API(t, http.MethodGet, base+"/api/v1/me/mfa", tok, ""); status != http.StatusOK ||
		!strings.Contains(body, `"enrolled":true`) || !strings.Contains(body, `"recovery_codes_left":10`) {
		t.Fatalf("GET /api/v1/me/mfa after enrolment: %d %s", status, body)
	}

	// An admin's reset of the factors ends the user's sessions at once and puts the gate back.
	if err := env.App.Directory.ResetFactors(context.Background(), "", "", uid); err != nil {
		t.Fatal(err)
	}
	if res := mfaGet(t, c, base+"/cases"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("after the reset the old session gets %d %q, want 303 /login", res.Status, res.Header.Get("Location"))
	}
	c, _ = passwordStep(t, base, "gate.supervisor@example.org", staffPassword)
	gated(t, true)

	// A role that needs no second factor is never gated; neither is a demo supervisor.
	staffUser(t, env, "gate.worker@example.org", "caseworker")
	c, _ = passwordStep(t, base, "gate.worker@example.org", staffPassword)
	if res := mfaGet(t, c, base+"/"); res.Header.Get("Location") == "/settings/mfa" {
		t.Errorf("a caseworker is gated")
	}
	c = env.Login(t, thSupervisor)
	if res := mfaGet(t, c, base+"/"); res.Header.Get("Location") == "/settings/mfa" {
		t.Errorf("a demo supervisor is gated")
	}
}

func TestMFASecondStepOfSignIn(t *testing.T) {
	env, clk, base := mfaEnv(t)
	const email = "second.step@example.org"
	uid, secret, recovery := enrolledStaff(t, env, clk, email)

	if res := mfaPost(t, apptest.Client(), base+"/login", base+"/login/mfa", url.Values{"code": {"123456"}}); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("second step without a pending sign-in: %d %q", res.Status, res.Header.Get("Location"))
	}
	c, res := passwordStep(t, base, email, staffPassword)
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/login/mfa" {
		t.Fatalf("password step: %d %q, want 303 /login/mfa", res.Status, res.Header.Get("Location"))
	}
	// The password alone signs nobody in.
	if res := mfaGet(t, c, base+"/"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("GET / between the steps: %d %q, want 303 /login", res.Status, res.Header.Get("Location"))
	}
	form := mfaGet(t, c, base+"/login/mfa")
	if form.Status != http.StatusOK || !strings.Contains(form.Body, `action="/login/mfa"`) {
		t.Fatalf("GET /login/mfa: %d %s", form.Status, excerpt(form.Body))
	}
	// The code that confirmed the setup is used; a wrong code is refused.
	for name, code := range map[string]string{"replayed": totpCode(t, secret, clk.now()), "wrong": "12-34-56"} {
		res := mfaPost(t, c, base+"/login/mfa", base+"/login/mfa", url.Values{"code": {code}})
		if res.Status != http.StatusUnauthorized || !strings.Contains(res.Body, message(t, res.Body, "mfa.code_wrong")) {
			t.Fatalf("%s code: %d %s", name, res.Status, excerpt(res.Body))
		}
	}
	res = mfaPost(t, c, base+"/login/mfa", base+"/login/mfa", url.Values{"code": {totpCode(t, secret, clk.next())}})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("right code: %d %q %s", res.Status, res.Header.Get("Location"), excerpt(res.Body))
	}
	if res := mfaGet(t, c, base+"/settings/mfa"); res.Status != http.StatusOK || !strings.Contains(res.Body, `data-testid="totp-on"`) {
		t.Fatalf("signed in: GET /settings/mfa = %d", res.Status)
	}
	// A recovery code signs in once.
	for i, want := range []int{http.StatusSeeOther, http.StatusUnauthorized} {
		c, _ := passwordStep(t, base, email, staffPassword)
		if res := mfaPost(t, c, base+"/login/mfa", base+"/login/mfa", url.Values{"code": {recovery[0]}}); res.Status != want {
			t.Fatalf("recovery code, use %d: status %d, want %d", i+1, res.Status, want)
		}
	}
	var audited int64
	if err := env.App.Hub.Raw(`SELECT count(*) FROM audit_log WHERE action = 'auth.mfa' AND actor_user_id = ?`, uid).Scan(&audited).Error; err != nil || audited != 2 {
		t.Errorf("auth.mfa rows = %d, %v; want 2", audited, err)
	}
}

func TestMFAWrongCodesAreThrottled(t *testing.T) {
	env, clk, base := mfaEnv(t)
	stopped := time.Now().UTC().Truncate(time.Microsecond)
	env.App.Directory.WithClock(func() time.Time { return stopped })
	const email = "throttle.step@example.org"
	_, secret, _ := enrolledStaff(t, env, clk, email)
	c, _ := passwordStep(t, base, email, staffPassword)
	for i := 1; i <= 5; i++ {
		if res := mfaPost(t, c, base+"/login/mfa", base+"/login/mfa", url.Values{"code": {"999999"}}); res.Status != http.StatusUnauthorized {
			t.Fatalf("wrong code %d: status %d", i, res.Status)
		}
	}
	res := mfaPost(t, c, base+"/login/mfa", base+"/login/mfa", url.Values{"code": {totpCode(t, secret, clk.next())}})
	if res.Status != http.StatusUnauthorized || !strings.Contains(res.Body, message(t, res.Body, "login.throttled")) {
		t.Fatalf("right code after 5 wrong ones: %d %s", res.Status, excerpt(res.Body))
	}
	// Signing in again with the password does not reset the account's throttle.
	if _, res := passwordStep(t, base, email, staffPassword); res.Status != http.StatusUnauthorized {
		t.Fatalf("password after 5 wrong codes: %d, want 401 (throttled)", res.Status)
	}
}

func TestMFAStepUp(t *testing.T) {
	env, clk, base := mfaEnv(t)
	ctx := context.Background()
	// A demo supervisor signs in with the password alone (CONTRACT.md), so the session has no fresh
	// second factor even once the user has one.
	sup := env.Actor(t, thSupervisor)
	setup, err := env.App.MFA.BeginTOTP(ctx, sup.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.MFA.ConfirmTOTP(ctx, sup.UserID, totpCode(t, setup.Secret, clk.now())); err != nil {
		t.Fatal(err)
	}
	other := staffUser(t, env, "stepup.other@example.org", "supervisor")
	otherKey := "0198a3b2-0000-7000-8000-0000000000aa"
	if err := env.App.Hub.Exec(`INSERT INTO webauthn_credentials (id, user_id, credential_id, credential, name, created_at) VALUES (?, ?, ?, '{}', 'theirs', now())`,
		otherKey, other, []byte("cred-of-other")).Error; err != nil {
		t.Fatal(err)
	}
	c := env.Login(t, thSupervisor)
	for _, to := range []string{"/settings/mfa/recovery", "/settings/mfa/passkeys/" + otherKey + "/delete", "/settings/mfa/totp"} {
		res := mfaPost(t, c, base+"/settings/mfa", base+to, url.Values{})
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/mfa/verify?next=/settings/mfa" {
			t.Errorf("POST %s without a fresh factor: %d %q, want 303 to step-up", to, res.Status, res.Header.Get("Location"))
		}
	}
	if res := mfaGet(t, c, base+"/mfa/verify?next=/settings/mfa"); res.Status != http.StatusOK || !strings.Contains(res.Body, `name="next" value="/settings/mfa"`) {
		t.Fatalf("GET /mfa/verify: %d %s", res.Status, excerpt(res.Body))
	}
	from := base + "/mfa/verify?next=/settings/mfa"
	if res := mfaPost(t, c, from, base+"/mfa/verify", url.Values{"code": {"000001"}, "next": {"/settings/mfa"}}); res.Status != http.StatusUnauthorized {
		t.Fatalf("wrong step-up code: %d", res.Status)
	}
	res := mfaPost(t, c, from, base+"/mfa/verify", url.Values{"code": {totpCode(t, setup.Secret, clk.next())}, "next": {"/settings/mfa"}})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/settings/mfa" {
		t.Fatalf("step-up: %d %q", res.Status, res.Header.Get("Location"))
	}
	// Fresh now: new recovery codes; another user's passkey is not found and stays.
	if res := mfaPost(t, c, base+"/settings/mfa", base+"/settings/mfa/recovery", url.Values{}); res.Status != http.StatusOK || strings.Count(res.Body, "<li><code>") != 10 {
		t.Fatalf("regenerate after step-up: %d %s", res.Status, excerpt(res.Body))
	}
	if res := mfaPost(t, c, base+"/settings/mfa", base+"/settings/mfa/passkeys/"+otherKey+"/delete", url.Values{}); res.Status != http.StatusNotFound {
		t.Fatalf("removing another user's passkey: %d, want 404", res.Status)
	}
	var left int64
	if err := env.App.Hub.Raw(`SELECT count(*) FROM webauthn_credentials WHERE id = ?`, otherKey).Scan(&left).Error; err != nil || left != 1 {
		t.Fatalf("the other user's passkey: %d, %v", left, err)
	}
	// The step-up's next stays on this site.
	res = mfaPost(t, c, from, base+"/mfa/verify", url.Values{"code": {totpCode(t, setup.Secret, clk.next())}, "next": {"//evil.example/x"}})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("step-up with a foreign next: %d %q, want 303 /", res.Status, res.Header.Get("Location"))
	}
}

// jsonPost posts a JSON body with the CSRF header taken from the page from, as webauthn.js does.
func jsonPost(t *testing.T, c *http.Client, from, to, body string) response {
	t.Helper()
	tok := apptest.CSRF(t, c, from)
	req, err := http.NewRequest(http.MethodPost, to, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", jsonTypeHeader)
	req.Header.Set("X-CSRF-Token", tok)
	return send(t, c, req)
}

func TestPasskeyCeremoniesRefuseBadInput(t *testing.T) {
	env, clk, base := mfaEnv(t)
	const email = "passkey.refusals@example.org"
	_, secret, _ := enrolledStaff(t, env, clk, email) // TOTP only, no passkey

	// The second step's passkey routes need a pending sign-in.
	anon := apptest.Client()
	if res := jsonPost(t, anon, base+"/login", base+"/login/mfa/passkey/begin", "{}"); res.Status != http.StatusSeeOther && res.Status != http.StatusUnauthorized {
		t.Fatalf("passkey begin without a pending sign-in: %d %s", res.Status, excerpt(res.Body))
	}
	c, _ := passwordStep(t, base, email, staffPassword)
	// A user without passkeys gets no assertion options; a forged answer is refused as a failed sign-in.
	if res := jsonPost(t, c, base+"/login/mfa", base+"/login/mfa/passkey/begin", "{}"); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("passkey begin without passkeys: %d %s", res.Status, excerpt(res.Body))
	}
	res := jsonPost(t, c, base+"/login/mfa", base+"/login/mfa/passkey/finish", `{"id":"x","rawId":"eA","type":"public-key","response":{}}`)
	if res.Status != http.StatusUnauthorized || decodeError(t, res.Body).Error.Code != "unauthenticated" {
		t.Fatalf("forged passkey answer: %d %s", res.Status, res.Body)
	}
	var failures int64
	if err := env.App.Hub.Raw(`SELECT coalesce(max(failures), 0) FROM login_failures WHERE key = ?`, "user:"+email).Scan(&failures).Error; err != nil || failures != 1 {
		t.Fatalf("failures after a forged passkey answer = %d, %v; want 1", failures, err)
	}
	// Signed in with the code; adding a passkey to an enrolled account needs a fresh factor, which
	// the sign-in just gave; a garbage registration answer is refused with 422.
	if res := mfaPost(t, c, base+"/login/mfa", base+"/login/mfa", url.Values{"code": {totpCode(t, secret, clk.next())}}); res.Status != http.StatusSeeOther {
		t.Fatalf("second step: %d %s", res.Status, excerpt(res.Body))
	}
	if res := jsonPost(t, c, base+"/settings/mfa", base+"/settings/mfa/passkeys/begin", "{}"); res.Status != http.StatusOK || !strings.Contains(res.Body, `"challenge"`) {
		t.Fatalf("registration options: %d %s", res.Status, excerpt(res.Body))
	}
	if res := jsonPost(t, c, base+"/settings/mfa", base+"/settings/mfa/passkeys/finish?name=x", `{"id":"x"}`); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("garbage registration: %d %s", res.Status, excerpt(res.Body))
	}
	// Without its begin step (the ceremony state is used once) a finish is refused too.
	if res := jsonPost(t, c, base+"/settings/mfa", base+"/settings/mfa/passkeys/finish", `{"id":"x"}`); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("finish without begin: %d %s", res.Status, excerpt(res.Body))
	}
	// A demo user holding a factor signs in without it, so the session is not fresh: no new passkey.
	demo := env.Actor(t, thEmbassy)
	setup, err := env.App.MFA.BeginTOTP(context.Background(), demo.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.MFA.ConfirmTOTP(context.Background(), demo.UserID, totpCode(t, setup.Secret, clk.now())); err != nil {
		t.Fatal(err)
	}
	dc := env.Login(t, thEmbassy)
	if res := jsonPost(t, dc, base+"/settings/mfa", base+"/settings/mfa/passkeys/begin", "{}"); res.Status != http.StatusForbidden {
		t.Fatalf("adding a passkey without a fresh factor: %d %s", res.Status, excerpt(res.Body))
	}
}
