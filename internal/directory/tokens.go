package directory

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
)

// tokenPrefix marks Homeward API tokens so they are recognisable in logs and secret scanners.
const tokenPrefix = "hw_"

// APIToken is a bearer token's stored record; the token itself is never stored, only its hash.
type APIToken struct {
	ID         string
	UserID     string
	AgencyID   string
	TokenHash  []byte
	Label      string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	ExpiresAt  time.Time
}

// DefaultTokenLifetime is how long an API token lives unless a shorter or longer one (at most
// MaxTokenLifetime) is asked for.
const (
	DefaultTokenLifetime = 30 * 24 * time.Hour
	MaxTokenLifetime     = 90 * 24 * time.Hour
)

// CreateToken makes a new API token for the user with email, acting in the agency with agencySlug
// (or the user's only agency when agencySlug is empty), valid for DefaultTokenLifetime. It returns
// the token once.
func (s *Service) CreateToken(ctx context.Context, email, agencySlug, label string) (string, *APIToken, error) {
	return s.CreateTokenFor(ctx, email, agencySlug, label, DefaultTokenLifetime)
}

// CreateTokenFor is CreateToken with a lifetime (at most MaxTokenLifetime, else ErrInvalid).
func (s *Service) CreateTokenFor(ctx context.Context, email, agencySlug, label string, lifetime time.Duration) (string, *APIToken, error) {
	if lifetime <= 0 || lifetime > MaxTokenLifetime {
		return "", nil, fmt.Errorf("%w: a token lives at most %d days", ErrInvalid, int(MaxTokenLifetime.Hours()/24))
	}
	var u User
	if err := s.db.WithContext(ctx).Where("email = ? AND disabled_at IS NULL", strings.ToLower(email)).Take(&u).Error; err != nil {
		return "", nil, notFound(err)
	}
	q := s.db.WithContext(ctx).Table("memberships m").Select("DISTINCT m.agency_id").
		Joins("JOIN agencies a ON a.id = m.agency_id").Where("m.user_id = ?", u.ID)
	if agencySlug != "" {
		q = q.Where("a.slug = ?", agencySlug)
	}
	var agencies []string
	if err := q.Pluck("m.agency_id", &agencies).Error; err != nil {
		return "", nil, err
	}
	if len(agencies) != 1 {
		return "", nil, fmt.Errorf("%w: the user must belong to exactly one agency (name it with --agency)", ErrInvalid)
	}
	return s.newToken(ctx, u.ID, agencies[0], label, lifetime)
}

// newToken stores a new token of the user in agencyID, audited as "token.create", and returns it once.
func (s *Service) newToken(ctx context.Context, userID, agencyID, label string, lifetime time.Duration) (string, *APIToken, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	t := &APIToken{ID: uuid.Must(uuid.NewV7()).String(), UserID: userID, AgencyID: agencyID, TokenHash: hashToken(token), Label: label, CreatedAt: now,
		ExpiresAt: now.Add(lifetime)}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(t).Error; err != nil {
			return err
		}
		return audit.Append(tx, now, audit.Entry{ActorUserID: userID, ActorAgencyID: agencyID, Action: audit.TokenCreate, Entity: "api_token", EntityID: t.ID,
			Detail: map[string]string{"label": label, "expires_at": t.ExpiresAt.UTC().Format(time.RFC3339)}})
	})
	if err != nil {
		return "", nil, fmt.Errorf("create token: %w", err)
	}
	return token, t, nil
}

// TokenActor resolves a bearer token to its actor and records its use. Unknown or revoked tokens
// are ErrNotFound.
func (s *Service) TokenActor(ctx context.Context, token string) (*authz.Actor, error) {
	if !strings.HasPrefix(token, tokenPrefix) {
		return nil, ErrNotFound
	}
	now := s.now()
	rows, err := s.actorRows(ctx, true, selectTokenActorSQL, hashToken(token), now)
	if err != nil {
		return nil, err
	}
	a, err := s.actorOf(rows)
	if err != nil {
		return nil, err
	}
	// Record last use at most once a minute, so a busy integration does not write on every call.
	if t := rows[0]; t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		if err := s.db.WithContext(ctx).Model(&APIToken{}).Where("id = ?", t.TokenID).Update("last_used_at", now).Error; err != nil {
			return nil, err
		}
	}
	return a, nil
}

// RevokeToken revokes a token by id, audited as done by actorUserID.
func (s *Service) RevokeToken(ctx context.Context, actorUserID, id string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&APIToken{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", s.now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: actorUserID, Action: audit.TokenRevoke, Entity: "api_token", EntityID: id})
	})
}

// RevokeTokenValue revokes the token whose value is given (for the person holding it).
func (s *Service) RevokeTokenValue(ctx context.Context, actorUserID, token string) error {
	var id string
	err := s.db.WithContext(ctx).Model(&APIToken{}).Select("id").Where("token_hash = ?", hashToken(strings.TrimSpace(token))).Scan(&id).Error
	if err != nil {
		return err
	}
	if id == "" {
		return ErrNotFound
	}
	return s.RevokeToken(ctx, actorUserID, id)
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
