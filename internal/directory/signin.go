package directory

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/alexedwards/argon2id"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"homeward/internal/audit"
)

type passwordParams = argon2id.Params

// defaultPasswordParams follow OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane).
var defaultPasswordParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// Throttling: after accountLimit failures for one account (addressLimit for one address) within
// failureWindow, each further attempt must wait 2^(n-limit) seconds, up to maxWait.
const (
	accountLimit  = 5
	addressLimit  = 20
	failureWindow = 15 * time.Minute
	maxWait       = 15 * time.Minute
)

// dummyHash is compared against when the email is unknown, so timing does not tell.
var dummyHash, _ = argon2id.CreateHash("homeward-no-such-user", defaultPasswordParams)

// HashPassword returns an argon2id hash.
func HashPassword(password string) (string, error) {
	return argon2id.CreateHash(password, defaultPasswordParams)
}

// SignIn checks an email and password from addr. It returns ErrThrottled while the account or the
// address must wait, and ErrBadCredentials for any other failure, whatever its cause.
func (s *Service) SignIn(ctx context.Context, email, password, addr string) (*User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	keys := []string{"user:" + email, "addr:" + addr}
	if err := s.checkThrottle(ctx, keys); err != nil {
		return nil, err
	}
	var u User
	err := s.db.WithContext(ctx).Where("email = ? AND disabled_at IS NULL", email).Take(&u).Error
	hash := u.PasswordHash
	if err != nil {
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, err
		}
		hash = dummyHash
	}
	ok, cmpErr := argon2id.ComparePasswordAndHash(password, hash)
	if err != nil || cmpErr != nil || !ok {
		if ferr := s.recordFailure(ctx, keys, email, addr); ferr != nil {
			return nil, ferr
		}
		return nil, ErrBadCredentials
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// A user with a second factor has not signed in yet: the account's failures are cleared
		// after the second step (SecondStepPassed), so a known password cannot reset its throttle.
		if err := tx.Exec(`DELETE FROM login_failures WHERE key = ? AND NOT EXISTS (SELECT 1 FROM mfa_totp WHERE user_id = ? AND confirmed_at IS NOT NULL)
AND NOT EXISTS (SELECT 1 FROM webauthn_credentials WHERE user_id = ?)`, keys[0], u.ID, u.ID).Error; err != nil {
			return err
		}
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: u.ID, Action: audit.AuthSignIn, Entity: "user", EntityID: u.ID,
			Detail: map[string]string{"addr": addr}})
	})
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	return &u, nil
}

// SignOut records a sign-out.
func (s *Service) SignOut(ctx context.Context, userID, agencyID string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: userID, ActorAgencyID: agencyID, Action: audit.AuthSignOut, Entity: "user", EntityID: userID})
	})
}

type loginFailure struct {
	Key           string
	Failures      int
	LastFailureAt time.Time
}

func (loginFailure) TableName() string { return "login_failures" }

func (s *Service) checkThrottle(ctx context.Context, keys []string) error {
	var rows []loginFailure
	if err := s.db.WithContext(ctx).Where("key IN ?", keys).Find(&rows).Error; err != nil {
		return err
	}
	now := s.now()
	for _, r := range rows {
		limit := accountLimit
		if strings.HasPrefix(r.Key, "addr:") {
			limit = addressLimit
		}
		if wait := waitFor(r.Failures, limit); wait > 0 && now.Sub(r.LastFailureAt) < wait {
			return ErrThrottled
		}
	}
	return nil
}

func waitFor(failures, limit int) time.Duration {
	if failures < limit {
		return 0
	}
	w := time.Duration(math.Pow(2, float64(failures-limit))) * time.Second
	if w > maxWait || w <= 0 {
		return maxWait
	}
	return w
}

func (s *Service) recordFailure(ctx context.Context, keys []string, email, addr string) error {
	now := s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, k := range keys {
			row := loginFailure{Key: k, Failures: 1, LastFailureAt: now}
			err := tx.Clauses(clause.OnConflict{
				Columns: []clause.Column{{Name: "key"}},
				DoUpdates: clause.Assignments(map[string]any{
					"failures":        gorm.Expr("CASE WHEN login_failures.last_failure_at < ? THEN 1 ELSE login_failures.failures + 1 END", now.Add(-failureWindow)),
					"last_failure_at": now,
				}),
			}).Create(&row).Error
			if err != nil {
				return err
			}
		}
		return audit.Append(tx, now, audit.Entry{Action: audit.AuthSignInFailed, Entity: "user", EntityID: email,
			Detail: map[string]string{"addr": addr}})
	})
}
