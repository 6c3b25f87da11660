// Package exchange is the hub's packet exchange (DESIGN.md §1): the only way case data leaves a
// store. A packet carries a projection of allow-listed fields (spec.go), sealed for its recipient
// agency, with the consent it relies on, who asked, who approved, an expiry and a status. Every
// step is audited at both ends: in the hub, and in the store of each side that has one.
//
// A request never touches another country's store: answers travel back as reply packets, and
// Sync applies them to a store in that store's own context (a worker, or the recipient's next read).
//
// Refusals: a packet the actor may not see is authz.ErrNotFound (404); input outside the rules is
// *problem.Invalid (422) with a field -> key, among them approving one's own packet
// ("approver": "packets.error.approve_own") and an override by someone who is not a supervisor
// ("override": "packets.error.override_supervisor"); accepting or declining twice, and replying to
// a declined packet, is problem.ErrConflict (409).
package exchange

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/failpoint"
	"homeward/internal/problem"
	"homeward/internal/store"
	"homeward/internal/vault"
)

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
	hub           *gorm.DB
	stores        *store.Set
	master        *vault.MasterKey
	now           func() time.Time
	kinds         map[Kind]Plugin         // the registered packet kinds (Register)
	hubAppliers   map[string]HubApplier   // effects of the stores' outbox rows (OnHub)
	storeAppliers map[string]StoreApplier // effects of the hub's outbox rows (OnStore)

	keyMu sync.Mutex
	keys  map[string]*vault.AgencyKey // opened packet keys by agency id
}

