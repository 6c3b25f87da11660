package browsertest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"homeward/internal/apptest"
)

// The MFA steps below are helpers, so that the end-to-end test of issue 10 (empty directory →
// invite → enrol → sign in → a supervisor with a passkey) can reuse them.

const staffPassword = "a long enough staff password"

// totpClock is the injected clock of the MFA service: each sign-in uses a later 30-second step, so
// no code is a replay of the previous one.
type totpClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *totpClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *totpClock) next() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(30 * time.Second)
	return c.t
}

// mfaBrowserEnv starts a Homeward whose MFA service runs on clk and whose public URL is
// http://localhost:PORT (WebAuthn needs a domain, not an IP address); it returns that base URL.
func mfaBrowserEnv(t *testing.T) (*apptest.Env, *totpClock, string) {
	t.Helper()
	env := apptest.New(t)
	clk := &totpClock{t: time.Now().UTC().Truncate(30 * time.Second)}
	env.App.MFA.WithClock(clk.now)
	base := strings.Replace(env.URL(), "127.0.0.1", "localhost", 1)
	if err := env.App.MFA.SetPublicURL(base); err != nil {
		t.Fatal(err)
	}
	return env, clk, base
}

// newStaff creates a non-demo user of role in agency slug with staffPassword, directly through the
// directory service (the enrolment page is another branch's work).
func newStaff(t *testing.T, env *apptest.Env, email, slug, role string) string {
	t.Helper()
	ctx := context.Background()
	ag, err := env.App.Directory.AgencyBySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	u, err := env.App.Directory.CreateUser(ctx, "", email, "Staff "+role, staffPassword, ag.ID, role)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	return run(t, ctx, "location", chromedp.Location())
}

// passwordStep fills and posts the sign-in form; it returns where the browser lands.
func passwordStep(t *testing.T, ctx context.Context, base, email, password string) string {
	t.Helper()
	do(t, ctx, "open the sign-in page", chromedp.Navigate(base+"/login"))
	waitFor(t, ctx, "wait for the sign-in form", "#email")
	do(t, ctx, "type the email and password as "+email,
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password))
	clickAndLoad(t, ctx, `form[action="/login"] button[type=submit]`)
	return location(t, ctx)
}

// enrolTOTP sets up TOTP on /settings/mfa as an authenticator app would: it reads the secret from
// the page, enters the code of the clock's step and returns the secret and the recovery codes shown.
func enrolTOTP(t *testing.T, ctx context.Context, base string, clk *totpClock) (string, []string) {
	t.Helper()
	if loc := location(t, ctx); loc != base+"/settings/mfa" {
		do(t, ctx, "open the MFA settings", chromedp.Navigate(base+"/settings/mfa"))
	}
	waitFor(t, ctx, "wait for the TOTP set-up button", "[data-testid=totp-begin]")
	clickAndLoad(t, ctx, "[data-testid=totp-begin]")
	waitFor(t, ctx, "wait for the QR code", "img.mfa-qr")
	if ok := run(t, ctx, "is the QR code an image", chromedp.Evaluate[bool](`(() => { const i = document.querySelector('img.mfa-qr'); return i.complete && i.naturalWidth > 0 && i.src.startsWith('data:image/png'); })()`)); !ok {
		failPage(t, ctx, "the QR code is not a rendered PNG")
	}
	secret := strings.ReplaceAll(textOf(t, ctx, "[data-testid=totp-secret]"), " ", "")
	do(t, ctx, "type the first code", chromedp.SendKeys(chromedp.ID("code"), codeAt(t, secret, clk.now())))
	clickAndLoad(t, ctx, `form[action="/settings/mfa/totp/confirm"] button[type=submit]`)
	waitFor(t, ctx, "wait for the recovery codes", "[data-testid=recovery-codes]")
	codes := run(t, ctx, "read the recovery codes", chromedp.Evaluate[[]string](`[...document.querySelectorAll('.mfa-codes code')].map(c => c.textContent)`))
	if len(codes) != 10 {
		failPage(t, ctx, "%d recovery codes shown, want 10", len(codes))
	}
	return secret, codes
}

// signInWithTOTP signs in with the password and then the code of the clock's next step.
func signInWithTOTP(t *testing.T, ctx context.Context, base, email, password, secret string, clk *totpClock) {
	t.Helper()
	if loc := passwordStep(t, ctx, base, email, password); loc != base+"/login/mfa" {
		failPage(t, ctx, "after the password the browser is at %s, want the second step", loc)
	}
	do(t, ctx, "type the code", chromedp.SendKeys(chromedp.ID("code"), codeAt(t, secret, clk.next())))
	clickAndLoad(t, ctx, `form[action="/login/mfa"] button[type=submit]`)
	if loc := location(t, ctx); loc != base+"/" {
		failPage(t, ctx, "after the code the browser is at %s, want %s/", loc, base)
	}
}

