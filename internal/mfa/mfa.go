// Package mfa holds the second factors of staff accounts: TOTP (RFC 6238) with single-use recovery
// codes, and passkeys (WebAuthn). Who must enrol one is config.MFARoles; demo users are exempt.
// The TOTP secret is sealed with the hub's "mfa" key, bound to the user and the column.
package mfa

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"homeward/internal/config"
	"homeward/internal/store"
	"homeward/internal/vault"
)

// Errors of the second step. A wrong code, a replayed code and a used recovery code are alike.
var (
	// ErrBadCode is a TOTP or recovery code that is wrong, replayed, too old or already used.
	ErrBadCode = errors.New("mfa: wrong or used code")
	// ErrPasskey is a passkey assertion or registration that does not verify.
	ErrPasskey = errors.New("mfa: the passkey was refused")
	// ErrEnrolled refuses setting up TOTP again while a confirmed secret exists.
	ErrEnrolled = errors.New("mfa: TOTP is already set up")
	// ErrNoSetup is a confirmation without a TOTP setup waiting.
	ErrNoSetup = errors.New("mfa: no TOTP setup to confirm")
)

// Service is the second factors of users, in the hub.
type Service struct {
	hub    *gorm.DB
	master *vault.MasterKey
	now    func() time.Time

	keyMu sync.Mutex
	key   *vault.HubKey

	rpMu sync.RWMutex
	rp   relyingParty
}

// New returns the service. publicURL is the address people reach the server at
// (config.Config.PublicURL): its host is the passkeys' relying party id, its origin the only
// origin accepted.
func New(hub *gorm.DB, master *vault.MasterKey, publicURL string) (*Service, error) {
	s := &Service{hub: hub, master: master, now: time.Now}
	if err := s.SetPublicURL(publicURL); err != nil {
		return nil, err
	}
	return s, nil
}

// WithClock sets the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// Gate is what a user's account asks of the sign-in and of the pages.
type Gate struct {
	// Demo users (email ending ".demo") sign in with the password alone, whatever their role.
	Demo bool
	// Required: the user holds a role of config.MFARoles in some membership.
	Required bool
	// Enrolled: the user has a confirmed TOTP secret or a passkey.
	Enrolled bool
}

// SecondStep reports whether signing in asks a second factor after the password.
func (g Gate) SecondStep() bool { return g.Enrolled && !g.Demo }

// StepUpRequired reports whether sensitive settings (API tokens, the password, factors) need a
// second factor proved within the last minutes: for every user of an MFA role but demo users.
func (g Gate) StepUpRequired() bool { return g.Required && !g.Demo }

// MustEnrol reports whether the user reaches nothing but MFA setup until a factor is enrolled.
func (g Gate) MustEnrol() bool { return g.Required && !g.Enrolled && !g.Demo }

const gateSQL = `
SELECT u.email LIKE '%.demo' AS demo,
       EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.role IN ?) AS required,
       (EXISTS (SELECT 1 FROM mfa_totp t WHERE t.user_id = u.id AND t.confirmed_at IS NOT NULL)
        OR EXISTS (SELECT 1 FROM webauthn_credentials w WHERE w.user_id = u.id)) AS enrolled
FROM users u WHERE u.id = ?`

// GateOf returns the user's gate (one query; the pages' middleware calls it on every request).
func (s *Service) GateOf(ctx context.Context, userID string) (Gate, error) {
	var g Gate
	if err := s.hub.WithContext(ctx).Raw(gateSQL, config.MFARoles, userID).Scan(&g).Error; err != nil {
		return Gate{}, fmt.Errorf("mfa: gate: %w", err)
	}
	return g, nil
}

// Passkey is a registered WebAuthn credential, as listed in the settings.
type Passkey struct {
	ID         string
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// Status is what the settings page shows of a user's factors.
type Status struct {
	Gate
	TOTP         bool // a confirmed TOTP secret
	TOTPPending  bool // a secret set up, waiting for its first code
	Passkeys     []Passkey
	RecoveryLeft int // unused recovery codes
}

// StatusOf returns the user's factors.
func (s *Service) StatusOf(ctx context.Context, userID string) (*Status, error) {
	g, err := s.GateOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	st := &Status{Gate: g}
	db := s.hub.WithContext(ctx)
	var totp []struct{ Confirmed bool }
	if err := db.Raw(`SELECT confirmed_at IS NOT NULL AS confirmed FROM mfa_totp WHERE user_id = ?`, userID).Scan(&totp).Error; err != nil {
		return nil, fmt.Errorf("mfa: status: %w", err)
	}
	for _, t := range totp {
		st.TOTP, st.TOTPPending = t.Confirmed, !t.Confirmed
	}
	if err := db.Raw(`SELECT id, name, created_at, last_used_at FROM webauthn_credentials WHERE user_id = ? ORDER BY created_at`, userID).
		Scan(&st.Passkeys).Error; err != nil {
		return nil, fmt.Errorf("mfa: status: %w", err)
	}
	var left int64
	if err := db.Raw(`SELECT count(*) FROM mfa_recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID).Scan(&left).Error; err != nil {
		return nil, fmt.Errorf("mfa: status: %w", err)
	}
	st.RecoveryLeft = int(left)
	return st, nil
}

// sealKey returns the hub's "mfa" key, creating its keyset on first use.
func (s *Service) sealKey(ctx context.Context) (*vault.HubKey, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	wrapped, err := store.WrappedKeyset(ctx, s.hub, "hub_keys", "purpose", "mfa", func() ([]byte, error) { return s.master.NewHubKeyset("mfa") })
	if err != nil {
		return nil, fmt.Errorf("mfa: hub key: %w", err)
	}
	k, err := s.master.OpenHubKeyset("mfa", wrapped)
	if err != nil {
		return nil, err
	}
	s.key = k
	return k, nil
}

// secretAD binds a sealed TOTP secret to its user and column.
func secretAD(userID string) string { return "mfa_totp.secret_enc|" + userID }

// normalizeCode drops spaces and dashes and lower-cases what a person typed.
func normalizeCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return r
	}, code)
}
