package exchange

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// PrepareMany prepares one packet per item from cases of the actor's store, with the rules of
// Prepare, in one store and one hub transaction: all or none. A refused item refuses the batch.
func (s *Service) PrepareMany(ctx context.Context, a *authz.Actor, items []CaseDraft) ([]*Packet, error) {
	out, errs, err := s.prepareMany(ctx, a, items)
	if err != nil {
		return nil, err
	}
	if err := batchErr(errs, func(i int) string {
		if items[i].Field != "" {
			return items[i].Field
		}
		return itemField(i)
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// prep is an item of a batch being prepared.
type prep struct {
	d      Draft
	spec   Spec
	known  bool
	rc     *agency
	fields []string
	c      *caseInfo
	ref    string // consent relied on
	over   bool   // overridden
	full   Payload
}

// prepareMany prepares the items; errs holds each refused item's error (nothing is written then).
func (s *Service) prepareMany(ctx context.Context, a *authz.Actor, items []CaseDraft) ([]*Packet, []error, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionPackets, authz.ActionWrite)
	if err != nil {
		return nil, nil, err
	}
	now := s.clock()
	n := len(items)
	errs, invs, ps := make([]error, n), make([]*problem.Invalid, n), make([]prep, n)
	slugs := []string{}
	for i := range items {
		if r := strings.TrimSpace(items[i].Recipient); r != "" && !slices.Contains(slugs, r) {
			slugs = append(slugs, r)
		}
	}
	ags, err := s.agenciesBy(s.hub.WithContext(ctx), "slug", slugs)
	if err != nil {
		return nil, nil, err
	}
	caseIDs := make([]string, n)
	for i, it := range items {
		p, inv := &ps[i], &problem.Invalid{}
		invs[i], caseIDs[i] = inv, it.CaseID
		d := it.Draft
		p.spec, p.known = Specs[d.Kind]
		if !p.known {
			inv.Add("kind", "packets.error.kind")
		}
		d.Override, d.Recipient = clean(d.Override), strings.TrimSpace(d.Recipient)
		if utf8.RuneCountInString(d.Override) > maxText {
			inv.Add("override", "form.error.too_long")
		}
		rc := ags[d.Recipient]
		switch {
		case d.Recipient == "":
			inv.Add("recipient", "form.error.required")
		case rc == nil:
			inv.Add("recipient", "packets.error.recipient_unknown")
		case p.known && !slices.Contains(p.spec.RecipientKinds, rc.Kind):
			inv.Add("recipient", "packets.error.recipient_kind")
		case d.Kind == KindHandover && (rc.Country == "" || rc.Country == a.Country):
			inv.Add("recipient", "packets.error.same_country")
		}
		p.rc = rc
		for _, f := range d.Fields {
			if f = strings.TrimSpace(f); f == "" || slices.Contains(p.fields, f) {
				continue
			}
			if p.known && !slices.Contains(p.spec.Fields, f) {
				inv.Add("fields", "packets.error.field_not_allowed")
				inv.Add("fields."+f, "packets.error.field_not_allowed")
			}
			p.fields = append(p.fields, f)
		}
		if d.ExpiresIn < 0 || d.ExpiresIn > 366*24*time.Hour {
			inv.Add("expires_in", "packets.error.expiry")
		}
		if d.BatchID != "" && !validID(d.BatchID) {
			inv.Add("batch_id", "packets.error.batch")
		}
		if d.Kind == KindHandover && d.BatchID == "" {
			// Only internal/handover prepares handovers, through a batch and its readiness checks.
			inv.Add("kind", "packets.error.handover_batch_only")
		}
		p.d = d
	}
	out := make([]*Packet, n)
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		found, err := findCases(tx, scope, caseIDs)
		if err != nil {
			return err
		}
		hs, err := loadHeads(tx, caseIDs)
		if err != nil {
			return err
		}
		for i := range ps {
			p := &ps[i]
			// The case first: a case outside the scope is not found, whatever the input.
			if p.c = found[caseIDs[i]]; p.c == nil {
				errs[i] = errCase
				continue
			}
			if p.c.Stage == cases.StageClosed {
				errs[i] = errClosed()
				continue
			}
			if err := invs[i].Err(); err != nil {
				errs[i] = err
				continue
			}
			if p.rc.Kind == "embassy" && !serves(p.rc.ServesNationality, p.c.Nationality) {
				errs[i] = &problem.Invalid{Fields: map[string]string{"recipient": "packets.error.embassy_nationality"}}
				continue
			}
			p.ref, p.over, errs[i] = hs.consentRule(a, p.c.ID, p.c.Nationality, p.spec, p.rc, p.d.Override, false)
		}
		if anyErr(errs) {
			return errStop
		}
		if err := s.projectAll(tx, st, ps); err != nil {
			return err
		}
		rows := make([]*row, n)
		ls := make([]caseLink, n)
		storeEntries := make([]audit.Entry, n)
		hubEntries := make([]audit.Entry, n)
		for i := range ps {
			p := &ps[i]
			fields := p.fields
			payload := Payload{}
			for k, v := range p.full {
				if slices.Contains(p.spec.Fields, k) && (len(fields) == 0 || slices.Contains(fields, k)) {
					payload[k] = v
				}
			}
			if len(fields) == 0 {
				fields = sortedKeys(payload)
			}
			if len(fields) == 0 {
				errs[i] = &problem.Invalid{Fields: map[string]string{"fields": "packets.error.fields_empty"}}
				continue
			}
			id := uuid.Must(uuid.NewV7()).String()
			sealed, err := s.seal(ctx, id, p.rc.ID, payload)
			if err != nil {
				return err
			}
			ttl := p.spec.TTL
			if p.d.ExpiresIn > 0 {
				ttl = p.d.ExpiresIn
			}
			r := &row{ID: id, Kind: string(p.d.Kind), SenderAgencyID: a.AgencyID, RecipientAgencyID: p.rc.ID, CaseRef: p.c.Reference,
				Status: string(StatusPendingApproval), SealedPayload: sealed, ExpiresAt: now.Add(ttl), CreatedAt: now,
				Purpose: string(p.spec.Purpose), Fields: fields, ConsentRef: p.ref, Override: p.over,
				BatchID: nullable(p.d.BatchID), AskedBy: nullable(a.UserID), SenderCountry: nullable(a.Country),
				SenderSlug: a.AgencySlug, RecipientSlug: p.rc.Slug}
			rows[i] = r
			ls[i] = caseLink{PacketID: id, CaseID: p.c.ID, Kind: p.d.Kind, Purpose: r.Purpose, Direction: "out"}
			storeDetail := map[string]any{"packet_id": id, "kind": p.d.Kind, "recipient": p.rc.Slug, "fields": fields,
				"consent_ref": p.ref, "override": p.over}
			if p.over {
				// The written reason stays in the sending store, never in the hub.
				storeDetail["override_reason"] = p.d.Override
			}
			storeEntries[i] = audit.ByActor(a, audit.PacketPrepare, "case", p.c.ID, storeDetail)
			hubEntries[i] = audit.ByActor(a, audit.PacketPrepare, "packet", id,
				detail(r, map[string]any{"fields": fields, "override": p.over, "consent_ref": p.ref, "case_ref": r.CaseRef}))
			out[i] = r.envelope()
			out[i].Payload = payload
		}
		if anyErr(errs) {
			return errStop
		}
		if err := recordCasePackets(tx, ls, now); err != nil {
			return err
		}
		if err := audit.AppendMany(tx, now, storeEntries); err != nil {
			return err
		}
		return s.hub.WithContext(ctx).Transaction(func(htx *gorm.DB) error {
			if err := insertMany(htx, rows); err != nil {
				return err
			}
			return audit.AppendMany(htx, now, hubEntries)
		})
	})
	if err == errStop {
		return nil, errs, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return out, errs, nil
}

// errCase is a case the actor may not see (404), as cases.Find says it.
var errCase = cases.ErrNotFound

// errClosed refuses a packet from a closed case (422): a closed case shares nothing.
func errClosed() error {
	return &problem.Invalid{Fields: map[string]string{"case": "packets.error.case_closed"}}
}

// projectAll builds the full payload of each item: a kind's BatchProjector once for all its
// items, else its Projector per item, else the draft's Extra.
func (s *Service) projectAll(tx *gorm.DB, st *store.Store, ps []prep) error {
	byKind := map[Kind][]int{}
	for i := range ps {
		byKind[ps[i].d.Kind] = append(byKind[ps[i].d.Kind], i)
	}
	for k, idx := range byKind {
		if bp := s.batchProjectors[k]; bp != nil {
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
			if proj := s.projectors[k]; proj != nil {
				full, err := proj(tx, st, p.c.ID, p.d)
				if err != nil {
					return err
				}
				p.full = full
				continue
			}
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
	out, errs, err := s.approveMany(ctx, a, refs)
	if err != nil {
		return nil, err
	}
	if err := batchErr(errs, itemField); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) approveMany(ctx context.Context, a *authz.Actor, refs []Ref) ([]*Packet, []error, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionPackets, authz.ActionApprove)
	if err != nil {
		return nil, nil, err
	}
	if err := a.Require(authz.SectionPackets, authz.ActionRead); err != nil {
		return nil, nil, err
	}
	now := s.clock()
	n := len(refs)
	errs, out := make([]error, n), make([]*Packet, n)
	ids := make([]string, n)
	for i, r := range refs {
		ids[i] = r.ID
		if !validID(r.ID) {
			errs[i] = errNoPacket
		}
	}
	if anyErr(errs) {
		return nil, errs, nil
	}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		linked, err := links(tx, ids)
		if err != nil {
			return err
		}
		caseIDs := make([]string, 0, n)
		for _, id := range ids {
			if c := linked[id]; c != "" {
				caseIDs = append(caseIDs, c)
			}
		}
		found, err := findCases(tx, scope, caseIDs)
		if err != nil {
			return err
		}
		for i, id := range ids {
			switch {
			case linked[id] == "":
				errs[i] = errNoPacket
			case found[linked[id]] == nil:
				errs[i] = errCase
			case found[linked[id]].Stage == cases.StageClosed:
				errs[i] = errClosed()
			}
		}
		if anyErr(errs) {
			return errStop
		}
		hs, err := loadHeads(tx, caseIDs)
		if err != nil {
			return err
		}
		var sent []*row
		storeEntries := make([]audit.Entry, 0, n)
		err = s.hub.WithContext(ctx).Transaction(func(htx *gorm.DB) error {
			rows, err := loadMany(htx, ids, "p.sender_agency_id = ?", a.AgencyID)
			if err != nil {
				return err
			}
			rcIDs := []string{}
			for _, r := range rows {
				rcIDs = append(rcIDs, r.RecipientAgencyID)
			}
			rcs, err := s.agenciesBy(htx, "id", rcIDs)
			if err != nil {
				return err
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
					c := found[linked[r.ID]]
					_, _, errs[i] = hs.consentRule(a, c.ID, c.Nationality, Specs[Kind(r.Kind)], rcs[r.RecipientAgencyID], "", r.Override)
				}
				if r != nil {
					seen[r.ID] = true
				}
			}
			if anyErr(errs) {
				return errStop
			}
			for _, ref := range refs {
				sent = append(sent, rows[ref.ID])
			}
			if err := htx.Exec(`UPDATE packets SET status = 'sent', approved_by = ?, updated_at = ?, version = version + 1 WHERE id IN ?`,
				a.UserID, now, idsOf(sent)).Error; err != nil {
				return err
			}
			entries := make([]audit.Entry, len(sent))
			for i, r := range sent {
				r.Status, r.ApprovedBy, r.UpdatedAt, r.Version = string(StatusSent), &a.UserID, now, r.Version+1
				entries[i] = audit.ByActor(a, audit.PacketApprove, "packet", r.ID, detail(r, map[string]any{"asked_by": deref(r.AskedBy)}))
			}
			return audit.AppendMany(htx, now, entries)
		})
		if err != nil {
			return err
		}
		for i, r := range sent {
			out[i] = r.envelope()
			storeEntries = append(storeEntries, audit.ByActor(a, audit.PacketApprove, "case", linked[r.ID],
				map[string]any{"packet_id": r.ID, "kind": r.Kind, "recipient": r.RecipientSlug}))
		}
		return audit.AppendMany(tx, now, storeEntries)
	})
	if err == errStop {
		return nil, errs, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return out, errs, nil
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

// ownStoreAudit writes the store audit rows of steps taken on received packets, when the actor's
// agency has a store in this process.
func (s *Service) ownStoreAudit(ctx context.Context, a *authz.Actor, entries []audit.Entry) error {
	if !a.HasStore() || len(entries) == 0 {
		return nil
	}
	st, err := s.stores.For(a.Country)
	if err != nil {
		return nil // an agency of a country without a store in this process
	}
	return st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return audit.AppendMany(tx, s.clock(), entries)
	})
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
	var storeEntries []audit.Entry
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
		for i, id := range ids {
			r := rows[id]
			out[i] = r.envelope()
			out[i].Payload = payloads[i]
			entries[i] = audit.ByActor(a, audit.PacketOpen, "packet", r.ID, detail(r, nil))
			storeEntries = append(storeEntries, ownStoreEntry(a, audit.PacketOpen, r, nil))
		}
		return audit.AppendMany(htx, now, entries)
	})
	if err == errStop {
		return nil, errs, s.expireFound(ctx, errs, ids)
	}
	if err != nil {
		return nil, nil, err
	}
	if err := s.ownStoreAudit(ctx, a, storeEntries); err != nil {
		return nil, nil, err
	}
	return out, errs, nil
}

