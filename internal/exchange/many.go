package exchange

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/failpoint"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// errCase is a case the actor may not see (404), as cases.Find says it.
var errCase = cases.ErrNotFound

// errClosed refuses a packet from a closed case (422): a closed case shares nothing.
func errClosed() error {
	return &problem.Invalid{Fields: map[string]string{"case": "packets.error.case_closed"}}
}

// projectAll builds the full payload of each item: a kind's BatchProjector once for all its
// items, else the draft's Extra.
func (s *Service) projectAll(tx *gorm.DB, st *store.Store, ps []prep) error {
	byKind := map[Kind][]int{}
	for i := range ps {
		byKind[ps[i].d.Kind] = append(byKind[ps[i].d.Kind], i)
	}
	for k, idx := range byKind {
		if bp := s.kinds[k].Project; bp != nil {
			ids, ds := make([]string, len(idx)), make([]Draft, len(idx))
			for j, i := range idx {
				ids[j], ds[j] = ps[i].c.ID, ps[i].d
			}
			full, err := bp(tx, st, ids, ds)
			if err != nil {
				return err
			}
			for j, i := range idx {
				ps[i].full = full[j]
			}
			continue
		}
		for _, i := range idx {
			p := &ps[i]
			p.full = Payload{}
			for k, v := range p.d.Extra {
				p.full[k] = v
			}
		}
	}
	return nil
}

// ApproveMany sends pending packets of the actor's agency, with the rules of Approve, in one store
// and one hub transaction: all or none.
func (s *Service) ApproveMany(ctx context.Context, a *authz.Actor, refs []Ref) ([]*Packet, error) {
	out, errs, err := s.approveMany(ctx, a, refs, nil)
	if err != nil {
		return nil, err
	}
	if err := batchErr(errs, itemField); err != nil {
		return nil, err
	}
	return out, nil
}

// checkReceived tells whether the actor's agency may act on a packet addressed to it: pending,
// revoked and expired packets are not found; an outstanding one past its expiry, or an accepted one
// past its expiry that still holds its payload (the worker has not run yet), is errExpired: the
// caller erases it and answers 404.
func checkReceived(r *row, now time.Time) error {
	switch {
	case r == nil, r.Status == string(StatusPendingApproval), r.Status == string(StatusRevoked), r.Status == string(StatusExpired):
		return errNoPacket
	case revocable(r) && !r.ExpiresAt.After(now):
		return errExpired
	case r.Status == string(StatusAccepted) && !r.ExpiresAt.After(now):
		return errNoPacket // past its expiry an accepted packet is gone, on every read (issue 13)
	}
	return nil
}

// expireFound expires the packets an item found past their expiry (after its batch was refused).
func (s *Service) expireFound(ctx context.Context, errs []error, ids []string) error {
	var due []string
	for i, err := range errs {
		if err == errExpired {
			due = append(due, ids[i])
		}
	}
	if len(due) == 0 {
		return nil
	}
	_, err := s.expire(ctx, "p.id IN ?", due)
	return err
}

// enqueueOwnStore writes, in the hub transaction htx, the outbox row that carries the store audit
// rows of a step taken on received packets to the actor's store, when its agency has a store in
// this process. again marks a step that may happen more than once (an open).
func (s *Service) enqueueOwnStore(htx *gorm.DB, a *authz.Actor, step string, ids []string, entries []audit.Entry, again bool, now time.Time) error {
	if !a.HasStore() || len(entries) == 0 {
		return nil
	}
	if _, err := s.stores.For(a.Country); err != nil {
		return nil // an agency of a country without a store in this process
	}
	return s.enqueueAudit(htx, a.Country, step, ids, entries, again, now)
}

// enqueueAudit writes, in the hub transaction htx, an outbox row carrying audit rows to a store.
func (s *Service) enqueueAudit(htx *gorm.DB, country, step string, ids []string, entries []audit.Entry, again bool, now time.Time) error {
	m := &message{}
	if err := m.audit(entries...); err != nil {
		return err
	}
	suffix := ""
	if again {
		suffix = uuid.Must(uuid.NewV7()).String()
	}
	return enqueue(htx, country, stepKey(ids[0], step, country, suffix), step, ids, m, now)
}

