package exchange

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/failpoint"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// PrepareMany prepares one packet per item from cases of the actor's store, with the rules of
// Prepare, all or none: the store commits the links, its audit rows and an outbox row carrying the
// packets and their hub audit rows, which the relay writes into the hub. A refused item refuses
// the batch.
func (s *Service) PrepareMany(ctx context.Context, a *authz.Actor, items []CaseDraft) ([]*Packet, error) {
	return s.PrepareManyWith(ctx, a, items, nil)
}

// PrepareManyWith is PrepareMany with also's work in the same store transaction and also's hub
// effects in the same outbox row (a handover batch's persons and envelope).
func (s *Service) PrepareManyWith(ctx context.Context, a *authz.Actor, items []CaseDraft, also *Also) ([]*Packet, error) {
	out, errs, err := s.prepareMany(ctx, a, items, also)
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
	row    *row
}

// prepareMany prepares the items; errs holds each refused item's error (nothing is written then).
func (s *Service) prepareMany(ctx context.Context, a *authz.Actor, items []CaseDraft, also *Also) ([]*Packet, []error, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionPackets, authz.ActionWrite)
	if err != nil {
		return nil, nil, err
	}
	ps, invs, err := s.prepareInput(ctx, a, items, also != nil)
	if err != nil {
		return nil, nil, err
	}
	now := s.clock()
	errs := make([]error, len(items))
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := prepareCheck(tx, a, scope, items, ps, invs, errs); err != nil {
			return err
		}
		if err := s.projectAll(tx, st, ps); err != nil {
			return err
		}
		if err := s.prepareRows(ctx, a, ps, errs, now); err != nil {
			return err
		}
		return s.prepareWrite(tx, a, st, ps, now, also)
	})
	if err == errStop {
		return nil, errs, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if err := failpoint.Hit(ctx, FailPrepare); err != nil {
		return nil, nil, err
	}
	s.kick(ctx, st.Country)
	out := make([]*Packet, len(ps))
	for i := range ps {
		out[i] = ps[i].row.envelope()
		out[i].Payload = ps[i].full
	}
	return out, errs, nil
}

// prepareInput checks what needs no store: kind, recipient, fields, expiry, batch.
func (s *Service) prepareInput(ctx context.Context, a *authz.Actor, items []CaseDraft, own bool) ([]prep, []*problem.Invalid, error) {
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
	ps, invs := make([]prep, len(items)), make([]*problem.Invalid, len(items))
	for i, it := range items {
		ps[i], invs[i] = s.checkDraft(a, it.Draft, ags)
		if p, ok := s.plugin(it.Kind); ok && p.OwnPath && !own {
			invs[i].Add("kind", "packets.error.kind") // not prepared here: only by its own package
		}
	}
	return ps, invs, nil
}

// checkDraft checks one draft against its registered kind's spec and the recipient.
func (s *Service) checkDraft(a *authz.Actor, d Draft, ags map[string]*agency) (prep, *problem.Invalid) {
	p, inv := prep{}, &problem.Invalid{}
	var kind Plugin
	kind, p.known = s.plugin(d.Kind)
	p.spec = kind.Spec
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
	return p, inv
}

// prepareCheck checks each item's case in the store (in scope, not closed), the embassy's
// nationality and the consent rules; a refused item stops the batch (errStop).
func prepareCheck(tx *gorm.DB, a *authz.Actor, scope authz.Scope, items []CaseDraft, ps []prep, invs []*problem.Invalid, errs []error) error {
	caseIDs := make([]string, len(items))
	for i := range items {
		caseIDs[i] = items[i].CaseID
	}
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
	return nil
}

// prepareRows keeps each payload's asked fields and seals it into a new pending packet row.
func (s *Service) prepareRows(ctx context.Context, a *authz.Actor, ps []prep, errs []error, now time.Time) error {
	for i := range ps {
		p := &ps[i]
		payload := Payload{}
		for k, v := range p.full {
			if slices.Contains(p.spec.Fields, k) && (len(p.fields) == 0 || slices.Contains(p.fields, k)) {
				payload[k] = v
			}
		}
		if len(p.fields) == 0 {
			p.fields = sortedKeys(payload)
		}
		if len(p.fields) == 0 {
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
		p.full = payload
		p.row = &row{ID: id, Kind: string(p.d.Kind), SenderAgencyID: a.AgencyID, RecipientAgencyID: p.rc.ID, CaseRef: p.c.Reference,
			Status: string(StatusPendingApproval), SealedPayload: sealed, ExpiresAt: now.Add(ttl), CreatedAt: now, UpdatedAt: now, Version: 1,
			Purpose: string(p.spec.Purpose), Fields: p.fields, ConsentRef: p.ref, Override: p.over,
			BatchID: nullable(p.d.BatchID), AskedBy: nullable(a.UserID), SenderCountry: nullable(a.Country),
			SenderSlug: a.AgencySlug, RecipientSlug: p.rc.Slug}
	}
	if anyErr(errs) {
		return errStop
	}
	return nil
}

// prepareWrite writes, in the store, the links, the store audit rows, also's work and the outbox
// row that carries the packets and their hub audit rows to the hub.
func (s *Service) prepareWrite(tx *gorm.DB, a *authz.Actor, st *store.Store, ps []prep, now time.Time, also *Also) error {
	ls, rows := make([]caseLink, len(ps)), make([]*row, len(ps))
	storeEntries, hubEntries := make([]audit.Entry, len(ps)), make([]audit.Entry, len(ps))
	for i := range ps {
		p, r := &ps[i], ps[i].row
		rows[i] = r
		ls[i] = caseLink{PacketID: r.ID, CaseID: p.c.ID, Kind: p.d.Kind, Purpose: r.Purpose, Direction: "out"}
		d := map[string]any{"packet_id": r.ID, "kind": p.d.Kind, "recipient": p.rc.Slug, "fields": p.fields,
			"consent_ref": p.ref, "override": p.over}
		if p.over {
			d["override_reason"] = p.d.Override // the written reason stays in the sending store, never in the hub
		}
		storeEntries[i] = audit.ByActor(a, audit.PacketPrepare, "case", p.c.ID, d)
		hubEntries[i] = audit.ByActor(a, audit.PacketPrepare, "packet", r.ID,
			detail(r, map[string]any{"fields": p.fields, "override": p.over, "consent_ref": p.ref, "case_ref": r.CaseRef}))
	}
	if err := recordCasePackets(tx, ls, now); err != nil {
		return err
	}
	m := &message{}
	if err := m.add(effectInsertPackets, rows); err != nil {
		return err
	}
	if err := s.alsoStore(tx, m, rows, now, also); err != nil {
		return err
	}
	if err := m.audit(hubEntries...); err != nil {
		return err
	}
	ids := idsOf(rows)
	if err := enqueue(tx, hubTarget, stepKey(ids[0], "prepare", hubTarget, ""), "prepare", ids, m, now); err != nil {
		return err
	}
	return audit.AppendMany(tx, now, storeEntries)
}

// alsoStore runs also's store work and adds its hub effects to the step's message.
func (s *Service) alsoStore(tx *gorm.DB, m *message, rows []*row, now time.Time, also *Also) error {
	if also == nil {
		return nil
	}
	if also.Store != nil {
		ps := make([]*Packet, len(rows))
		for i, r := range rows {
			ps[i] = r.envelope()
		}
		if err := also.Store(tx, ps, now); err != nil {
			return err
		}
	}
	for _, e := range also.HubEffects {
		if err := m.add(e.Name, e.Data); err != nil {
			return err
		}
	}
	return nil
}
