package handover

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
	"homeward/internal/exchange"
	"homeward/internal/problem"
	"homeward/internal/screening"
	"homeward/internal/store"
)

// ReceiveMany is the exchange.BatchReceiver of KindHandover: each accepted person becomes a new case
// of the accepting agency in its own store (identity and documents sealed with this store's keys),
// duplicate-checked against the store (cases.CreateReceivedMany), with the other country's
// identification decision recognised under ACTIP art. 14, the packet's reference kept on the case,
// its stage history and an audit row; one statement per table. It returns the new cases' references.
//
// It is idempotent: a packet this store already made a case from (the store committed, the hub did
// not, and the packet is accepted again) returns that case's reference and creates nothing.
func (s *Service) ReceiveMany(ctx context.Context, tx *gorm.DB, st *store.Store, a *authz.Actor, ps []*exchange.Packet) ([]string, error) {
	refs, todo, at, err := alreadyReceived(tx, ps)
	if err != nil || len(todo) == 0 {
		return refs, err
	}
	got, err := s.receiveNew(ctx, tx, st, a, todo)
	if err != nil {
		return nil, err
	}
	for j, i := range at {
		refs[i] = got[j]
	}
	return refs, nil
}

// alreadyReceived loads the references of the cases this store already made of the packets, and
// the packets still to receive with their positions.
func alreadyReceived(tx *gorm.DB, ps []*exchange.Packet) (refs []string, todo []*exchange.Packet, at []int, err error) {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	var existing []struct{ PacketRef, Reference string }
	if err := tx.Raw(`SELECT packet_ref::text AS packet_ref, reference FROM cases WHERE packet_ref IN ?`, ids).Scan(&existing).Error; err != nil {
		return nil, nil, nil, fmt.Errorf("handover: cases already received: %w", err)
	}
	have := make(map[string]string, len(existing))
	for _, e := range existing {
		have[e.PacketRef] = e.Reference
	}
	refs = make([]string, len(ps))
	for i, p := range ps {
		if ref, ok := have[p.ID]; ok {
			refs[i] = ref
			continue
		}
		todo, at = append(todo, p), append(at, i)
	}
	return refs, todo, at, nil
}

// batchesOf is each packet's handover batch: the packet's own, else the hub's record of it.
func (s *Service) batchesOf(ctx context.Context, ps []*exchange.Packet) map[string]string {
	batchOf := map[string]string{}
	var missing []string
	for _, p := range ps {
		if p.BatchID == "" {
			missing = append(missing, p.ID)
		} else {
			batchOf[p.ID] = p.BatchID
		}
	}
	if len(missing) > 0 {
		var rows []struct{ PacketID, BatchID string }
		_ = s.hub.WithContext(ctx).Raw(`SELECT packet_id, batch_id FROM handover_batch_packets WHERE packet_id IN ?`, missing).Scan(&rows).Error
		for _, r := range rows {
			batchOf[r.PacketID] = r.BatchID
		}
	}
	return batchOf
}

// receiveNew makes the new cases of packets not received before: read the payloads, create the
// persons and cases (duplicate-checked), project what came with them, write it and audit it.
func (s *Service) receiveNew(ctx context.Context, tx *gorm.DB, st *store.Store, a *authz.Actor, ps []*exchange.Packet) ([]string, error) {
	now := s.now()
	batchOf := s.batchesOf(ctx, ps)
	pls, ins, refs := make([]payload, len(ps)), make([]cases.IntakeInput, len(ps)), make([]string, len(ps))
	for i, p := range ps {
		pl, err := fromPayload(p.Payload)
		if err != nil {
			return nil, fmt.Errorf("handover: read payload: %w", err)
		}
		pls[i], ins[i], refs[i] = pl, intakeOf(pl), p.ID
	}
	made, err := cases.CreateReceivedMany(tx, st, a, ins, refs, cases.Stage(ReceivedStage), now)
	if err != nil {
		return nil, err
	}
	var w receivedWrite
	for i, p := range ps {
		refs[i] = made[i].Case.Reference
		if err := w.add(st, a, p, pls[i], made[i], batchOf[p.ID], now); err != nil {
			return nil, err
		}
	}
	return refs, w.write(tx, a, ps, now)
}

// receivedWrite is what receiving a batch writes besides the persons and cases (which carry their
// packets' references), one statement per table: the recognised decisions, the received rows, the
// stage history and the audit rows.
type receivedWrite struct {
	setRef              []string // case id, packet id, ...
	decisions, received []map[string]any
	entries             []audit.Entry
}