// Decide accepts and declines packets addressed to the actor's agency, with the rules of Accept and
// Decline (receivers run in the actor's own store, a decision reply goes back for each), in one hub
// transaction and one store transaction: all or none.
func (s *Service) Decide(ctx context.Context, a *authz.Actor, ds []Decision) ([]*Packet, error) {
	out, errs, err := s.decideMany(ctx, a, ds)
	if err != nil {
		return nil, err
	}
	if err := batchErr(errs, itemField); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) decideMany(ctx context.Context, a *authz.Actor, ds []Decision) ([]*Packet, []error, error) {
	if err := a.Require(authz.SectionInbox, authz.ActionWrite); err != nil {
		return nil, nil, err
	}
	now := s.clock()
	n := len(ds)
	errs, invs, out := make([]error, n), make([]*problem.Invalid, n), make([]*Packet, n)
	ids := make([]string, n)
	for i := range ds {
		d := &ds[i]
		ids[i] = d.ID
		inv := &problem.Invalid{}
		if !d.Accept {
			d.Reason = clean(d.Reason)
			if d.Reason == "" {
				inv.Add("reason", "form.error.required")
			} else if utf8.RuneCountInString(d.Reason) > maxText {
				inv.Add("reason", "form.error.too_long")
			}
		}
		invs[i] = inv
	}
	var storeEntries []audit.Entry
	err := s.hub.WithContext(ctx).Transaction(func(htx *gorm.DB) error {
		rows, err := loadMany(htx, ids, "p.recipient_agency_id = ?", a.AgencyID)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for i, d := range ds {
			r := rows[d.ID]
			if errs[i] = checkReceived(r, now); errs[i] != nil {
				continue
			}
			if errs[i] = invs[i].Err(); errs[i] != nil {
				continue
			}
			if seen[r.ID] || r.Status == string(StatusAccepted) || r.Status == string(StatusDeclined) {
				errs[i] = problem.ErrConflict
			}
			seen[r.ID] = true
		}
		if anyErr(errs) {
			return errStop
		}
		// Receivers write into the accepting actor's own store, never another, in one transaction.
		newRefs := make([]string, n)
		var recv []int
		for i, d := range ds {
			if d.Accept && s.hasReceiver(Kind(rows[d.ID].Kind)) {
				recv = append(recv, i)
			}
		}
		if len(recv) > 0 {
			if err := s.receiveAll(ctx, a, ds, rows, recv, newRefs, now); err != nil {
				return err
			}
		}
		var acceptErase, accept, decline []string
		hubEntries := make([]audit.Entry, 0, 2*n)
		var replies []*row
		for i, d := range ds {
			r := rows[d.ID]
			if d.Accept {
				r.Status, r.DecidedAt, r.UpdatedAt, r.Version = string(StatusAccepted), &now, now, r.Version+1
				if s.hasReceiver(Kind(r.Kind)) {
					acceptErase = append(acceptErase, r.ID) // its data now lives in the accepting store
					r.SealedPayload = nil
				} else {
					accept = append(accept, r.ID)
					storeEntries = append(storeEntries, ownStoreEntry(a, audit.PacketAccept, r, nil))
				}
				hubEntries = append(hubEntries, audit.ByActor(a, audit.PacketAccept, "packet", r.ID, detail(r, map[string]any{"new_case_ref": newRefs[i]})))
			} else {
				r.Status, r.DecidedAt, r.SealedPayload, r.Reason, r.UpdatedAt, r.Version = string(StatusDeclined), &now, nil, "declined", now, r.Version+1
				decline = append(decline, r.ID)
				storeEntries = append(storeEntries, ownStoreEntry(a, audit.PacketDecline, r, map[string]any{"reason": d.Reason}))
				hubEntries = append(hubEntries, audit.ByActor(a, audit.PacketDecline, "packet", r.ID, detail(r, nil)))
			}
			if r.Kind != string(KindReply) {
				// A decline's reason travels sealed to the sender, never in clear in the hub.
				reason := d.Reason
				if d.Accept {
					reason = ""
				}
				reply, err := s.newReply(ctx, a, r, decision(Kind(r.Kind), d.Accept, reason, newRefs[i]), now)
				if err != nil {
					return err
				}
				replies = append(replies, reply)
				hubEntries = append(hubEntries, audit.ByActor(a, audit.PacketReply, "packet", reply.ID, detail(reply, map[string]any{"reply_to": r.ID})))
			}
			out[i] = r.envelope()
		}
		updates := []struct {
			q   string
			ids []string
		}{
			{`UPDATE packets SET status = 'accepted', decided_at = ?, updated_at = ?, version = version + 1, sealed_payload = NULL WHERE id IN ?`, acceptErase},
			{`UPDATE packets SET status = 'accepted', decided_at = ?, updated_at = ?, version = version + 1 WHERE id IN ?`, accept},
			{`UPDATE packets SET status = 'declined', decided_at = ?, sealed_payload = NULL, reason = 'declined', updated_at = ?, version = version + 1 WHERE id IN ?`, decline},
		}
		for _, u := range updates {
			if len(u.ids) > 0 {
				if err := htx.Exec(u.q, now, now, u.ids).Error; err != nil {
					return err
				}
			}
		}
		if len(replies) > 0 {
			if err := insertMany(htx, replies); err != nil {
				return err
			}
		}
		return audit.AppendMany(htx, now, hubEntries)
	})
	if err == errStop {
		return nil, errs, s.expireFound(ctx, errs, ids)
	}
	if err != nil {
		return nil, nil, err
	}
	if err := s.ownStoreAudit(ctx, a, storeEntries); err != nil {
		return nil, nil, err
	}
	return out, errs, nil
}