// New returns the exchange over the hub database, the stores of this process and the master key
// that wraps each recipient agency's packet keyset.
func New(hub *gorm.DB, stores *store.Set, master *vault.MasterKey) *Service {
	s := &Service{hub: hub, stores: stores, master: master, now: time.Now,
		kinds: map[Kind]Plugin{}, keys: map[string]*vault.AgencyKey{},
		hubAppliers: map[string]HubApplier{}, storeAppliers: map[string]StoreApplier{}}
	s.builtinEffects()
	return s
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// maxText is the longest reason or override, in characters.
const maxText = 2000

func clean(v string) string { return strings.TrimSpace(norm.NFC.String(v)) }

// detail is the hub audit detail of a packet step: both agencies always recorded.
func detail(r *row, extra map[string]any) map[string]any {
	d := map[string]any{"kind": r.Kind, "sender": r.SenderSlug, "recipient": r.RecipientSlug,
		"sender_agency_id": r.SenderAgencyID, "recipient_agency_id": r.RecipientAgencyID, "status": r.Status}
	for k, v := range extra {
		d[k] = v
	}
	return d
}

func personNationality(tx *gorm.DB, c *cases.Case) (string, error) {
	var nat string
	if err := tx.Raw(`SELECT nationality FROM persons WHERE id = ?`, c.PersonID).Scan(&nat).Error; err != nil {
		return "", fmt.Errorf("exchange: person: %w", err)
	}
	return nat, nil
}

// Prepare builds a packet from a case of the actor's store: the kind's consent in force (or a
// supervisor's written override; never past an objection to notifying the home country), a
// recipient of an allowed kind (an embassy only for its own nationals), fields within the
// allow-list. The packet waits for a supervisor's approval. Audited in the hub and the store.
// A closed case sends nothing (422 "case": packets.error.case_closed); a handover is prepared only
// by internal/handover, through a batch (Draft.BatchID set; else 422 "kind":
// packets.error.handover_batch_only). It is a batch of one (PrepareMany).
func (s *Service) Prepare(ctx context.Context, a *authz.Actor, caseID string, d Draft) (*Packet, error) {
	out, errs, err := s.prepareMany(ctx, a, []CaseDraft{{CaseID: caseID, Draft: d}}, nil)
	if err != nil {
		return nil, err
	}
	if errs[0] != nil {
		return nil, errs[0]
	}
	return out[0], nil
}

// Outgoing returns a packet sent (or waiting to be sent) by the actor's agency from a case of its
// store, with its payload while it waits for approval (so that the approving supervisor sees what
// leaves). The read is audited in the store.
func (s *Service) Outgoing(ctx context.Context, a *authz.Actor, packetID string) (*Packet, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionPackets, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	if !validID(packetID) {
		return nil, errNoPacket
	}
	var out *Packet
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		caseID, err := caseOfPacket(tx, packetID)
		if err != nil {
			return err
		}
		if caseID == "" {
			return errNoPacket
		}
		if _, err := cases.Find(tx, scope, caseID); err != nil {
			return err
		}
		r, err := load(s.hub.WithContext(ctx), false, "p.id = ? AND p.sender_agency_id = ?", packetID, a.AgencyID)
		if err != nil {
			return err
		}
		out = r.envelope()
		if r.Status == string(StatusPendingApproval) {
			if out.Payload, err = s.open(ctx, r); err != nil {
				return err
			}
		}
		return audit.Append(tx, s.clock(), audit.ByActor(a, audit.PacketRead, "case", caseID,
			map[string]any{"packet_id": packetID, "payload": out.Payload != nil}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Approve sends a pending packet: a supervisor of the sending agency other than the one who
// prepared it. Consent is checked again; a packet of a closed case is refused (422 "case":
// packets.error.case_closed). version must be the packet's current version (409 when stale);
// version 0 skips that check for internal callers that hold no version the user saw (tests,
// services acting right after their own Prepare). The HTTP handlers require a version: the API
// answers 422 without one. A batch of one (ApproveMany).
func (s *Service) Approve(ctx context.Context, a *authz.Actor, packetID string, version int) (*Packet, error) {
	out, errs, err := s.approveMany(ctx, a, []Ref{{ID: packetID, Version: version}}, nil)
	if err != nil {
		return nil, err
	}
	if errs[0] != nil {
		return nil, errs[0]
	}
	return out[0], nil
}

// ForCase lists the packets sent from or received for a case of the actor's store (no payloads).
// Replies waiting for the store are applied first.
func (s *Service) ForCase(ctx context.Context, a *authz.Actor, caseID string) ([]Packet, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionPackets, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	s.syncQuiet(ctx, st.Country)
	out := []Packet{}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := cases.Find(tx, scope, caseID)
		if err != nil {
			return err
		}
		var ids []string
		if err := tx.Raw(`SELECT packet_id FROM case_packets WHERE case_id = ?`, c.ID).Scan(&ids).Error; err != nil {
			return err
		}
		if len(ids) > 0 {
			var rows []row
			if err := s.hub.WithContext(ctx).Raw(selectPacket+`WHERE p.id IN ? ORDER BY p.created_at DESC, p.id DESC`, ids).Scan(&rows).Error; err != nil {
				return err
			}
			for i := range rows {
				out = append(out, *rows[i].envelope())
			}
		}
		return audit.Append(tx, s.clock(), audit.ByActor(a, audit.PacketList, "case", c.ID, map[string]any{"packets": len(out)}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Inbox lists the packets addressed to the actor's agency, newest first. Packets past their expiry
// are expired first (their payload erased); a store agency's waiting replies are applied first.
func (s *Service) Inbox(ctx context.Context, a *authz.Actor, f InboxFilter) (*InboxPage, error) {
	if err := a.Require(authz.SectionInbox, authz.ActionRead); err != nil {
		return nil, err
	}
	inv := &problem.Invalid{}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		inv.Add("status", "packets.error.status")
	}
	if f.Kind != "" && f.Kind != KindReply && !slices.Contains(s.Kinds(), f.Kind) {
		inv.Add("kind", "packets.error.kind")
	}
	curT, curID, limit := pageStart(inv, f.Cursor, f.Limit)
	f.Limit = limit
	if err := inv.Err(); err != nil {
		return nil, err
	}
	if a.HasStore() {
		s.syncQuiet(ctx, a.Country)
	}
	if _, err := s.expire(ctx, "p.recipient_agency_id = ?", a.AgencyID); err != nil {
		return nil, err
	}
	q := `SELECT p.id, p.kind, p.status, a.slug AS sender, p.case_ref, coalesce(p.reply_to::text, '') AS reply_to,
  coalesce(p.batch_id::text, '') AS batch_id, p.expires_at, p.created_at
FROM packets p JOIN agencies a ON a.id = p.sender_agency_id
WHERE p.recipient_agency_id = ? AND p.status <> 'pending_approval'`
	args := []any{a.AgencyID}
	if f.Status != "" {
		q += ` AND p.status = ?`
		args = append(args, string(f.Status))
	}
	if f.Kind != "" {
		q += ` AND p.kind = ?`
		args = append(args, string(f.Kind))
	}
	q, args = pageTail(q, args, curT, curID, f.Limit)
	items := []Summary{}
	if err := s.hub.WithContext(ctx).Raw(q, args...).Scan(&items).Error; err != nil {
		return nil, err
	}
	page := &InboxPage{Items: items}
	if len(items) > f.Limit {
		page.Items = items[:f.Limit]
		last := page.Items[f.Limit-1]
		page.NextCursor = encodeCursor(last.CreatedAt, last.ID)
	}
	return page, nil
}

// Statuses lists every status (the kinds are the registered ones: Service.Kinds, and KindReply).
var (
	Statuses = []Status{StatusPendingApproval, StatusSent, StatusOpened, StatusAccepted, StatusDeclined, StatusRevoked, StatusExpired}
)

// received loads, locked in htx, a packet addressed to the actor's agency that it may act on:
// pending, revoked and expired packets are not found (an outstanding packet past its expiry is
// expired on the way, in its own transaction).
func (s *Service) received(ctx context.Context, htx *gorm.DB, a *authz.Actor, packetID string) (*row, error) {
	if !validID(packetID) {
		return nil, errNoPacket
	}
	r, err := load(htx, true, "p.id = ? AND p.recipient_agency_id = ?", packetID, a.AgencyID)
	if err != nil {
		return nil, err
	}
	if err := checkReceived(r, s.clock()); err != nil {
		return nil, err
	}
	return r, nil
}

// errExpired marks a packet found past its expiry: the caller expires it and answers 404.
var errExpired = fmt.Errorf("exchange: packet expired: %w", authz.ErrNotFound)

// withReceived runs f on a packet addressed to the actor's agency inside a hub transaction; a
// packet past its expiry is expired and not found.
func (s *Service) withReceived(ctx context.Context, a *authz.Actor, packetID string, f func(htx *gorm.DB, r *row) error) error {
	err := s.hub.WithContext(ctx).Transaction(func(htx *gorm.DB) error {
		r, err := s.received(ctx, htx, a, packetID)
		if err != nil {
			return err
		}
		return f(htx, r)
	})
	if err == errExpired {
		if _, xerr := s.expire(ctx, "p.id = ?", packetID); xerr != nil {
			return xerr
		}
	}
	return err
}

// Open shows a packet addressed to the actor's agency with its payload and marks it opened.
// A revoked or expired packet is not found and its payload is gone. A batch of one (OpenMany).
func (s *Service) Open(ctx context.Context, a *authz.Actor, packetID string) (*Packet, error) {
	out, errs, err := s.openMany(ctx, a, []string{packetID})
	if err != nil {
		return nil, err
	}
	if errs[0] != nil {
		return nil, errs[0]
	}
	return out[0], nil
}

// decision is the reply that accepting or declining sends back: "decision" and "reason" for every
// kind, plus the fields of the kind's own reply allow-list that say the same thing.
func decision(k Kind, accepted bool, reason, newCaseRef string) Payload {
	p := Payload{"decision": "declined"}
	if accepted {
		p["decision"] = "accepted"
	}
	if reason != "" {
		p["reason"] = reason
	}
	switch k {
	case KindHandover:
		if accepted {
			p["accepted"] = true
			if newCaseRef != "" {
				p["new_case_ref"] = newCaseRef
			}
		} else {
			p["declined"] = true
		}
	case KindReferral:
		p["status"] = p["decision"]
	}
	return p
}

// Accept accepts a packet addressed to the actor's agency; a kind with a Receiver creates its data
// in the actor's store and a reply goes back to the sender. Accepting twice is a conflict.
// A batch of one (Decide).
func (s *Service) Accept(ctx context.Context, a *authz.Actor, packetID string) (*Packet, error) {
	return s.decideOne(ctx, a, Decision{ID: packetID, Accept: true})
}

// Decline declines a packet addressed to the actor's agency with a reason (sent back as a reply).
// A batch of one (Decide).
func (s *Service) Decline(ctx context.Context, a *authz.Actor, packetID, reason string) (*Packet, error) {
	return s.decideOne(ctx, a, Decision{ID: packetID, Reason: reason})
}

func (s *Service) decideOne(ctx context.Context, a *authz.Actor, d Decision) (*Packet, error) {
	out, errs, err := s.decideMany(ctx, a, []Decision{d}, nil)
	if err != nil {
		return nil, err
	}
	if errs[0] != nil {
		return nil, errs[0]
	}
	return out[0], nil
}

// maxReply is the largest reply payload, in bytes of JSON.
const maxReply = 64 << 10

// Reply answers a packet addressed to the actor's agency with fields from its kind's Spec.ReplyFields.
// A field outside that list is invalid (422, the field named); a declined packet takes no reply (409).
func (s *Service) Reply(ctx context.Context, a *authz.Actor, packetID string, fields Payload) (*Packet, error) {
	if err := a.Require(authz.SectionInbox, authz.ActionWrite); err != nil {
		return nil, err
	}
	now := s.clock()
	var out *Packet
	err := s.withReceived(ctx, a, packetID, func(htx *gorm.DB, r *row) error {
		kind, _ := s.plugin(Kind(r.Kind))
		allowed := kind.Spec.ReplyFields
		ok := len(allowed) > 0
		inv := &problem.Invalid{}
		if !ok {
			inv.Add("kind", "packets.error.no_reply")
		}
		clean := replyFields(fields, allowed, ok, inv)
		if len(clean) == 0 && len(inv.Fields) == 0 {
			inv.Add("fields", "packets.error.fields_empty")
		}
		if check := kind.CheckReply; check != nil && len(clean) > 0 {
			checked, err := check(clean)
			if bad, isInv := problem.AsInvalid(err); isInv {
				for f, key := range bad.Fields {
					inv.Add(f, key)
				}
			} else if err != nil {
				return err
			} else {
				clean = checked
			}
		}
		if b, err := json.Marshal(clean); err != nil || len(b) > maxReply {
			inv.Add("fields", "form.error.too_long")
		}
		if err := inv.Err(); err != nil {
			return err
		}
		if r.Status == string(StatusDeclined) {
			return problem.ErrConflict
		}
		reply, err := s.newReply(ctx, a, r, clean, now)
		if err != nil {
			return err
		}
		if err := insert(htx, reply); err != nil {
			return err
		}
		if kind.Replied != nil {
			if err := kind.Replied(htx, a, r.envelope(), clean, now); err != nil {
				return err
			}
		}
		out = reply.envelope()
		out.Payload = clean
		own := ownStoreEntry(a, audit.PacketReply, r, map[string]any{"reply_id": reply.ID, "fields": reply.Fields})
		if err := s.enqueueOwnStore(htx, a, "reply", []string{r.ID}, []audit.Entry{own}, true, now); err != nil {
			return err
		}
		return audit.Append(htx, now, audit.ByActor(a, audit.PacketReply, "packet", reply.ID,
			detail(reply, map[string]any{"reply_to": r.ID, "fields": reply.Fields})))
	})
	if err != nil {
		return nil, err
	}
	if err := failpoint.Hit(ctx, FailReply); err != nil {
		return nil, err
	}
	s.kick(ctx, hubTarget)
	return out, nil
}

// replyFields keeps a reply's filled fields (text cleaned), refusing in inv those outside allowed
// when the kind takes replies (known).
func replyFields(fields Payload, allowed []string, known bool, inv *problem.Invalid) Payload {
	clean := Payload{}
	for k, v := range fields {
		if sv, isStr := v.(string); isStr {
			if sv = strings.TrimSpace(norm.NFC.String(sv)); sv == "" {
				continue
			}
			v = sv
		}
		if v == nil {
			continue
		}
		if known && !slices.Contains(allowed, k) {
			inv.Add(k, "packets.error.field_not_allowed")
			continue
		}
		clean[k] = v
	}
	return clean
}

// Expire marks packets past their expiry as expired and erases their payloads.
func (s *Service) Expire(ctx context.Context) (int, error) {
	return s.expire(ctx, "true")
}

// expire expires the outstanding packets past their expiry among those matching cond (and erases
// the payload of accepted packets past theirs), auditing each in the hub as the system.
func (s *Service) expire(ctx context.Context, cond string, args ...any) (int, error) {
	now := s.clock()
	// Most calls (an inbox read) find nothing to expire: check without a transaction or locks first.
	var due bool
	if err := s.hub.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM packets p WHERE p.expires_at <= ?
  AND (p.status IN ? OR (p.status = 'accepted' AND p.sealed_payload IS NOT NULL)) AND `+cond+`)`,
		append([]any{now, outstanding}, args...)...).Scan(&due).Error; err != nil {
		return 0, fmt.Errorf("exchange: expire: %w", err)
	}
	if !due {
		return 0, nil
	}
	n := 0
	err := s.hub.WithContext(ctx).Transaction(func(htx *gorm.DB) error {
		var rows []row
		q := selectPacket + `WHERE p.status IN ? AND p.expires_at <= ? AND ` + cond + ` ORDER BY p.id FOR UPDATE OF p SKIP LOCKED`
		if err := htx.Raw(q, append([]any{outstanding, now}, args...)...).Scan(&rows).Error; err != nil {
			return fmt.Errorf("exchange: expire: %w", err)
		}
		var entries []audit.Entry
		for i := range rows {
			r := &rows[i]
			if err := erase(htx, r, StatusExpired, "expired", now); err != nil {
				return err
			}
			entries = append(entries, audit.Entry{Action: audit.PacketExpire, Entity: "packet", EntityID: r.ID, Detail: detail(r, nil)})
		}
		n = len(rows)
		if err := htx.Exec(`UPDATE packets p SET sealed_payload = NULL, updated_at = ?, version = version + 1
WHERE p.status = 'accepted' AND p.sealed_payload IS NOT NULL AND p.expires_at <= ? AND `+cond, append([]any{now, now}, args...)...).Error; err != nil {
			return fmt.Errorf("exchange: expire accepted: %w", err)
		}
		return audit.AppendMany(htx, now, entries)
	})
	if err == nil {
		err = failpoint.Hit(ctx, FailExpire)
	}
	return n, err
}
