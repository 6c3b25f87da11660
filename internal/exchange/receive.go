package exchange

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/store"
)

// receiveIn runs the Receivers of the accepted items of a kind that has one, in the accepting
// store's transaction tx: each new case is linked to its packet and the acceptance audited under
// it (the rows returned). It sets each item's newRef.
func (s *Service) receiveIn(ctx context.Context, tx *gorm.DB, st *store.Store, a *authz.Actor, items []*deciding, now time.Time) ([]audit.Entry, error) {
	var recv []*deciding
	for _, it := range items {
		if it.d.Accept && s.hasReceiver(Kind(it.r.Kind)) {
			recv = append(recv, it)
		}
	}
	if len(recv) == 0 {
		return nil, nil
	}
	if err := a.Require(authz.SectionCases, authz.ActionWrite); err != nil {
		return nil, err
	}
	if err := s.runReceivers(ctx, tx, st, a, recv); err != nil {
		return nil, err
	}
	return receivedLinks(tx, a, recv, now)
}

// runReceivers opens the payloads and runs each kind's BatchReceiver once, setting each item's newRef.
func (s *Service) runReceivers(ctx context.Context, tx *gorm.DB, st *store.Store, a *authz.Actor, recv []*deciding) error {
	byKind := map[Kind][]*deciding{}
	packets := map[*deciding]*Packet{}
	for _, it := range recv {
		p := it.r.envelope()
		var err error
		if p.Payload, err = s.open(ctx, it.r); err != nil {
			return err
		}
		packets[it] = p
		byKind[p.Kind] = append(byKind[p.Kind], it)
	}
	for k, its := range byKind {
		ps := make([]*Packet, len(its))
		for x, it := range its {
			ps[x] = packets[it]
		}
		got, err := s.kinds[k].Receive(ctx, tx, st, a, ps)
		if err != nil {
			return err
		}
		if len(got) != len(its) {
			return fmt.Errorf("exchange: receiver of %s returned %d references for %d packets", k, len(got), len(its))
		}
		for x, it := range its {
			it.newRef = got[x]
		}
	}
	return nil
}

// receivedLinks links each new case to its packet and returns the acceptances' store audit rows.
func receivedLinks(tx *gorm.DB, a *authz.Actor, recv []*deciding, now time.Time) ([]audit.Entry, error) {
	refs := make([]string, 0, len(recv))
	for _, it := range recv {
		refs = append(refs, it.newRef)
	}
	var cs []struct{ ID, Reference string }
	if err := tx.Raw(`SELECT id, reference FROM cases WHERE reference IN ?`, refs).Scan(&cs).Error; err != nil {
		return nil, err
	}
	byRef := map[string][]string{}
	for _, c := range cs {
		byRef[c.Reference] = append(byRef[c.Reference], c.ID)
	}
	var ls []caseLink
	entries := make([]audit.Entry, len(recv))
	for j, it := range recv {
		r := it.r
		entity, id := "packet", r.ID
		if got := byRef[it.newRef]; len(got) == 1 {
			ls = append(ls, caseLink{PacketID: r.ID, CaseID: got[0], Kind: Kind(r.Kind), Purpose: r.Purpose, Direction: "in"})
			entity, id = "case", got[0]
		}
		entries[j] = audit.ByActor(a, audit.PacketAccept, entity, id,
			map[string]any{"packet_id": r.ID, "kind": r.Kind, "sender": r.SenderSlug, "case_ref": r.CaseRef, "new_case_ref": it.newRef})
	}
	if len(ls) > 0 {
		if err := recordCasePackets(tx, ls, now); err != nil {
			return nil, err
		}
	}
	return entries, nil
}
