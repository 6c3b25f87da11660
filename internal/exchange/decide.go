package exchange

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/failpoint"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// DecideWith is Decide with also's hub effects in the decision's outbox row (a handover batch's
// receiving officials), so the answer is recorded with the decisions or not at all.
func (s *Service) DecideWith(ctx context.Context, a *authz.Actor, ds []Decision, also *Also) ([]*Packet, error) {
	out, errs, err := s.decideMany(ctx, a, ds, also)
	if err != nil {
		return nil, err
	}
	if err := batchErr(errs, itemField); err != nil {
		return nil, err
	}
	return out, nil
}

// decision being taken: the packet, and what the decision writes.
type deciding struct {
	d      Decision
	r      *row
	newRef string // the case a Receiver made of it
	reply  *row
}

// decideMany decides in one commit. An agency with a store in this process decides in its store
// (the decision's key in applied_steps makes it once only; the new cases, the links, the store
// audit rows and an outbox row carrying the hub's side: statuses, replies, hub audit rows); an
// agency without a store decides in the hub.
func (s *Service) decideMany(ctx context.Context, a *authz.Actor, ds []Decision, also *Also) ([]*Packet, []error, error) {
	if err := a.Require(authz.SectionInbox, authz.ActionWrite); err != nil {
		return nil, nil, err
	}
	now := s.clock()
	items, ids, errs, err := s.decideLoad(ctx, a, ds, now)
	if err != nil {
		return nil, nil, err
	}
	if anyErr(errs) {
		return nil, errs, s.expireFound(ctx, errs, ids)
	}
	st, err := s.stores.For(a.Country)
	if !a.HasStore() || err != nil {
		err = s.decideInHub(ctx, a, items, errs, now)
	} else {
		err = s.decideInStore(ctx, a, st, items, errs, now, also)
	}
	if err == errStop {
		return nil, errs, nil
	}
	if err != nil {
		return nil, nil, err
	}
	out := make([]*Packet, len(items))
	for i, it := range items {
		out[i] = it.r.envelope()
	}
	return out, errs, nil
}

// decideLoad checks the reasons and reads the packets: each must be addressed to the actor's
// agency, outstanding and not yet decided.
func (s *Service) decideLoad(ctx context.Context, a *authz.Actor, ds []Decision, now time.Time) ([]*deciding, []string, []error, error) {
	n := len(ds)
	items, ids, errs := make([]*deciding, n), make([]string, n), make([]error, n)
	for i := range ds {
		ids[i] = ds[i].ID
	}
	rows, err := loadMany(s.hub.WithContext(ctx), ids, "p.recipient_agency_id = ?", a.AgencyID)
	if err != nil {
		return nil, nil, nil, err
	}
	seen := map[string]bool{}
	for i, d := range ds {
		inv := &problem.Invalid{}
		if !d.Accept {
			d.Reason = clean(d.Reason)
			if d.Reason == "" {
				inv.Add("reason", "form.error.required")
			} else if utf8.RuneCountInString(d.Reason) > maxText {
				inv.Add("reason", "form.error.too_long")
			}
		}
		r := rows[d.ID]
		items[i] = &deciding{d: d, r: r}
		switch {
		case checkReceived(r, now) != nil:
			errs[i] = checkReceived(r, now)
		case inv.Err() != nil:
			errs[i] = inv.Err()
		case seen[r.ID] || r.Status == string(StatusAccepted) || r.Status == string(StatusDeclined):
			errs[i] = problem.ErrConflict
		}
		if r != nil {
			seen[r.ID] = true
		}
	}
	return items, ids, errs, nil
}

// decideInStore takes the decisions in the actor's store, in one transaction.
func (s *Service) decideInStore(ctx context.Context, a *authz.Actor, st *store.Store, items []*deciding, errs []error, now time.Time, also *Also) error {
	err := st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := claimDecisions(tx, items, errs, now); err != nil {
			return err
		}
		storeEntries, err := s.receiveIn(ctx, tx, st, a, items, now)
		if err != nil {
			return err
		}
		m, err := s.decideMessage(ctx, a, items, now, also)
		if err != nil {
			return err
		}
		for _, it := range items {
			if !it.d.Accept || !s.hasReceiver(Kind(it.r.Kind)) {
				action, extra := audit.PacketAccept, map[string]any(nil)
				if !it.d.Accept {
					action, extra = audit.PacketDecline, map[string]any{"reason": it.d.Reason}
				}
				storeEntries = append(storeEntries, ownStoreEntry(a, action, it.r, extra))
			}
		}
		ids := make([]string, len(items))
		for i, it := range items {
			ids[i] = it.r.ID
		}
		if err := enqueue(tx, hubTarget, stepKey(ids[0], "decide", hubTarget, ""), "decide", ids, m, now); err != nil {
			return err
		}
		return audit.AppendMany(tx, now, storeEntries)
	})
	if err != nil {
		return err
	}
	if err := failpoint.Hit(ctx, FailDecide); err != nil {
		return err
	}
	s.kick(ctx, st.Country)
	return nil
}

