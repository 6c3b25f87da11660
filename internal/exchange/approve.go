package exchange

import (
	"context"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/failpoint"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// Also is what another package adds to a step, inside the step's one transaction.
type Also struct {
	// Hub runs in the hub transaction of a step that commits in the hub (approve), after its writes.
	Hub func(htx *gorm.DB, now time.Time) error
	// Store runs in the store transaction of a step that commits in the store (prepare, decide),
	// after its writes, with the step's packets.
	Store func(tx *gorm.DB, packets []*Packet, now time.Time) error
	// StoreAudit are more audit rows for the store the step's outbox row goes to.
	StoreAudit []audit.Entry
	// HubEffects are more effects the step's outbox row asks of the hub (registered with OnHub).
	HubEffects []Effect
}

// Effect is an effect a store's outbox row asks of the hub: a name registered with OnHub, and its
// data (marshalled to JSON).
type Effect struct {
	Name string
	Data any
}

// ApproveManyWith is ApproveMany with also's work in the same hub transaction (a handover batch's
// status) and also's store audit rows in the same outbox row.
func (s *Service) ApproveManyWith(ctx context.Context, a *authz.Actor, refs []Ref, also *Also) ([]*Packet, error) {
	out, errs, err := s.approveMany(ctx, a, refs, also)
	if err != nil {
		return nil, err
	}
	if err := batchErr(errs, itemField); err != nil {
		return nil, err
	}
	return out, nil
}

// approved is what the sending store says about packets to approve: their cases and consents.
type approved struct {
	linked map[string]string // packet -> case
	found  map[string]*caseInfo
	heads  heads
}

// approveMany approves in the hub, in one transaction: the packets go to 'sent' with the hub audit
// rows and an outbox row carrying the sending store's audit rows (relayed, never lost).
func (s *Service) approveMany(ctx context.Context, a *authz.Actor, refs []Ref, also *Also) ([]*Packet, []error, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionPackets, authz.ActionApprove)
	if err != nil {
		return nil, nil, err
	}
	if err := a.Require(authz.SectionPackets, authz.ActionRead); err != nil {
		return nil, nil, err
	}
	ids, errs := refIDs(refs)
	if anyErr(errs) {
		return nil, errs, nil
	}
	sc, err := approveLoad(ctx, st, scope, ids, errs)
	if err != nil || anyErr(errs) {
		return nil, errs, err
	}
	now := s.clock()
	var sent []*row
	err = s.hub.WithContext(ctx).Transaction(func(htx *gorm.DB) error {
		if sent, err = s.approveCheck(htx, a, refs, ids, sc, now, errs); err != nil {
			return err
		}
		return s.approveWrite(htx, a, st.Country, sent, sc, now, also)
	})
	if err == errStop {
		return nil, errs, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if err := failpoint.Hit(ctx, FailApprove); err != nil {
		return nil, nil, err
	}
	s.kick(ctx, hubTarget)
	out := make([]*Packet, len(sent))
	for i, r := range sent {
		out[i] = r.envelope()
	}
	return out, errs, nil
}

// refIDs are the refs' ids; an id that is no UUID is not found.
func refIDs(refs []Ref) ([]string, []error) {
	ids, errs := make([]string, len(refs)), make([]error, len(refs))
	for i, r := range refs {
		ids[i] = r.ID
		if !validID(r.ID) {
			errs[i] = errNoPacket
		}
	}
	return ids, errs
}

// approveLoad reads, in the sending store, the case of each packet (in the actor's scope, not
// closed) and the consents in force.
func approveLoad(ctx context.Context, st *store.Store, scope authz.Scope, ids []string, errs []error) (*approved, error) {
	sc := &approved{}
	err := st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if sc.linked, err = links(tx, ids); err != nil {
			return err
		}
		caseIDs := make([]string, 0, len(ids))
		for _, id := range ids {
			if c := sc.linked[id]; c != "" {
				caseIDs = append(caseIDs, c)
			}
		}
		if sc.found, err = findCases(tx, scope, caseIDs); err != nil {
			return err
		}
		for i, id := range ids {
			switch {
			case sc.linked[id] == "":
				errs[i] = errNoPacket
			case sc.found[sc.linked[id]] == nil:
				errs[i] = errCase
			case sc.found[sc.linked[id]].Stage == cases.StageClosed:
				errs[i] = errClosed()
			}
		}
		sc.heads, err = loadHeads(tx, caseIDs)
		return err
	})
	return sc, err
}

