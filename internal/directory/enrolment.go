package directory

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
)

// EnrolmentLifetime is how long an enrolment link stays good.
const EnrolmentLifetime = 72 * time.Hour

// enrolmentPrefix marks enrolment tokens, so they are never mistaken for API tokens.
const enrolmentPrefix = "he_"

// Enrolment is a one-time enrolment link's stored record; the token itself is never stored.
type Enrolment struct {
	ID        string
	UserID    string
	TokenHash []byte
	CreatedBy *string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
	VoidedAt  *time.Time
}

// EnrolmentPath is the path of an enrolment link for token.
func EnrolmentPath(token string) string { return "/enrol/" + token }

// IssueEnrolment makes a new one-time enrolment link for the user, good for EnrolmentLifetime,
// voiding any unused link the user still had. It is audited in the hub as done by actorUserID
// ("" for the command line) acting in actorAgencyID. It returns the token once, and its expiry.
func (s *Service) IssueEnrolment(ctx context.Context, actorUserID, actorAgencyID, userID string) (string, time.Time, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", time.Time{}, err
	}
	token := enrolmentPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	e := &Enrolment{ID: uuid.Must(uuid.NewV7()).String(), UserID: userID, TokenHash: hashToken(token),
		CreatedBy: opt(actorUserID), CreatedAt: now, ExpiresAt: now.Add(EnrolmentLifetime)}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", userID).Take(&User{}).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Model(&Enrolment{}).Where("user_id = ? AND used_at IS NULL AND voided_at IS NULL", userID).
			Update("voided_at", now).Error; err != nil {
			return fmt.Errorf("void old enrolments: %w", err)
		}
		if err := tx.Create(e).Error; err != nil {
			return fmt.Errorf("create enrolment: %w", err)
		}
		return audit.Append(tx, now, audit.Entry{ActorUserID: actorUserID, ActorAgencyID: actorAgencyID,
			Action: audit.EnrolmentIssue, Entity: "user", EntityID: userID,
			Detail: map[string]string{"enrolment_id": e.ID, "expires_at": e.ExpiresAt.UTC().Format(time.RFC3339)}})
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return token, e.ExpiresAt, nil
}

// EnrolmentUser returns the user an enrolment token is good for. An unknown, forged, expired,
// used or voided token is ErrNotFound, all alike.
func (s *Service) EnrolmentUser(ctx context.Context, token string) (*User, *Enrolment, error) {
	var e Enrolment
	err := s.db.WithContext(ctx).
		Where("token_hash = ? AND used_at IS NULL AND voided_at IS NULL AND expires_at > ?", hashToken(token), s.now()).
		Take(&e).Error
	if err != nil {
		return nil, nil, notFound(err)
	}
	var u User
	if err := s.db.WithContext(ctx).Where("id = ? AND disabled_at IS NULL", e.UserID).Take(&u).Error; err != nil {
		return nil, nil, notFound(err)
	}
	return &u, &e, nil
}

// useEnrolment marks the enrolment used inside tx; a link used meanwhile is ErrNotFound.
func (s *Service) useEnrolment(tx *gorm.DB, id string) error {
	res := tx.Model(&Enrolment{}).Where("id = ? AND used_at IS NULL AND voided_at IS NULL AND expires_at > ?", id, s.now()).
		Update("used_at", s.now())
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrNotFound
	}
	return nil
}
