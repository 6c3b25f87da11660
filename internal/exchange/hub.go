package exchange

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/store"
	"homeward/internal/vault"
)

// errNoPacket is a packet the actor may not see, or that does not exist (404).
var errNoPacket = fmt.Errorf("exchange: packet: %w", authz.ErrNotFound)

// replyTTL is how long a reply waits for its recipient (a store agency's replies are applied by
// Sync well before that).
const replyTTL = 30 * 24 * time.Hour

// outstanding are the statuses a packet can still be revoked or expire from.
var outstanding = []string{string(StatusPendingApproval), string(StatusSent), string(StatusOpened)}

// row is a row of the hub's packets with its agencies' slugs.
type row struct {
	ID                string
	Kind              string
	SenderAgencyID    string
	RecipientAgencyID string
	CaseRef           string
	Status            string
	SealedPayload     []byte
	ExpiresAt         time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Version           int
	Purpose           string
	Fields            cases.TextList
	ConsentRef        string
	Override          bool
	ReplyTo           *string
	BatchID           *string
	AskedBy           *string
	ApprovedBy        *string
	OpenedAt          *time.Time
	DecidedAt         *time.Time
	Reason            string
	SenderCountry     *string
	SenderSeenStatus  string
	SenderSlug        string
	RecipientSlug     string
}

const selectPacket = `SELECT p.*, s.slug AS sender_slug, r.slug AS recipient_slug
FROM packets p JOIN agencies s ON s.id = p.sender_agency_id JOIN agencies r ON r.id = p.recipient_agency_id `

// envelope is the row as a Packet, without its payload.
func (r *row) envelope() *Packet {
	p := &Packet{ID: r.ID, Kind: Kind(r.Kind), Status: Status(r.Status), Sender: r.SenderSlug, Recipient: r.RecipientSlug,
		CaseRef: r.CaseRef, Fields: append([]string{}, r.Fields...), ConsentRef: r.ConsentRef, Override: r.Override,
		ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, OpenedAt: r.OpenedAt, Version: r.Version,
		Purpose: r.Purpose, Reason: r.Reason, DecidedAt: r.DecidedAt}
	p.ReplyTo, p.BatchID, p.AskedBy, p.ApprovedBy = deref(r.ReplyTo), deref(r.BatchID), deref(r.AskedBy), deref(r.ApprovedBy)
	return p
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// validID reports whether s is a UUID (anything else is simply not found).
func validID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// load reads one packet under cond (with p. aliases), locking it when lock is set.
func load(tx *gorm.DB, lock bool, cond string, args ...any) (*row, error) {
	q := selectPacket + "WHERE " + cond
	if lock {
		q += " FOR UPDATE OF p"
	}
	var rows []row
	if err := tx.Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("exchange: load packet: %w", err)
	}
	if len(rows) == 0 {
		return nil, errNoPacket
	}
	return &rows[0], nil
}

// agency is an agency of the directory as the exchange needs it.
type agency struct {
	ID                string
	Slug              string
	Kind              string
	Country           string
	ServesNationality string // every nationality an embassy serves, comma-separated
}

// serves reports whether an embassy serving the comma-separated nationalities list serves nat.
func serves(list, nat string) bool {
	return nat != "" && slices.Contains(strings.Split(list, ","), nat)
}

func (s *Service) agencyBy(tx *gorm.DB, col, v string) (*agency, error) {
	var out []agency
	err := tx.Raw(`SELECT id, slug, kind, coalesce(country, '') AS country, array_to_string(serves_nationalities, ',') AS serves_nationality
FROM agencies WHERE `+col+` = ?`, v).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("exchange: agency: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return &out[0], nil
}

// home reports whether an agency belongs to the home country of a person of nationality nat: the
// embassy serving it, or an agency of that country's store.
func (g *agency) home(nat string) bool {
	return (g.Kind == "embassy" && serves(g.ServesNationality, nat)) || (g.Country != "" && g.Country == nat)
}

// keyFor returns the packet key of a recipient agency, creating its keyset on first use.
func (s *Service) keyFor(ctx context.Context, agencyID string) (*vault.AgencyKey, error) {
	s.keyMu.Lock()
	k, ok := s.keys[agencyID]
	s.keyMu.Unlock()
	if ok {
		return k, nil
	}
	wrapped, err := store.WrappedKeyset(ctx, s.hub, "agency_keys", "agency_id", agencyID,
		func() ([]byte, error) { return s.master.NewAgencyKeyset(agencyID) })
	if err != nil {
		return nil, fmt.Errorf("exchange: agency key: %w", err)
	}
	k, err = s.master.OpenAgencyKeyset(agencyID, wrapped)
	if err != nil {
		return nil, err
	}
	s.keyMu.Lock()
	s.keys[agencyID] = k
	s.keyMu.Unlock()
	return k, nil
}

// seal encrypts a payload for the packet's recipient.
func (s *Service) seal(ctx context.Context, packetID, recipientID string, p Payload) ([]byte, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("exchange: payload: %w", err)
	}
	k, err := s.keyFor(ctx, recipientID)
	if err != nil {
		return nil, err
	}
	return k.Seal(packetID, b)
}