func (w *receivedWrite) add(st *store.Store, a *authz.Actor, p *exchange.Packet, pl payload, r cases.Received, batchID string, now time.Time) error {
	c := r.Case
	w.setRef = append(w.setRef, c.ID, p.ID)
	dec, row, err := receivedRows(st, a, p, pl, c, batchID, now)
	if err != nil {
		return err
	}
	if dec != nil {
		w.decisions = append(w.decisions, dec)
	}
	w.received = append(w.received, row)
	w.entries = append(w.entries, audit.ByActor(a, audit.HandoverReceive, "case", c.ID,
		map[string]any{"packet_id": p.ID, "batch_id": batchID, "sender": p.Sender, "reference": c.Reference,
			"possible_duplicates": len(r.Duplicates)}))
	return nil
}

func (w *receivedWrite) write(tx *gorm.DB, a *authz.Actor, ps []*exchange.Packet, now time.Time) error {
	if len(w.decisions) > 0 {
		if err := tx.Table("identification_decisions").CreateInBatches(w.decisions, 500).Error; err != nil {
			return fmt.Errorf("insert recognised decisions: %w", err)
		}
	}
	if err := tx.Table("received_handovers").CreateInBatches(w.received, 500).Error; err != nil {
		return fmt.Errorf("insert received handovers: %w", err)
	}
	if err := receivedHistory(tx, a, ps, w.setRef, now); err != nil {
		return err
	}
	return audit.AppendMany(tx, now, w.entries)
}

// receivedHistory gives each received case its stage history: a change to reintegration naming
// the packet it was made of (pairs holds case id, packet id, ...).
func receivedHistory(tx *gorm.DB, a *authz.Actor, ps []*exchange.Packet, pairs []string, now time.Time) error {
	rows := make([]cases.StageChange, len(ps))
	for i, p := range ps {
		rows[i] = cases.StageChange{ID: uuid.Must(uuid.NewV7()).String(), CaseID: pairs[2*i], FromStage: cases.StageHandover,
			ToStage: cases.Stage(ReceivedStage), ActorUserID: a.UserID, At: now,
			Reason: fmt.Sprintf("Received by handover: packet %s from %s (case %s)", p.ID, p.Sender, p.CaseRef)}
	}
	if err := tx.CreateInBatches(rows, 500).Error; err != nil {
		return fmt.Errorf("handover: received history: %w", err)
	}
	return nil
}

// intakeOf turns a payload into the intake of the receiving store: documents of a known kind are
// kept (a repeated kind becomes "other"), the first numbered one is the primary document.
func intakeOf(pl payload) cases.IntakeInput {
	in := cases.IntakeInput{GivenName: pl.GivenName, FamilyName: pl.FamilyName, Sex: pl.Sex, BirthDate: pl.BirthDate,
		AgeEstimate: pl.AgeEstimate, Nationality: pl.Nationality, Languages: pl.Languages, Aliases: pl.Aliases,
		UrgentNeeds: pl.UrgentNeeds}
	if !slices.Contains(cases.Sexes, in.Sex) {
		in.Sex = "unknown"
	}
	seen := map[string]bool{}
	for _, d := range pl.Documents {
		kind := d.Kind
		if !slices.Contains(cases.DocumentKinds, kind) || seen[kind] {
			kind = "other"
		}
		seen[kind] = true
		in.DocumentsHeld = append(in.DocumentsHeld, cases.HeldDocument{Kind: kind, Number: d.Number})
		if in.DocumentNumber == "" {
			in.DocumentNumber = d.Number
		}
	}
	return in
}