// approveCheck loads the packets locked and checks each: pending, current version, not expired,
// not the actor's own, consent still in force. A refused item stops the batch (errStop).
func (s *Service) approveCheck(htx *gorm.DB, a *authz.Actor, refs []Ref, ids []string, sc *approved, now time.Time, errs []error) ([]*row, error) {
	rows, err := loadMany(htx, ids, "p.sender_agency_id = ?", a.AgencyID)
	if err != nil {
		return nil, err
	}
	rcIDs := []string{}
	for _, r := range rows {
		rcIDs = append(rcIDs, r.RecipientAgencyID)
	}
	rcs, err := s.agenciesBy(htx, "id", rcIDs)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, ref := range refs {
		r := rows[ref.ID]
		switch {
		case r == nil:
			errs[i] = errNoPacket
		case seen[r.ID] || r.Status != string(StatusPendingApproval) || (ref.Version != 0 && ref.Version != r.Version) || !r.ExpiresAt.After(now):
			errs[i] = problem.ErrConflict
		case deref(r.AskedBy) == a.UserID:
			errs[i] = &problem.Invalid{Fields: map[string]string{"approver": "packets.error.approve_own"}}
		default:
			c := sc.found[sc.linked[r.ID]]
			_, _, errs[i] = sc.heads.consentRule(a, c.ID, c.Nationality, s.kinds[Kind(r.Kind)].Spec, rcs[r.RecipientAgencyID], "", r.Override)
		}
		if r != nil {
			seen[r.ID] = true
		}
	}
	if anyErr(errs) {
		return nil, errStop
	}
	sent := make([]*row, len(refs))
	for i, ref := range refs {
		sent[i] = rows[ref.ID]
	}
	return sent, nil
}

// approveWrite sends the packets, writes the hub audit rows and the outbox row of the sending
// store's audit rows, then also's work.
func (s *Service) approveWrite(htx *gorm.DB, a *authz.Actor, country string, sent []*row, sc *approved, now time.Time, also *Also) error {
	if err := htx.Exec(`UPDATE packets SET status = 'sent', approved_by = ?, updated_at = ?, version = version + 1 WHERE id IN ?`,
		a.UserID, now, idsOf(sent)).Error; err != nil {
		return err
	}
	hubEntries := make([]audit.Entry, len(sent))
	m := &message{}
	for i, r := range sent {
		r.Status, r.ApprovedBy, r.UpdatedAt, r.Version = string(StatusSent), &a.UserID, now, r.Version+1
		hubEntries[i] = audit.ByActor(a, audit.PacketApprove, "packet", r.ID, detail(r, map[string]any{"asked_by": deref(r.AskedBy)}))
		if err := m.audit(audit.ByActor(a, audit.PacketApprove, "case", sc.linked[r.ID],
			map[string]any{"packet_id": r.ID, "kind": r.Kind, "recipient": r.RecipientSlug})); err != nil {
			return err
		}
	}
	if also != nil {
		if also.Hub != nil {
			if err := also.Hub(htx, now); err != nil {
				return err
			}
		}
		if err := m.audit(also.StoreAudit...); err != nil {
			return err
		}
	}
	ids := idsOf(sent)
	if err := enqueue(htx, country, stepKey(ids[0], "approve", country, ""), "approve", ids, m, now); err != nil {
		return err
	}
	return audit.AppendMany(htx, now, hubEntries)
}
