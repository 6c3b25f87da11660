package mfa_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"homeward/internal/apptest"
	"homeward/internal/mfa"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// clock is an injected clock the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// t0 is the start of a 30-second step.
var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// codeAt computes the TOTP code of secret at t, as an authenticator app would.
func codeAt(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newStaff creates a non-demo user with role in the TH welfare agency and returns its id.
func newStaff(t testing.TB, env *apptest.Env, email, role string) string {
	t.Helper()
	ctx := context.Background()
	ag, err := env.App.Directory.AgencyBySlug(ctx, "th-msdhs-sakaeo")
	if err != nil {
		t.Fatal(err)
	}
	u, err := env.App.Directory.CreateUser(ctx, "", email, "Staff "+role, "a long enough password 1", ag.ID, role)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// enrolTOTP sets up and confirms TOTP at the clock's time and returns the secret and recovery codes.
func enrolTOTP(t testing.TB, svc *mfa.Service, clk *clock, userID string) (string, []string) {
	t.Helper()
	ctx := context.Background()
	setup, err := svc.BeginTOTP(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := svc.ConfirmTOTP(ctx, userID, codeAt(t, setup.Secret, clk.now()))
	if err != nil {
		t.Fatalf("confirm TOTP: %v", err)
	}
	return setup.Secret, codes
}

func TestTOTPSetupWindowReplayAndTwoStepsOld(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	clk := &clock{t: t0}
	svc := env.App.MFA.WithClock(clk.now)
	uid := newStaff(t, env, "totp.supervisor@example.org", "supervisor")

	g, err := svc.GateOf(ctx, uid)
	if err != nil || !g.MustEnrol() || g.SecondStep() {
		t.Fatalf("before enrolment gate = %+v, %v; want must enrol, no second step", g, err)
	}
	setup, err := svc.BeginTOTP(ctx, uid)
	if err != nil {
		t.Fatal(err)
	}
	if len(setup.Secret) != 32 || !strings.Contains(setup.URL, "otpauth://totp/") || !bytes.HasPrefix(setup.QRPNG, []byte("\x89PNG")) {
		t.Fatalf("setup = secret %q url %q png %d bytes", setup.Secret, setup.URL, len(setup.QRPNG))
	}
	if pending, err := svc.PendingTOTP(ctx, uid); err != nil || pending.Secret != setup.Secret {
		t.Fatalf("pending setup = %+v, %v", pending, err)
	}
	// A wrong first code leaves the setup waiting.
	if _, err := svc.ConfirmTOTP(ctx, uid, "000000"); !errors.Is(err, mfa.ErrBadCode) && codeAt(t, setup.Secret, t0) != "000000" {
		t.Fatalf("wrong first code = %v, want ErrBadCode", err)
	}
	codes, err := svc.ConfirmTOTP(ctx, uid, codeAt(t, setup.Secret, t0))
	if err != nil || len(codes) != mfa.RecoveryCodeCount {
		t.Fatalf("confirm = %d codes, %v", len(codes), err)
	}
	if _, err := svc.BeginTOTP(ctx, uid); !errors.Is(err, mfa.ErrEnrolled) {
		t.Fatalf("second setup = %v, want ErrEnrolled", err)
	}
	if g, _ := svc.GateOf(ctx, uid); g.MustEnrol() || !g.SecondStep() {
		t.Fatalf("after enrolment gate = %+v", g)
	}

	verify := func(code string) error { return svc.Verify(ctx, uid, code, "signin") }
	// The confirming code is used: replaying it is refused.
	if err := verify(codeAt(t, setup.Secret, t0)); !errors.Is(err, mfa.ErrBadCode) {
		t.Fatalf("replayed confirming code = %v, want ErrBadCode", err)
	}
	// Five steps later: a code two steps old is refused, one step old is accepted once, the current
	// one is accepted, and then the one-step-old code (before the last accepted step) is refused.
	now := t0.Add(5 * 30 * time.Second)
	clk.set(now.Add(7 * time.Second))
	if err := verify(codeAt(t, setup.Secret, now.Add(-60*time.Second))); !errors.Is(err, mfa.ErrBadCode) {
		t.Fatalf("code two steps old = %v, want ErrBadCode", err)
	}
	if err := verify(codeAt(t, setup.Secret, now.Add(-30*time.Second))); err != nil {
		t.Fatalf("code one step old = %v, want accepted", err)
	}
	if err := verify(codeAt(t, setup.Secret, now.Add(-30*time.Second))); !errors.Is(err, mfa.ErrBadCode) {
		t.Fatalf("replayed code = %v, want ErrBadCode", err)
	}
	if err := verify(codeAt(t, setup.Secret, now)); err != nil {
		t.Fatalf("current code = %v", err)
	}
	if err := verify(codeAt(t, setup.Secret, now)); !errors.Is(err, mfa.ErrBadCode) {
		t.Fatalf("current code replayed = %v, want ErrBadCode", err)
	}
	// One step ahead (clock drift) is accepted; two ahead is not.
	if err := verify(codeAt(t, setup.Secret, now.Add(60*time.Second))); !errors.Is(err, mfa.ErrBadCode) {
		t.Fatalf("code two steps ahead = %v, want ErrBadCode", err)
	}
	if err := verify(codeAt(t, setup.Secret, now.Add(30*time.Second))); err != nil {
		t.Fatalf("code one step ahead = %v", err)
	}
	for _, bad := range []string{"", "12345", "abcdef", "1234567"} {
		if err := verify(bad); !errors.Is(err, mfa.ErrBadCode) {
			t.Errorf("Verify(%q) = %v, want ErrBadCode", bad, err)
		}
	}
	var audited int64
	if err := env.App.Hub.Raw(`SELECT count(*) FROM audit_log WHERE action = 'auth.mfa' AND actor_user_id = ?`, uid).Scan(&audited).Error; err != nil || audited != 3 {
		t.Errorf("auth.mfa audit rows = %d, %v; want 3 (one per accepted code)", audited, err)
	}
}

func TestRecoveryCodesAreSingleUse(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	clk := &clock{t: t0}
	svc := env.App.MFA.WithClock(clk.now)
	uid := newStaff(t, env, "recovery.auditor@example.org", "auditor")
	other := newStaff(t, env, "recovery.other@example.org", "auditor")
	_, codes := enrolTOTP(t, svc, clk, uid)
	_, otherCodes := enrolTOTP(t, svc, clk, other)

	var stored [][]byte
	if err := env.App.Hub.Raw(`SELECT code_hash FROM mfa_recovery_codes WHERE user_id = ?`, uid).Scan(&stored).Error; err != nil || len(stored) != 10 {
		t.Fatalf("stored codes = %d, %v", len(stored), err)
	}
	for _, h := range stored {
		if len(h) != 32 || bytes.Contains(h, []byte(codes[0])) {
			t.Fatalf("a recovery code is not stored as a SHA-256 hash: %x", h)
		}
	}
	if err := svc.Verify(ctx, uid, codes[0], "signin"); err != nil {
		t.Fatalf("first use = %v", err)
	}
	if err := svc.Verify(ctx, uid, codes[0], "signin"); !errors.Is(err, mfa.ErrBadCode) {
		t.Fatalf("second use of a recovery code = %v, want ErrBadCode", err)
	}
	// Typed in upper case without dashes, a code still works; another user's code does not.
	if err := svc.Verify(ctx, uid, strings.ToUpper(strings.ReplaceAll(codes[1], "-", " ")), "signin"); err != nil {
		t.Fatalf("code typed differently = %v", err)
	}
	if err := svc.Verify(ctx, uid, otherCodes[0], "signin"); !errors.Is(err, mfa.ErrBadCode) {
		t.Fatalf("another user's code = %v, want ErrBadCode", err)
	}
	if st, err := svc.StatusOf(ctx, uid); err != nil || st.RecoveryLeft != 8 {
		t.Fatalf("codes left = %+v, %v; want 8", st, err)
	}
	fresh, err := svc.RegenerateRecoveryCodes(ctx, uid)
	if err != nil || len(fresh) != 10 {
		t.Fatalf("regenerate = %d, %v", len(fresh), err)
	}
	if err := svc.Verify(ctx, uid, codes[2], "signin"); !errors.Is(err, mfa.ErrBadCode) {
		t.Fatalf("an old code after regenerating = %v, want ErrBadCode", err)
	}
	if err := svc.Verify(ctx, uid, fresh[9], "step_up"); err != nil {
		t.Fatalf("a new code = %v", err)
	}
}

func TestTOTPSecretIsSealedToItsUser(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	clk := &clock{t: t0}
	svc := env.App.MFA.WithClock(clk.now)
	a := newStaff(t, env, "sealed.a@example.org", "country_admin")
	b := newStaff(t, env, "sealed.b@example.org", "country_admin")
	secretA, _ := enrolTOTP(t, svc, clk, a)
	enrolTOTP(t, svc, clk, b)

	var enc []byte
	if err := env.App.Hub.Raw(`SELECT secret_enc FROM mfa_totp WHERE user_id = ?`, a).Row().Scan(&enc); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(enc, []byte(secretA)) || len(enc) < len(secretA)+16 {
		t.Fatalf("secret_enc holds the secret in clear or is too short: %q", enc)
	}
	var keys int64
	if err := env.App.Hub.Raw(`SELECT count(*) FROM hub_keys WHERE purpose = 'mfa'`).Scan(&keys).Error; err != nil || keys != 1 {
		t.Fatalf("hub mfa keys = %d, %v", keys, err)
	}
	// A's sealed secret copied into B's row does not open: the associated data names the user.
	if err := env.App.Hub.Exec(`UPDATE mfa_totp SET secret_enc = ? WHERE user_id = ?`, enc, b).Error; err != nil {
		t.Fatal(err)
	}
	clk.set(t0.Add(90 * time.Second))
	err := svc.Verify(ctx, b, codeAt(t, secretA, clk.now()), "signin")
	if err == nil || errors.Is(err, mfa.ErrBadCode) {
		t.Fatalf("B verifying with A's moved secret = %v, want a decryption failure", err)
	}
	// A itself still verifies.
	if err := svc.Verify(ctx, a, codeAt(t, secretA, clk.now()), "signin"); err != nil {
		t.Fatalf("A = %v", err)
	}
}

func TestGateDemoAndReset(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	clk := &clock{t: t0}
	svc := env.App.MFA.WithClock(clk.now)
	demo := env.Actor(t, "supervisor@th-msdhs-sakaeo.demo")
	if g, err := svc.GateOf(ctx, demo.UserID); err != nil || !g.Demo || !g.Required || g.MustEnrol() {
		t.Fatalf("demo supervisor gate = %+v, %v; want demo, required, exempt", g, err)
	}
	worker := newStaff(t, env, "gate.worker@example.org", "caseworker")
	if g, _ := svc.GateOf(ctx, worker); g.Required || g.MustEnrol() {
		t.Fatalf("caseworker gate = %+v; want not required", g)
	}
	officer := newStaff(t, env, "gate.officer@example.org", "embassy_officer")
	enrolTOTP(t, svc, clk, officer)
	if g, _ := svc.GateOf(ctx, officer); g.MustEnrol() || !g.SecondStep() {
		t.Fatalf("enrolled gate = %+v", g)
	}
	if err := env.App.Directory.ResetFactors(ctx, "", "", officer); err != nil {
		t.Fatal(err)
	}
	if g, _ := svc.GateOf(ctx, officer); !g.MustEnrol() || g.SecondStep() {
		t.Fatalf("after reset gate = %+v; want must enrol again", g)
	}
}

// BenchmarkTOTPVerify measures verifying a TOTP code and recording its step (the replay guard):
// one transaction with the row lock, the decryption of the secret, the update and the audit row.
func BenchmarkTOTPVerify(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	clk := &clock{t: t0}
	svc := env.App.MFA.WithClock(clk.now)
	uid := newStaff(b, env, "bench.supervisor@example.org", "supervisor")
	secret, _ := enrolTOTP(b, svc, clk, uid)
	step := 0
	one := func() error {
		step++
		at := t0.Add(time.Duration(step) * 30 * time.Second)
		clk.set(at)
		return svc.Verify(ctx, uid, codeAt(b, secret, at), "signin")
	}
	b.ResetTimer()
	for b.Loop() {
		if err := one(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(apptest.P95(b, 200, one).Microseconds())/1000, "p95-ms")
}

// TestStepUpRequired: sensitive settings ask a fresh second factor of a user of an MFA role, never
// of a caseworker nor of a demo user.
func TestStepUpRequired(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	sup, err := env.App.Directory.InviteFromCommandLine(ctx, "vichai.k@msdhs.example", "Vichai K", "th-msdhs-sakaeo", "supervisor")
	if err != nil {
		t.Fatal(err)
	}
	worker, err := env.App.Directory.InviteFromCommandLine(ctx, "dara.s@msdhs.example", "Dara S", "th-msdhs-sakaeo", "caseworker")
	if err != nil {
		t.Fatal(err)
	}
	demo := env.Actor(t, "supervisor@th-msdhs-sakaeo.demo")
	for id, want := range map[string]bool{sup.User.ID: true, worker.User.ID: false, demo.UserID: false} {
		g, err := env.App.MFA.GateOf(ctx, id)
		if err != nil || g.StepUpRequired() != want {
			t.Errorf("GateOf(%s).StepUpRequired() = %v, %v; want %v", id, g.StepUpRequired(), err, want)
		}
	}
}