// receivedRows are the rows of what the handover brought with the new case: the recognised
// decision (as an approved identification decision of this store; nil when none) and the
// received_handovers row with the original legal basis, date and approving agency, the checkpoint,
// time, documents and belongings (sealed). Every row has the same columns (batched inserts).
func receivedRows(st *store.Store, a *authz.Actor, p *exchange.Packet, pl payload, c *cases.Case, batchID string, now time.Time) (map[string]any, map[string]any, error) {
	row := map[string]any{"case_id": c.ID, "packet_id": p.ID, "sender_agency": p.Sender, "sender_case_ref": p.CaseRef,
		"recognised_under": RecognisedUnder, "checkpoint": pl.Checkpoint, "received_by": a.UserID, "received_at": now,
		"batch_id": nil, "handover_at": nil, "decision": "", "legal_basis": "", "legal_basis_enc": nil, "approver_agency": "",
		"decided_on": nil}
	if uuid.Validate(batchID) == nil && len(batchID) == 36 {
		row["batch_id"] = batchID
	}
	if t, err := time.Parse(time.RFC3339, pl.HandoverAt); err == nil {
		row["handover_at"] = t
	}
	kinds := make([]string, 0, len(pl.Documents))
	for _, d := range pl.Documents {
		kinds = append(kinds, d.Kind)
	}
	row["documents"] = cases.TextList(kinds)
	enc, err := st.Keys.SealString(fieldReceived, c.ID, pl.Belongings)
	if err != nil {
		return nil, nil, err
	}
	row["belongings_enc"] = enc
	d := pl.Identification
	if d == nil || !slices.Contains(screening.Decisions, d.Decision) {
		return nil, row, nil
	}
	// The legal basis (free text, opened from the sender's store by the projection) is sealed with
	// this store's keys, here and in the recognised decision.
	if row["legal_basis_enc"], err = st.Keys.SealString(fieldReceivedBasis, c.ID, d.LegalBasis); err != nil {
		return nil, nil, err
	}
	row["decision"], row["approver_agency"] = d.Decision, d.ApproverAgency
	comment := "Recognised under " + RecognisedUnder + ": decision of " + p.Sender
	if on, err := time.Parse(time.DateOnly, d.DecidedOn); err == nil {
		row["decided_on"] = on
		comment += " of " + d.DecidedOn
	}
	basis := RecognisedUnder + " (recognised)"
	if d.LegalBasis != "" {
		basis += "; " + d.LegalBasis
	}
	decID := uuid.Must(uuid.NewV7()).String()
	basisEnc, err := st.Keys.SealString(screening.FieldLegalBasis, decID, basis)
	if err != nil {
		return nil, nil, err
	}
	commentEnc, err := st.Keys.SealString(screening.FieldComment, decID, comment)
	if err != nil {
		return nil, nil, err
	}
	dec := map[string]any{"id": decID, "case_id": c.ID, "decision": d.Decision, "legal_basis": "", "legal_basis_enc": basisEnc,
		"status": "approved", "proposed_by": a.UserID, "proposed_at": now, "decided_at": now, "comment": "", "comment_enc": commentEnc}
	return dec, row, nil
}

// Decline is a person of a batch the receiving agency does not accept, with the reason.
type Decline struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// AcceptInput is the receiving supervisor's answer to a batch: the packets accepted, those declined
// with a reason, and the receiving officials for the record.
type AcceptInput struct {
	Accept             []string  `json:"accept"`
	Decline            []Decline `json:"decline"`
	ReceivingOfficials string    `json:"receiving_officials"`
}

// clean checks the answer against the batch's packets; a packet already answered is a conflict.
func (in *AcceptInput) clean(packets []packetState) error {
	inv := &problem.Invalid{}
	in.ReceivingOfficials = nfc(in.ReceivingOfficials)
	if in.ReceivingOfficials == "" {
		inv.Add("receiving_officials", "form.error.required")
	}
	if utf8.RuneCountInString(in.ReceivingOfficials) > maxOfficials {
		inv.Add("receiving_officials", "form.error.too_long")
	}
	if len(in.Accept)+len(in.Decline) == 0 {
		inv.Add("accept", "handover.error.no_persons")
	}
	state := map[string]string{}
	for _, p := range packets {
		state[p.PacketID] = p.Status
	}
	seen, conflict := map[string]bool{}, false
	// A packet already answered the same way is a retry (the answer is recorded again, nothing is
	// decided twice); answered the other way, or withdrawn, it is a conflict.
	check := func(field, id string, same exchange.Status) {
		st, ok := state[id]
		switch {
		case !ok:
			inv.Add(field, "handover.error.not_in_batch")
		case seen[id]:
			inv.Add(field, "handover.error.repeated")
		case st != string(exchange.StatusSent) && st != string(exchange.StatusOpened) && st != string(same):
			conflict = true
		}
		seen[id] = true
	}
	for i, id := range in.Accept {
		in.Accept[i] = strings.TrimSpace(id)
		check("accept", in.Accept[i], exchange.StatusAccepted)
	}
	for i := range in.Decline {
		d := &in.Decline[i]
		d.ID, d.Reason = strings.TrimSpace(d.ID), nfc(d.Reason)
		check("decline", d.ID, exchange.StatusDeclined)
		if d.Reason == "" {
			inv.Add("decline", "handover.error.reason_required")
		}
		if utf8.RuneCountInString(d.Reason) > maxReason {
			inv.Add("decline", "form.error.too_long")
		}
	}
	if err := inv.Err(); err != nil {
		return err
	}
	if conflict {
		return problem.ErrConflict
	}
	return nil
}
