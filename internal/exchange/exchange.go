// Package exchange is the hub's packet exchange: the only way case data leaves a store. This first
// part lists the packets addressed to an agency; sending, opening and sealing come with packets.
package exchange

import (
	"context"
	"time"

	"gorm.io/gorm"

	"homeward/internal/authz"
)

// Summary is one packet in an inbox, without its payload.
type Summary struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Status    string    `json:"status"`
	Sender    string    `json:"sender"` // sender agency slug
	CaseRef   string    `json:"case_ref"`
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
}

// Service is the exchange.
type Service struct {
	hub *gorm.DB
}

// New returns the exchange over the hub database.
func New(hub *gorm.DB) *Service { return &Service{hub: hub} }

const inboxSQL = `SELECT p.id, p.kind, p.status, a.slug AS sender, p.case_ref, p.expires_at, p.created_at
FROM packets p JOIN agencies a ON a.id = p.sender_agency_id
WHERE p.recipient_agency_id = ? AND p.status NOT IN ('pending_approval')
ORDER BY p.created_at DESC, p.id DESC
LIMIT ?`

// Inbox lists the newest packets addressed to the actor's agency.
func (s *Service) Inbox(ctx context.Context, a *authz.Actor, limit int) ([]Summary, error) {
	if err := a.Require(authz.SectionInbox, authz.ActionRead); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	items := []Summary{}
	if err := s.hub.WithContext(ctx).Raw(inboxSQL, a.AgencyID, limit).Scan(&items).Error; err != nil {
		return nil, err
	}
	return items, nil
}
