// Package exchange is the hub's packet exchange (DESIGN.md §1): the only way case data leaves a
// store. A packet carries a projection of allow-listed fields (spec.go), sealed for its recipient
// agency, with the consent it relies on, who asked, who approved, an expiry and a status. Every
// step is audited at both ends: in the hub, and in the store of each side that has one.
//
// A request never touches another country's store: answers travel back as reply packets, and
// Sync applies them to a store in that store's own context (a worker, or the recipient's next read).
package exchange

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/store"
	"homeward/internal/vault"
)

// errNotBuilt marks the parts of the exchange still being built in this session.
var errNotBuilt = errors.New("exchange: not built yet")

// Summary is one packet in an inbox, without its payload.
type Summary struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Status    string    `json:"status"`
	Sender    string    `json:"sender"` // sender agency slug
	CaseRef   string    `json:"case_ref"`
	ReplyTo   string    `json:"reply_to,omitempty"`
	BatchID   string    `json:"batch_id,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
}

// InboxFilter narrows an inbox listing.
type InboxFilter struct {
	Status Status
	Kind   Kind
	Cursor string
	Limit  int
}

// InboxPage is one page of an inbox.
type InboxPage struct {
	Items      []Summary `json:"items"`
	NextCursor string    `json:"next_cursor"`
}

// Service is the exchange.
type Service struct {
	hub        *gorm.DB
	stores     *store.Set
	master     *vault.MasterKey
	now        func() time.Time
	projectors map[Kind]Projector
	appliers   map[Kind]Applier
	receivers  map[Kind]Receiver
}

// New returns the exchange over the hub database, the stores of this process and the master key
// that wraps each recipient agency's packet keyset.
func New(hub *gorm.DB, stores *store.Set, master *vault.MasterKey) *Service {
	return &Service{hub: hub, stores: stores, master: master, now: time.Now,
		projectors: map[Kind]Projector{}, appliers: map[Kind]Applier{}, receivers: map[Kind]Receiver{}}
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// Project registers how a kind's payload is built from a case (repatriation, referral, handover).
func (s *Service) Project(k Kind, p Projector) { s.projectors[k] = p }

// Apply registers how replies to packets of kind k update the sending store.
func (s *Service) Apply(k Kind, f Applier) { s.appliers[k] = f }

// Receive registers what accepting a packet of kind k creates in the accepting agency's store.
func (s *Service) Receive(k Kind, r Receiver) { s.receivers[k] = r }

// Prepare builds a packet from a case of the actor's store: the kind's consent in force (or a
// supervisor's written override; never past an objection to notifying the home country), a
// recipient of an allowed kind (an embassy only for its own nationals), fields within the
// allow-list. The packet waits for a supervisor's approval. Audited in the hub and the store.
func (s *Service) Prepare(ctx context.Context, a *authz.Actor, caseID string, d Draft) (*Packet, error) {
	return nil, errNotBuilt
}

// Approve sends a pending packet: a supervisor of the sending agency other than the one who
// prepared it. Consent is checked again.
func (s *Service) Approve(ctx context.Context, a *authz.Actor, packetID string, version int) (*Packet, error) {
	return nil, errNotBuilt
}

// Revoke withdraws a packet of the actor's agency and erases its payload.
func (s *Service) Revoke(ctx context.Context, a *authz.Actor, packetID, reason string) (*Packet, error) {
	return nil, errNotBuilt
}

// RevokeForCase revokes the outstanding packets of a case of the actor's store: those relying on
// one consent purpose (purpose != ""), or all of them (closing a case).
func (s *Service) RevokeForCase(ctx context.Context, a *authz.Actor, caseID, purpose, reason string) (int, error) {
	return 0, errNotBuilt
}

// ForCase lists the packets sent from or received for a case of the actor's store (no payloads).
func (s *Service) ForCase(ctx context.Context, a *authz.Actor, caseID string) ([]Packet, error) {
	return nil, errNotBuilt
}

// Inbox lists the packets addressed to the actor's agency, newest first.
func (s *Service) Inbox(ctx context.Context, a *authz.Actor, f InboxFilter) (*InboxPage, error) {
	if err := a.Require(authz.SectionInbox, authz.ActionRead); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	items := []Summary{}
	if err := s.hub.WithContext(ctx).Raw(inboxSQL, a.AgencyID, f.Limit).Scan(&items).Error; err != nil {
		return nil, err
	}
	return &InboxPage{Items: items}, nil
}

const inboxSQL = `SELECT p.id, p.kind, p.status, a.slug AS sender, p.case_ref, p.expires_at, p.created_at
FROM packets p JOIN agencies a ON a.id = p.sender_agency_id
WHERE p.recipient_agency_id = ? AND p.status NOT IN ('pending_approval')
ORDER BY p.created_at DESC, p.id DESC
LIMIT ?`

// Open shows a packet addressed to the actor's agency with its payload and marks it opened.
// A revoked or expired packet is not found and its payload is gone.
func (s *Service) Open(ctx context.Context, a *authz.Actor, packetID string) (*Packet, error) {
	return nil, errNotBuilt
}

// Accept accepts a packet addressed to the actor's agency; a kind with a Receiver creates its data
// in the actor's store and a reply goes back to the sender. Accepting twice is a conflict.
func (s *Service) Accept(ctx context.Context, a *authz.Actor, packetID string) (*Packet, error) {
	return nil, errNotBuilt
}

// Decline declines a packet addressed to the actor's agency with a reason (sent back as a reply).
func (s *Service) Decline(ctx context.Context, a *authz.Actor, packetID, reason string) (*Packet, error) {
	return nil, errNotBuilt
}

// Reply answers a packet addressed to the actor's agency with fields from ReplyFields of its kind.
func (s *Service) Reply(ctx context.Context, a *authz.Actor, packetID string, fields Payload) (*Packet, error) {
	return nil, errNotBuilt
}

// Sync applies the replies waiting for agencies of one country's store to that store (Appliers),
// then erases their payloads. It runs in that store's own context: a worker, or a recipient's read.
func (s *Service) Sync(ctx context.Context, country string) (int, error) {
	return 0, errNotBuilt
}

// Expire marks packets past their expiry as expired and erases their payloads.
func (s *Service) Expire(ctx context.Context) (int, error) {
	return 0, errNotBuilt
}