// receiveAll runs the Receivers of the accepted items recv in the actor's own store, in one
// transaction: each new case is linked to its packet and the acceptance audited under it.
func (s *Service) receiveAll(ctx context.Context, a *authz.Actor, ds []Decision, rows map[string]*row, recv []int, newRefs []string, now time.Time) error {
	st, _, err := s.stores.Bind(a, authz.SectionCases, authz.ActionWrite)
	if err != nil {
		return err
	}
	packets := make([]*Packet, len(recv))
	for j, i := range recv {
		r := rows[ds[i].ID]
		p := r.envelope()
		if p.Payload, err = s.open(ctx, r); err != nil {
			return err
		}
		packets[j] = p
	}
	return st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		byKind := map[Kind][]int{} // positions in recv
		for j := range recv {
			byKind[packets[j].Kind] = append(byKind[packets[j].Kind], j)
		}
		for k, js := range byKind {
			if f := s.batchReceivers[k]; f != nil {
				ps := make([]*Packet, len(js))
				for x, j := range js {
					ps[x] = packets[j]
				}
				got, err := f(ctx, tx, st, a, ps)
				if err != nil {
					return err
				}
				if len(got) != len(js) {
					return fmt.Errorf("exchange: receiver of %s returned %d references for %d packets", k, len(got), len(js))
				}
				for x, j := range js {
					newRefs[recv[j]] = got[x]
				}
				continue
			}
			for _, j := range js {
				ref, err := s.receivers[k](ctx, tx, st, a, packets[j])
				if err != nil {
					return err
				}
				newRefs[recv[j]] = ref
			}
		}
		refs := make([]string, 0, len(recv))
		for _, i := range recv {
			refs = append(refs, newRefs[i])
		}
		var cs []struct{ ID, Reference string }
		if err := tx.Raw(`SELECT id, reference FROM cases WHERE reference IN ?`, refs).Scan(&cs).Error; err != nil {
			return err
		}
		byRef := map[string][]string{}
		for _, c := range cs {
			byRef[c.Reference] = append(byRef[c.Reference], c.ID)
		}
		var ls []caseLink
		entries := make([]audit.Entry, len(recv))
		for j, i := range recv {
			r, ref := rows[ds[i].ID], newRefs[i]
			entity, id := "packet", r.ID
			if got := byRef[ref]; len(got) == 1 {
				ls = append(ls, caseLink{PacketID: r.ID, CaseID: got[0], Kind: Kind(r.Kind), Purpose: r.Purpose, Direction: "in"})
				entity, id = "case", got[0]
			}
			entries[j] = audit.ByActor(a, audit.PacketAccept, entity, id,
				map[string]any{"packet_id": r.ID, "kind": r.Kind, "sender": r.SenderSlug, "case_ref": r.CaseRef, "new_case_ref": ref})
		}
		if len(ls) > 0 {
			if err := recordCasePackets(tx, ls, now); err != nil {
				return err
			}
		}
		return audit.AppendMany(tx, now, entries)
	})
}