// claimDecisions records each decision's key in the store's applied_steps: a packet this store
// decided before is a conflict (409), whatever the hub says yet.
func claimDecisions(tx *gorm.DB, items []*deciding, errs []error, now time.Time) error {
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = stepKey(it.r.ID, "decided", "local", "")
	}
	var taken []string
	if err := tx.Raw(`SELECT key FROM applied_steps WHERE key IN ? FOR UPDATE`, keys).Scan(&taken).Error; err != nil {
		return fmt.Errorf("exchange: decisions: %w", err)
	}
	for i, k := range keys {
		for _, t := range taken {
			if t == k {
				errs[i] = problem.ErrConflict
			}
		}
	}
	if anyErr(errs) {
		return errStop
	}
	rows := make([][]any, len(keys))
	for i, k := range keys {
		rows[i] = []any{k, now}
	}
	if err := insertValues(tx, `INSERT INTO applied_steps (key, applied_at) VALUES `, "", 2, rows); err != nil {
		return fmt.Errorf("%w: %w", problem.ErrConflict, err) // decided at the same moment by another request
	}
	return nil
}

// decideMessage sets the decisions on the rows, builds the replies and the hub's side of the step:
// the statuses, the replies and the hub audit rows.
func (s *Service) decideMessage(ctx context.Context, a *authz.Actor, items []*deciding, now time.Time, also *Also) (*message, error) {
	hubEntries, ds, replies, err := s.decideRows(ctx, a, items, now)
	if err != nil {
		return nil, err
	}
	m := &message{}
	if err := m.add(effectDecide, ds); err != nil {
		return nil, err
	}
	if err := m.add(effectInsertPackets, replies); err != nil {
		return nil, err
	}
	if also != nil {
		for _, e := range also.HubEffects {
			if err := m.add(e.Name, e.Data); err != nil {
				return nil, err
			}
		}
	}
	return m, m.audit(hubEntries...)
}

// decideRows applies the decisions to the rows in memory and builds the replies and hub audit rows.
func (s *Service) decideRows(ctx context.Context, a *authz.Actor, items []*deciding, now time.Time) ([]audit.Entry, []decided, []*row, error) {
	var entries []audit.Entry
	var replies []*row
	ds := make([]decided, len(items))
	for i, it := range items {
		r := it.r
		erase := it.d.Accept && s.hasReceiver(Kind(r.Kind))
		ds[i] = decided{ID: r.ID, Accept: it.d.Accept, Erase: erase, At: now.Format(time.RFC3339Nano)}
		if it.d.Accept {
			r.Status, r.DecidedAt, r.UpdatedAt, r.Version = string(StatusAccepted), &now, now, r.Version+1
			if erase {
				r.SealedPayload = nil // its data now lives in the accepting store
			}
			entries = append(entries, audit.ByActor(a, audit.PacketAccept, "packet", r.ID, detail(r, map[string]any{"new_case_ref": it.newRef})))
		} else {
			r.Status, r.DecidedAt, r.SealedPayload, r.Reason, r.UpdatedAt, r.Version = string(StatusDeclined), &now, nil, "declined", now, r.Version+1
			entries = append(entries, audit.ByActor(a, audit.PacketDecline, "packet", r.ID, detail(r, nil)))
		}
		if r.Kind == string(KindReply) {
			continue
		}
		reason := it.d.Reason // a decline's reason travels sealed to the sender, never in clear in the hub
		if it.d.Accept {
			reason = ""
		}
		reply, err := s.newReply(ctx, a, r, decision(Kind(r.Kind), it.d.Accept, reason, it.newRef), now)
		if err != nil {
			return nil, nil, nil, err
		}
		it.reply, replies = reply, append(replies, reply)
		entries = append(entries, audit.ByActor(a, audit.PacketReply, "packet", reply.ID, detail(reply, map[string]any{"reply_to": r.ID})))
	}
	return entries, ds, replies, nil
}

// decideInHub takes the decisions of an agency without a store in one hub transaction.
func (s *Service) decideInHub(ctx context.Context, a *authz.Actor, items []*deciding, errs []error, now time.Time) error {
	err := s.hub.WithContext(ctx).Transaction(func(htx *gorm.DB) error {
		ids := make([]string, len(items))
		for i, it := range items {
			ids[i] = it.r.ID
		}
		rows, err := loadMany(htx, ids, "p.recipient_agency_id = ?", a.AgencyID)
		if err != nil {
			return err
		}
		for i, it := range items {
			if r := rows[it.r.ID]; r == nil || r.Status == string(StatusAccepted) || r.Status == string(StatusDeclined) {
				errs[i] = problem.ErrConflict
			}
		}
		if anyErr(errs) {
			return errStop
		}
		for _, it := range items {
			if it.d.Accept && s.hasReceiver(Kind(it.r.Kind)) {
				return fmt.Errorf("exchange: %s packets are accepted only by an agency with a store", it.r.Kind)
			}
		}
		entries, ds, replies, err := s.decideRows(ctx, a, items, now)
		if err != nil {
			return err
		}
		if err := setDecisions(htx, ds); err != nil {
			return err
		}
		if len(replies) > 0 {
			if err := insertMany(htx, replies); err != nil {
				return err
			}
		}
		return audit.AppendMany(htx, now, entries)
	})
	if err != nil {
		return err
	}
	return failpoint.Hit(ctx, FailDecide)
}
