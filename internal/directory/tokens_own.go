package directory

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"
)

// MaxTokenLabel is the longest token label, in characters.
const MaxTokenLabel = 100

// Token statuses, as TokenStatus gives them.
const (
	TokenActive  = "active"
	TokenExpired = "expired"
	TokenRevoked = "revoked"
)

// Status is the token's status at now.
func (t APIToken) Status(now time.Time) string {
	switch {
	case t.RevokedAt != nil:
		return TokenRevoked
	case !t.ExpiresAt.After(now):
		return TokenExpired
	}
	return TokenActive
}

// TokenLifetime turns a number of days (0 for the default) into a token lifetime: at least one day,
// at most MaxTokenLifetime. Anything else is ErrInvalid.
func TokenLifetime(days int) (time.Duration, error) {
	switch {
	case days == 0:
		return DefaultTokenLifetime, nil
	case days < 1 || time.Duration(days)*24*time.Hour > MaxTokenLifetime:
		return 0, ErrInvalid
	}
	return time.Duration(days) * 24 * time.Hour, nil
}

// CreateOwnToken makes a new API token for the actor in their active agency, labelled and valid
// for days (0: DefaultTokenLifetime, at most MaxTokenLifetime), audited as "token.create". It
// returns the token once. A missing or long label, or days out of range, is *problem.Invalid.
func (s *Service) CreateOwnToken(ctx context.Context, a *authz.Actor, label string, days int) (string, *APIToken, error) {
	label = strings.TrimSpace(label)
	inv := &problem.Invalid{}
	switch n := utf8.RuneCountInString(label); {
	case n == 0:
		inv.Add("label", "form.error.required")
	case n > MaxTokenLabel:
		inv.Add("label", "form.error.too_long")
	}
	life, err := TokenLifetime(days)
	if err != nil {
		inv.Add("days", "token.days_range")
	}
	if err := inv.Err(); err != nil {
		return "", nil, err
	}
	return s.newToken(ctx, a.UserID, a.AgencyID, label, life)
}

// Tokens lists the user's API tokens, live or not, the newest first (at most 200).
func (s *Service) Tokens(ctx context.Context, userID string) ([]APIToken, error) {
	var out []APIToken
	err := s.db.WithContext(ctx).Omit("token_hash").Where("user_id = ?", userID).Order("created_at DESC, id DESC").Limit(200).Find(&out).Error
	return out, err
}

// RevokeOwnToken revokes one of the actor's own live tokens, audited as "token.revoke". Another
// user's token, a revoked or unknown one is ErrNotFound.
func (s *Service) RevokeOwnToken(ctx context.Context, a *authz.Actor, id string) error {
	if !validUUID(id) {
		return ErrNotFound
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&APIToken{}).Where("id = ? AND user_id = ? AND revoked_at IS NULL", id, a.UserID).Update("revoked_at", s.now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: a.UserID, ActorAgencyID: a.AgencyID,
			Action: audit.TokenRevoke, Entity: "api_token", EntityID: id})
	})
}
