package mfa

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
)

// RecoveryCodeCount is how many recovery codes a user gets at a time.
const RecoveryCodeCount = 10

// recoveryAlphabet is lower-case base32 without padding: a code is 12 characters, 60 bits of
// entropy, shown as xxxx-xxxx-xxxx. With that much entropy an unsalted fast hash is safe to store:
// a code_hash is SHA-256 of "user id|code", so no one can guess a code from its hash.
var recoveryEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func newRecoveryCode() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand never fails (Go 1.24+)
	c := recoveryEncoding.EncodeToString(b)[:12]
	return c[:4] + "-" + c[4:8] + "-" + c[8:]
}

func recoveryHash(userID, code string) []byte {
	h := sha256.Sum256([]byte(userID + "|" + normalizeCode(code)))
	return h[:]
}

// ensureRecoveryCodes makes ten codes when the user has no unused one; it returns them (nil when
// the user still had codes). It runs in tx.
func (s *Service) ensureRecoveryCodes(tx *gorm.DB, userID string) ([]string, error) {
	var left int64
	if err := tx.Raw(`SELECT count(*) FROM mfa_recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID).Scan(&left).Error; err != nil {
		return nil, err
	}
	if left > 0 {
		return nil, nil
	}
	return s.replaceRecoveryCodes(tx, userID)
}

// replaceRecoveryCodes deletes the user's codes and stores ten new ones, hashed; it returns them.
func (s *Service) replaceRecoveryCodes(tx *gorm.DB, userID string) ([]string, error) {
	if err := tx.Exec(`DELETE FROM mfa_recovery_codes WHERE user_id = ?`, userID).Error; err != nil {
		return nil, err
	}
	codes := make([]string, RecoveryCodeCount)
	now := s.now()
	for i := range codes {
		codes[i] = newRecoveryCode()
		if err := tx.Exec(`INSERT INTO mfa_recovery_codes (id, user_id, code_hash, created_at) VALUES (?, ?, ?, ?)`,
			uuid.Must(uuid.NewV7()).String(), userID, recoveryHash(userID, codes[i]), now).Error; err != nil {
			return nil, fmt.Errorf("mfa: store recovery code: %w", err)
		}
	}
	return codes, nil
}

// RegenerateRecoveryCodes replaces the user's recovery codes with ten new ones, returned to be
// shown once (the web asks a fresh second factor first). Audited.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, userID string) ([]string, error) {
	var codes []string
	err := s.hub.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if codes, err = s.replaceRecoveryCodes(tx, userID); err != nil {
			return err
		}
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: userID, Action: audit.MFARecoveryRegenerate, Entity: "user", EntityID: userID})
	})
	return codes, err
}

// useRecoveryCode marks an unused code of the user used; any other code is ErrBadCode. It runs in tx.
func (s *Service) useRecoveryCode(tx *gorm.DB, userID, code string) error {
	res := tx.Exec(`UPDATE mfa_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`,
		s.now(), userID, recoveryHash(userID, code))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrBadCode
	}
	return nil
}

// Verify checks a second factor typed by the user: a six-digit TOTP code, else a recovery code.
// purpose ("signin" or "step_up") goes into the audit row "auth.mfa", written with the use of the
// code. Anything that does not verify is ErrBadCode.
func (s *Service) Verify(ctx context.Context, userID, code, purpose string) error {
	code = normalizeCode(code)
	if code == "" {
		return ErrBadCode
	}
	return s.hub.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		method := "totp"
		var err error
		if len(code) == 6 && strings.Trim(code, "0123456789") == "" {
			err = s.verifyTOTP(ctx, tx, userID, code)
		} else {
			method = "recovery_code"
			err = s.useRecoveryCode(tx, userID, code)
		}
		if err != nil {
			return err
		}
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: userID, Action: audit.AuthMFA, Entity: "user", EntityID: userID,
			Detail: map[string]string{"method": method, "purpose": purpose}})
	})
}