// addVirtualAuthenticator gives the browser a CTAP2 platform authenticator with resident keys and
// user verification, as a phone's or laptop's built-in one (CDP WebAuthn domain).
func addVirtualAuthenticator(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, "add a virtual authenticator", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
			Options: &webauthn.VirtualAuthenticatorOptions{
				Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
				HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
			}})
		return err
	}))
}

// registerPasskey adds a passkey named name on /settings/mfa with the browser's authenticator.
func registerPasskey(t *testing.T, ctx context.Context, base, name string) {
	t.Helper()
	if loc := location(t, ctx); loc != base+"/settings/mfa" {
		do(t, ctx, "open the MFA settings", chromedp.Navigate(base+"/settings/mfa"))
	}
	waitFor(t, ctx, "wait for the passkey button", "[data-testid=passkey-add]")
	do(t, ctx, "name the passkey", chromedp.SetValue(chromedp.ID("passkey-name"), name))
	clickAndLoad(t, ctx, "[data-testid=passkey-add]")
	waitFor(t, ctx, "wait for the passkey list", "[data-testid=passkeys]")
	if got := textOf(t, ctx, "[data-testid=passkeys]"); !strings.Contains(got, name) {
		failPage(t, ctx, "the passkey list %q lacks %q", got, name)
	}
}

// signInWithPasskey signs in with the password and then the browser's passkey.
func signInWithPasskey(t *testing.T, ctx context.Context, base, email, password string) {
	t.Helper()
	if loc := passwordStep(t, ctx, base, email, password); loc != base+"/login/mfa" {
		failPage(t, ctx, "after the password the browser is at %s, want the second step", loc)
	}
	waitFor(t, ctx, "wait for the passkey button", "[data-testid=passkey-use]")
	clickAndLoad(t, ctx, "[data-testid=passkey-use]")
	if loc := location(t, ctx); loc != base+"/" {
		failPage(t, ctx, "after the passkey the browser is at %s, want %s/", loc, base)
	}
}

func TestTOTPEnrolAndSignInInBrowser(t *testing.T) {
	env, clk, base := mfaBrowserEnv(t)
	const email = "totp.supervisor@example.org"
	newStaff(t, env, email, "th-msdhs-sakaeo", "supervisor")
	ctx := browser(t, 90*time.Second)

	// A supervisor without a factor is sent to MFA setup, whatever they open.
	if loc := passwordStep(t, ctx, base, email, staffPassword); loc != base+"/settings/mfa" {
		failPage(t, ctx, "after signing in without a factor the browser is at %s, want MFA setup", loc)
	}
	waitFor(t, ctx, "the page says MFA is required", "[data-testid=mfa-required]")
	do(t, ctx, "open the case list", chromedp.Navigate(base+"/cases"))
	if loc := location(t, ctx); loc != base+"/settings/mfa" {
		failPage(t, ctx, "the case list was reachable before enrolment (at %s)", loc)
	}
	secret, codes := enrolTOTP(t, ctx, base, clk)
	do(t, ctx, "open the case list", chromedp.Navigate(base+"/cases"))
	waitFor(t, ctx, "the case list opens once enrolled", "table.cases")
	signOut(t, ctx)

	signInWithTOTP(t, ctx, base, email, staffPassword, secret, clk)
	do(t, ctx, "open the case list", chromedp.Navigate(base+"/cases"))
	waitFor(t, ctx, "the case list after signing in with TOTP", "table.cases")
	signOut(t, ctx)

	// A recovery code instead of the app, once.
	if loc := passwordStep(t, ctx, base, email, staffPassword); loc != base+"/login/mfa" {
		failPage(t, ctx, "after the password the browser is at %s", loc)
	}
	do(t, ctx, "type a recovery code", chromedp.SendKeys(chromedp.ID("code"), codes[3]))
	clickAndLoad(t, ctx, `form[action="/login/mfa"] button[type=submit]`)
	if loc := location(t, ctx); loc != base+"/" {
		failPage(t, ctx, "after a recovery code the browser is at %s", loc)
	}
	do(t, ctx, "open the MFA settings", chromedp.Navigate(base+"/settings/mfa"))
	if left := textOf(t, ctx, "[data-testid=recovery-left]"); !strings.Contains(left, "9") {
		t.Errorf("recovery codes left = %q, want 9", left)
	}
	screenshot(t, ctx, "mfa-settings-totp.png")
}

