package mfa

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"homeward/internal/audit"
)

// TOTP parameters (RFC 6238): SHA-1, six digits, 30-second steps, one step of drift either way.
const (
	totpPeriod = 30
	totpSkew   = 1
	issuer     = "Homeward"
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPSetup is a secret waiting for its first code: the text for manual entry, the otpauth URL and
// its QR code as a PNG image.
type TOTPSetup struct {
	Secret string
	URL    string
	QRPNG  []byte
}

// BeginTOTP creates (or replaces) the user's unconfirmed TOTP secret and returns it to show.
// While a confirmed secret exists it returns ErrEnrolled.
func (s *Service) BeginTOTP(ctx context.Context, userID string) (*TOTPSetup, error) {
	email, err := s.email(ctx, userID)
	if err != nil {
		return nil, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: email, Period: totpPeriod,
		SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, fmt.Errorf("mfa: generate TOTP secret: %w", err)
	}
	k, err := s.sealKey(ctx)
	if err != nil {
		return nil, err
	}
	enc, err := k.Seal(secretAD(userID), []byte(key.Secret()))
	if err != nil {
		return nil, err
	}
	res := s.hub.WithContext(ctx).Exec(`
INSERT INTO mfa_totp (user_id, secret_enc, created_at, confirmed_at, last_step) VALUES (?, ?, ?, NULL, 0)
ON CONFLICT (user_id) DO UPDATE SET secret_enc = EXCLUDED.secret_enc, created_at = EXCLUDED.created_at, last_step = 0
WHERE mfa_totp.confirmed_at IS NULL`, userID, enc, s.now())
	if res.Error != nil {
		return nil, fmt.Errorf("mfa: store TOTP secret: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrEnrolled
	}
	return setupOf(key)
}

// PendingTOTP returns the user's unconfirmed TOTP setup, or nil when none waits.
func (s *Service) PendingTOTP(ctx context.Context, userID string) (*TOTPSetup, error) {
	var rows []totpRow
	if err := s.hub.WithContext(ctx).Raw(`SELECT secret_enc, last_step FROM mfa_totp WHERE user_id = ? AND confirmed_at IS NULL`, userID).
		Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("mfa: pending TOTP: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	secret, err := s.openSecret(ctx, userID, rows[0].SecretEnc)
	if err != nil {
		return nil, err
	}
	email, err := s.email(ctx, userID)
	if err != nil {
		return nil, err
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return nil, fmt.Errorf("mfa: TOTP secret: %w", err)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: email, Period: totpPeriod,
		Secret: raw, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, fmt.Errorf("mfa: TOTP key: %w", err)
	}
	return setupOf(key)
}

func setupOf(key *otp.Key) (*TOTPSetup, error) {
	img, err := key.Image(240, 240)
	if err != nil {
		return nil, fmt.Errorf("mfa: QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("mfa: QR code: %w", err)
	}
	return &TOTPSetup{Secret: key.Secret(), URL: key.URL(), QRPNG: buf.Bytes()}, nil
}

// ConfirmTOTP checks the first code of the user's TOTP setup and, when it verifies, confirms the
// secret (the code's step is used). When the user has no unused recovery codes, ten are made and
// returned, to be shown once. A wrong code gives ErrBadCode; no setup, ErrNoSetup.
func (s *Service) ConfirmTOTP(ctx context.Context, userID, code string) ([]string, error) {
	var codes []string
	err := s.hub.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row totpRow
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Table("mfa_totp").Select("secret_enc, last_step").
			Where("user_id = ? AND confirmed_at IS NULL", userID).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNoSetup
		}
		if err != nil {
			return err
		}
		secret, err := s.openSecret(ctx, userID, row.SecretEnc)
		if err != nil {
			return err
		}
		step, ok := matchStep(secret, normalizeCode(code), s.now(), row.LastStep)
		if !ok {
			return ErrBadCode
		}
		if err := tx.Exec(`UPDATE mfa_totp SET confirmed_at = ?, last_step = ? WHERE user_id = ?`, s.now(), step, userID).Error; err != nil {
			return err
		}
		if codes, err = s.ensureRecoveryCodes(tx, userID); err != nil {
			return err
		}
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: userID, Action: audit.MFATOTPEnrol, Entity: "user", EntityID: userID,
			Detail: map[string]any{"recovery_codes_made": len(codes)}})
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

type totpRow struct {
	SecretEnc []byte
	LastStep  int64
}

// verifyTOTP accepts a code of the current step or one step either side whose step is later than
// the last accepted one, and records its step; anything else is ErrBadCode. It runs in tx.
func (s *Service) verifyTOTP(ctx context.Context, tx *gorm.DB, userID, code string) error {
	var row totpRow
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Table("mfa_totp").Select("secret_enc, last_step").
		Where("user_id = ? AND confirmed_at IS NOT NULL", userID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrBadCode
	}
	if err != nil {
		return err
	}
	secret, err := s.openSecret(ctx, userID, row.SecretEnc)
	if err != nil {
		return err
	}
	step, ok := matchStep(secret, code, s.now(), row.LastStep)
	if !ok {
		return ErrBadCode
	}
	res := tx.Exec(`UPDATE mfa_totp SET last_step = ? WHERE user_id = ? AND last_step < ?`, step, userID, step)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrBadCode
	}
	return nil
}

// matchStep finds the step (now's, or one either side) whose code is code and which is later than
// lastStep. Each candidate is compared in constant time.
func matchStep(secret, code string, now time.Time, lastStep int64) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for step := cur - totpSkew; step <= cur+totpSkew; step++ {
		if step <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

func (s *Service) openSecret(ctx context.Context, userID string, enc []byte) (string, error) {
	k, err := s.sealKey(ctx)
	if err != nil {
		return "", err
	}
	pt, err := k.Open(secretAD(userID), enc)
	if err != nil {
		return "", err
	}
	return string(pt), nil
}

func (s *Service) email(ctx context.Context, userID string) (string, error) {
	var email string
	if err := s.hub.WithContext(ctx).Raw(`SELECT email FROM users WHERE id = ?`, userID).Scan(&email).Error; err != nil {
		return "", fmt.Errorf("mfa: user: %w", err)
	}
	if email == "" {
		return "", fmt.Errorf("mfa: no user %s", userID)
	}
	return email, nil
}