// ownStoreEntry is the store audit row of a step on a received packet.
func ownStoreEntry(a *authz.Actor, action audit.Action, r *row, extra map[string]any) audit.Entry {
	d := map[string]any{"kind": r.Kind, "sender": r.SenderSlug, "case_ref": r.CaseRef}
	for k, v := range extra {
		d[k] = v
	}
	return audit.ByActor(a, action, "packet", r.ID, d)
}

// OpenMany opens packets addressed to the actor's agency (with their payloads), with the rules of
// Open, in one hub transaction and one store transaction: all or none.
func (s *Service) OpenMany(ctx context.Context, a *authz.Actor, ids []string) ([]*Packet, error) {
	out, errs, err := s.openMany(ctx, a, ids)
	if err != nil {
		return nil, err
	}
	if err := batchErr(errs, itemField); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) openMany(ctx context.Context, a *authz.Actor, ids []string) ([]*Packet, []error, error) {
	if err := a.Require(authz.SectionInbox, authz.ActionRead); err != nil {
		return nil, nil, err
	}
	now := s.clock()
	n := len(ids)
	errs, out := make([]error, n), make([]*Packet, n)
	err := s.hub.WithContext(ctx).Transaction(func(htx *gorm.DB) error {
		rows, err := loadMany(htx, ids, "p.recipient_agency_id = ?", a.AgencyID)
		if err != nil {
			return err
		}
		for i, id := range ids {
			errs[i] = checkReceived(rows[id], now)
		}
		if anyErr(errs) {
			return errStop
		}
		payloads := make([]Payload, n)
		var opened []string
		for i, id := range ids {
			r := rows[id]
			if payloads[i], err = s.open(ctx, r); err != nil {
				return err
			}
			if r.Status == string(StatusSent) {
				r.Status, r.OpenedAt, r.UpdatedAt, r.Version = string(StatusOpened), &now, now, r.Version+1
				opened = append(opened, r.ID)
			}
		}
		if len(opened) > 0 {
			if err := htx.Exec(`UPDATE packets SET status = 'opened', opened_at = ?, updated_at = ?, version = version + 1 WHERE id IN ?`,
				now, now, opened).Error; err != nil {
				return err
			}
		}
		entries := make([]audit.Entry, n)
		storeEntries := make([]audit.Entry, n)
		for i, id := range ids {
			r := rows[id]
			out[i] = r.envelope()
			out[i].Payload = payloads[i]
			entries[i] = audit.ByActor(a, audit.PacketOpen, "packet", r.ID, detail(r, nil))
			storeEntries[i] = ownStoreEntry(a, audit.PacketOpen, r, nil)
		}
		if err := s.enqueueOwnStore(htx, a, "open", ids, storeEntries, true, now); err != nil {
			return err
		}
		return audit.AppendMany(htx, now, entries)
	})
	if err == errStop {
		return nil, errs, s.expireFound(ctx, errs, ids)
	}
	if err != nil {
		return nil, nil, err
	}
	if err := failpoint.Hit(ctx, FailOpen); err != nil {
		return nil, nil, err
	}
	s.kick(ctx, hubTarget)
	return out, errs, nil
}

// Decide accepts and declines packets addressed to the actor's agency, with the rules of Accept and
// Decline (receivers run in the actor's own store, a decision reply goes back for each), in one hub
// transaction and one store transaction: all or none.
func (s *Service) Decide(ctx context.Context, a *authz.Actor, ds []Decision) ([]*Packet, error) {
	out, errs, err := s.decideMany(ctx, a, ds, nil)
	if err != nil {
		return nil, err
	}
	if err := batchErr(errs, itemField); err != nil {
		return nil, err
	}
	return out, nil
}