func TestPasskeyRegisterAndSignInInBrowser(t *testing.T) {
	env, _, base := mfaBrowserEnv(t)
	const email = "passkey.officer@example.org"
	uid := newStaff(t, env, email, "th-embassy-pnh", "embassy_officer")
	ctx := browser(t, 90*time.Second)
	addVirtualAuthenticator(t, ctx)

	if loc := passwordStep(t, ctx, base, email, staffPassword); loc != base+"/settings/mfa" {
		failPage(t, ctx, "after signing in without a factor the browser is at %s, want MFA setup", loc)
	}
	registerPasskey(t, ctx, base, "Office laptop")
	do(t, ctx, "open the inbox", chromedp.Navigate(base+"/inbox"))
	if loc := location(t, ctx); loc != base+"/inbox" {
		failPage(t, ctx, "the inbox is not reachable after registering a passkey (at %s)", loc)
	}
	signOut(t, ctx)

	signInWithPasskey(t, ctx, base, email, staffPassword)
	var signCount int64
	var used bool
	if err := env.App.Hub.Raw(`SELECT (credential->'authenticator'->>'signCount')::bigint, last_used_at IS NOT NULL FROM webauthn_credentials WHERE user_id = ?`, uid).
		Row().Scan(&signCount, &used); err != nil {
		t.Fatal(err)
	}
	if signCount < 1 || !used {
		t.Errorf("after the passkey sign-in: stored sign count %d, last used %v", signCount, used)
	}
	var audited int64
	if err := env.App.Hub.Raw(`SELECT count(*) FROM audit_log WHERE action = 'auth.mfa' AND actor_user_id = ? AND detail::jsonb->>'method' = 'passkey'`, uid).
		Scan(&audited).Error; err != nil || audited != 1 {
		t.Errorf("auth.mfa passkey rows = %d, %v; want 1", audited, err)
	}
	screenshot(t, ctx, "mfa-passkey-signed-in.png")
	signOut(t, ctx)

	// A signature counter that does not grow (a cloned authenticator) is refused: the stored count
	// is set past the authenticator's.
	if err := env.App.Hub.Exec(`UPDATE webauthn_credentials SET credential = jsonb_set(credential, '{authenticator,signCount}', '1000000') WHERE user_id = ?`, uid).Error; err != nil {
		t.Fatal(err)
	}
	if loc := passwordStep(t, ctx, base, email, staffPassword); loc != base+"/login/mfa" {
		failPage(t, ctx, "after the password the browser is at %s", loc)
	}
	do(t, ctx, "use the passkey", chromedp.Click(chromedp.CSS("[data-testid=passkey-use]")))
	waitFor(t, ctx, "the refusal shows", "#passkey-status")
	if loc := location(t, ctx); loc != base+"/login/mfa" {
		failPage(t, ctx, "a passkey with a stale counter signed in (at %s)", loc)
	}
	do(t, ctx, "open the inbox", chromedp.Navigate(base+"/inbox"))
	if loc := location(t, ctx); loc != base+"/login?next=%2Finbox" { // sign-in, then back to the inbox
		failPage(t, ctx, "after a refused passkey the inbox is at %s, want the sign-in page", loc)
	}
}

// TestPasskeyStepUpInBrowser: a demo user signs in with the password alone (CONTRACT.md), so the
// session has no fresh second factor; changing factors sends them to the step-up page, where the
// passkey registered in an earlier session proves it is them.
func TestPasskeyStepUpInBrowser(t *testing.T) {
	_, _, base := mfaBrowserEnv(t)
	const email, password = "embassy_officer@th-embassy-pnh.demo", "homeward-demo"
	ctx := browser(t, 90*time.Second)
	addVirtualAuthenticator(t, ctx)
	passwordStep(t, ctx, base, email, password)
	registerPasskey(t, ctx, base, "Embassy phone")
	signOut(t, ctx)

	if loc := passwordStep(t, ctx, base, email, password); loc != base+"/" {
		failPage(t, ctx, "a demo user was asked a second factor (at %s)", loc)
	}
	do(t, ctx, "open the MFA settings", chromedp.Navigate(base+"/settings/mfa"))
	waitFor(t, ctx, "wait for the step-up link", `a[href="/mfa/verify?next=/settings/mfa"]`)
	clickAndLoad(t, ctx, `a[href="/mfa/verify?next=/settings/mfa"]`)
	waitFor(t, ctx, "wait for the passkey button", "[data-testid=passkey-use]")
	clickAndLoad(t, ctx, "[data-testid=passkey-use]")
	if loc := location(t, ctx); loc != base+"/settings/mfa" {
		failPage(t, ctx, "after the step-up the browser is at %s, want the MFA settings", loc)
	}
	waitFor(t, ctx, "the fresh session may make new recovery codes", `form[action="/settings/mfa/recovery"]`)
	clickAndLoad(t, ctx, `form[action="/settings/mfa/recovery"] button[type=submit]`)
	waitFor(t, ctx, "wait for the new recovery codes", "[data-testid=recovery-codes]")
}