// open decrypts a packet's payload; nil when it was erased.
func (s *Service) open(ctx context.Context, r *row) (Payload, error) {
	if len(r.SealedPayload) == 0 {
		return nil, nil
	}
	k, err := s.keyFor(ctx, r.RecipientAgencyID)
	if err != nil {
		return nil, err
	}
	b, err := k.Open(r.ID, r.SealedPayload)
	if err != nil {
		return nil, err
	}
	var p Payload
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("exchange: payload of %s: %w", r.ID, err)
	}
	return p, nil
}

// insert writes a new packet row.
func insert(tx *gorm.DB, r *row) error {
	err := tx.Exec(`INSERT INTO packets (id, kind, sender_agency_id, recipient_agency_id, case_ref, status, sealed_payload,
  expires_at, created_at, updated_at, version, purpose, fields, consent_ref, override, reply_to, batch_id, asked_by,
  approved_by, sender_country)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Kind, r.SenderAgencyID, r.RecipientAgencyID, r.CaseRef, r.Status, r.SealedPayload,
		r.ExpiresAt, r.CreatedAt, r.CreatedAt, r.Purpose, r.Fields, r.ConsentRef, r.Override, r.ReplyTo, r.BatchID,
		r.AskedBy, r.ApprovedBy, r.SenderCountry).Error
	if err != nil {
		return fmt.Errorf("exchange: insert packet: %w", err)
	}
	r.Version, r.UpdatedAt = 1, r.CreatedAt
	return nil
}

// sortedKeys returns a payload's field names, sorted.
func sortedKeys(p Payload) []string {
	out := make([]string, 0, len(p))
	for k := range p {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// newReply builds (does not insert) a reply from the actor's agency back to the sender of orig.
func (s *Service) newReply(ctx context.Context, a *authz.Actor, orig *row, p Payload, now time.Time) (*row, error) {
	id := uuid.Must(uuid.NewV7()).String()
	sealed, err := s.seal(ctx, id, orig.SenderAgencyID, p)
	if err != nil {
		return nil, err
	}
	r := &row{ID: id, Kind: string(KindReply), SenderAgencyID: a.AgencyID, RecipientAgencyID: orig.SenderAgencyID,
		CaseRef: orig.CaseRef, Status: string(StatusSent), SealedPayload: sealed, ExpiresAt: now.Add(replyTTL),
		CreatedAt: now, Fields: sortedKeys(p), ReplyTo: &orig.ID, BatchID: orig.BatchID, AskedBy: nullable(a.UserID),
		SenderCountry: nullable(a.Country), SenderSlug: a.AgencySlug, RecipientSlug: orig.SenderSlug}
	return r, nil
}

// cursor encodes a position in an inbox (created_at, id).
func encodeCursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(t.UTC().Format(time.RFC3339Nano) + "|" + id))
}

func decodeCursor(c string) (time.Time, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", false
	}
	ts, id, ok := strings.Cut(string(b), "|")
	if !ok || !validID(id) {
		return time.Time{}, "", false
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, "", false
	}
	return t, id, true
}

// caseOfPacket returns the case of this store a packet belongs to ("" when none).
func caseOfPacket(tx *gorm.DB, packetID string) (string, error) {
	var ids []string
	if err := tx.Raw(`SELECT case_id FROM case_packets WHERE packet_id = ?`, packetID).Scan(&ids).Error; err != nil {
		return "", fmt.Errorf("exchange: case of packet: %w", err)
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}

// recordCasePacket writes the store's link between a case and a packet.
func recordCasePacket(tx *gorm.DB, packetID, caseID string, k Kind, purpose, direction string, now time.Time) error {
	err := tx.Exec(`INSERT INTO case_packets (packet_id, case_id, kind, purpose, direction, created_at)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (packet_id) DO NOTHING`, packetID, caseID, string(k), purpose, direction, now).Error
	if err != nil {
		return fmt.Errorf("exchange: case packet: %w", err)
	}
	return nil
}

// isOutstanding reports whether a status can still be revoked or expire.
func isOutstanding(st string) bool { return slices.Contains(outstanding, st) }

// revocable reports whether the recipient can still read a packet, so that revoking it means
// something: an outstanding packet, or an accepted one whose payload is still held (a kind
// without a Receiver: repatriation, referral). An accepted handover had its payload erased at
// accept and its data lives in the accepting store: it stays accepted (the sender's Applier
// relies on that status).
func revocable(r *row) bool {
	return isOutstanding(r.Status) || (r.Status == string(StatusAccepted) && len(r.SealedPayload) > 0)
}

// revocableSQL is revocable as a condition on packets p.
const revocableSQL = `(p.status IN ('pending_approval', 'sent', 'opened') OR (p.status = 'accepted' AND p.sealed_payload IS NOT NULL))`

// Revocable tells a sender's page whether Revoke may apply to a packet (its envelope carries no
// payload): outstanding, or accepted, before its expiry, of a kind without a Receiver.
func (s *Service) Revocable(p *Packet) bool {
	if isOutstanding(string(p.Status)) {
		return true
	}
	return p.Status == StatusAccepted && p.Kind != KindReply && !s.hasReceiver(p.Kind) && p.ExpiresAt.After(s.clock())
}
