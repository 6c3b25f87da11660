package handover

import (
	"context"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/exchange"
	"homeward/internal/store"
)

// Get shows a batch to its sending agency (persons from the sending store, after applying the
// answers waiting for it) or to its receiving agency once sent (persons from the opened packets,
// or from the new cases once accepted). Reads of case data are audited.
func (s *Service) Get(ctx context.Context, a *authz.Actor, id string) (*Batch, error) {
	return s.read(ctx, a, id, true)
}

// read loads a batch with its persons; open tells whether the recipient opens pending packets
// (the batch page) or sees only the persons accepted (the record).
func (s *Service) read(ctx context.Context, a *authz.Actor, id string, open bool) (*Batch, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionRepatriation, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	b, err := s.loadBatch(s.hub.WithContext(ctx), a, id)
	if err != nil {
		return nil, err
	}
	if b.Side == SideSender {
		// Answers waiting for this store are applied first, in its own context (one Sync applies a
		// whole batch's answers); one that cannot be applied stays waiting and must not hide the batch.
		if _, err := s.ex.Sync(ctx, st.Country); err != nil {
			slog.Warn("handover: sync", "country", st.Country, "err", err)
		}
		if err := s.settleWithdrawn(ctx, st); err != nil {
			return nil, err
		}
		if b, err = s.loadBatch(s.hub.WithContext(ctx), a, id); err != nil {
			return nil, err
		}
	}
	packets, err := s.packetsOf(s.hub.WithContext(ctx), b.ID)
	if err != nil {
		return nil, err
	}
	countAnswers(b, packets)
	if b.Side == SideRecipient && open {
		if err := s.openPending(ctx, a, b, packets); err != nil {
			return nil, err
		}
	}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if b.Side == SideSender {
			err = sentPersons(tx, st, scope, b, packets)
		} else {
			err = receivedPersons(tx, st, scope, b, packets, a.Can(authz.SectionIdentity, authz.ActionRead))
		}
		if err != nil {
			return err
		}
		entries := make([]audit.Entry, 0, len(b.Persons))
		for _, p := range b.Persons {
			if p.CaseID != "" {
				entries = append(entries, audit.ByActor(a, audit.HandoverBatchRead, "case", p.CaseID,
					map[string]any{"batch_id": b.ID, "packet_id": p.PacketID}))
			}
		}
		return audit.AppendMany(tx, s.now(), entries)
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// countAnswers sets a batch's counts from its packets, whichever way they were answered (the batch
// page, or one packet at a time from the inbox).
func countAnswers(b *Batch, packets []packetState) {
	b.AcceptedCount, b.DeclinedCount = 0, 0
	for _, p := range packets {
		switch p.Status {
		case string(exchange.StatusAccepted):
			b.AcceptedCount++
		case string(exchange.StatusDeclined):
			b.DeclinedCount++
		}
	}
	if b.Status == BatchSent && b.AcceptedCount+b.DeclinedCount >= b.PersonCount {
		b.Status = BatchAnswered
	}
}

// settleWithdrawn marks the persons of this store's pending batches whose packet was revoked (a
// consent withdrawn, a case closed) or expired, so that they may go into another batch.
func (s *Service) settleWithdrawn(ctx context.Context, st *store.Store) error {
	var pending []string
	if err := st.DB.WithContext(ctx).Raw(`SELECT packet_id FROM handover_persons WHERE status = 'pending'`).Scan(&pending).Error; err != nil {
		return err
	}
	if len(pending) == 0 {
		return nil
	}
	var gone []string
	if err := s.hub.WithContext(ctx).Raw(`SELECT id FROM packets WHERE id IN ? AND status IN ('revoked', 'expired')`, pending).
		Scan(&gone).Error; err != nil {
		return err
	}
	if len(gone) == 0 {
		return nil
	}
	now := s.now()
	return st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var settled []struct{ PacketID, CaseID, BatchID string }
		if err := tx.Raw(`UPDATE handover_persons SET status = 'revoked', answered_at = ? WHERE packet_id IN ? AND status = 'pending'
RETURNING packet_id::text AS packet_id, case_id::text AS case_id, coalesce(batch_id::text, '') AS batch_id`, now, gone).
			Scan(&settled).Error; err != nil {
			return err
		}
		entries := make([]audit.Entry, len(settled))
		for i, p := range settled {
			entries[i] = audit.Entry{Action: audit.HandoverPersonWithdrawn, Entity: "case", EntityID: p.CaseID,
				Detail: map[string]any{"packet_id": p.PacketID, "batch_id": p.BatchID}}
		}
		return audit.AppendMany(tx, now, entries)
	})
}

// openPending opens the batch's packets not yet answered, all at once (the exchange audits each
// opening), and adds their persons to the batch.
func (s *Service) openPending(ctx context.Context, a *authz.Actor, b *Batch, packets []packetState) error {
	var ids []string
	var states []packetState
	for _, ps := range packets {
		if ps.Status == string(exchange.StatusSent) || ps.Status == string(exchange.StatusOpened) {
			ids = append(ids, ps.PacketID)
			states = append(states, ps)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	pks, err := s.ex.OpenMany(ctx, a, ids)
	if err != nil {
		return err
	}
	for i, pk := range pks {
		pl, err := fromPayload(pk.Payload)
		if err != nil {
			return err
		}
		b.Persons = append(b.Persons, personOf(pl, states[i], string(pk.Status)))
	}
	return nil
}

func personOf(pl payload, ps packetState, status string) Person {
	return Person{PacketID: ps.PacketID, Position: ps.Position, PacketStatus: status, Status: PersonPending,
		GivenName: pl.GivenName, FamilyName: pl.FamilyName, Aliases: nonNil(pl.Aliases), Sex: pl.Sex,
		BirthDate: pl.BirthDate, AgeEstimate: pl.AgeEstimate, Nationality: pl.Nationality,
		Languages: nonNil(pl.Languages), Documents: pl.Documents, Belongings: pl.Belongings,
		UrgentNeeds: pl.UrgentNeeds, Decision: pl.Identification}
}

// personRow is a person of the store with a handover row.
type personRow struct {
	cases.Person
	PacketID, CaseID, Reference, Status, NewCaseRef string
	Position                                        int
	Documents                                       cases.TextList
	BelongingsEnc, ReasonEnc                        []byte
	// The decision a received person came with (receivedSQL only).
	RecognisedDecision, LegalBasis, DecidedOn, ApproverAgency, RecognisedUnder string
	LegalBasisEnc                                                              []byte
}

const sentSQL = `SELECT p.*, h.packet_id, h.case_id, c.reference, h.status, h.new_case_ref, h.position,
	h.documents, h.belongings_enc, h.reason_enc
FROM handover_persons h JOIN cases c ON c.id = h.case_id JOIN persons p ON p.id = c.person_id
WHERE h.batch_id = ? AND `

// sentPersons reads the persons of a batch from the sending store, within the actor's scope.
func sentPersons(tx *gorm.DB, st *store.Store, scope authz.Scope, b *Batch, packets []packetState) error {
	cond, args := scope.CaseFilter("c")
	var rows []personRow
	if err := tx.Raw(sentSQL+cond+` ORDER BY h.position`, append([]any{b.ID}, args...)...).Scan(&rows).Error; err != nil {
		return err
	}
	status := map[string]string{}
	for _, p := range packets {
		status[p.PacketID] = p.Status
	}
	for _, r := range rows {
		p, err := storePerson(st, r)
		if err != nil {
			return err
		}
		p.PacketStatus, p.NewCaseRef = status[r.PacketID], r.NewCaseRef
		if p.Belongings, err = st.Keys.OpenString(fieldBelonging, r.PacketID, r.BelongingsEnc); err != nil {
			return err
		}
		if p.Reason, err = st.Keys.OpenString(fieldReason, r.PacketID, r.ReasonEnc); err != nil {
			return err
		}
		p.Documents = handed(p.Documents, documentsExtra(r.Documents))
		b.Persons = append(b.Persons, p)
	}
	return sentDecisions(tx, b)
}

// sentDecisions shows, on the sending side, each person's identification decision in force (the
// decision and its date; the legal basis stays in the screening section).
func sentDecisions(tx *gorm.DB, b *Batch) error {
	ids := make([]string, 0, len(b.Persons))
	for _, p := range b.Persons {
		ids = append(ids, p.CaseID)
	}
	if len(ids) == 0 {
		return nil
	}
	var decs []struct {
		CaseID, Decision string
		DecidedAt        *time.Time
	}
	if err := tx.Raw(decisionsSQL, ids).Scan(&decs).Error; err != nil {
		return err
	}
	for i := range b.Persons {
		for _, d := range decs {
			if d.CaseID == b.Persons[i].CaseID && d.Decision != "" {
				dec := &Identification{Decision: d.Decision}
				if d.DecidedAt != nil {
					dec.DecidedOn = d.DecidedAt.Format(time.DateOnly)
				}
				b.Persons[i].Decision = dec
			}
		}
	}
	return nil
}

// storePerson opens a person of the actor's store for a batch page or record.
func storePerson(st *store.Store, r personRow) (Person, error) {
	p := Person{PacketID: r.PacketID, Position: r.Position, Status: r.Status, CaseID: r.CaseID, CaseRef: r.Reference,
		GivenName: r.GivenName, FamilyName: r.FamilyName, Aliases: nonNil(r.Aliases), Sex: r.Sex,
		AgeEstimate: r.AgeEstimate, Nationality: r.Nationality, Languages: nonNil(r.Languages)}
	if r.BirthDate != nil {
		p.BirthDate = r.BirthDate.Format(time.DateOnly)
	}
	docs, err := heldDocuments(st, &r.Person)
	if err != nil {
		return p, err
	}
	p.Documents = docs
	return p, nil
}

func sortPersons(ps []Person) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].Position < ps[j-1].Position; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// Summary is a batch in a list, without persons.
type Summary struct {
	ID            string    `json:"id"`
	Side          string    `json:"side"`
	Sender        string    `json:"sender"`
	Recipient     string    `json:"recipient"`
	Checkpoint    string    `json:"checkpoint"`
	HandoverAt    time.Time `json:"handover_at"`
	Status        string    `json:"status"`
	PersonCount   int       `json:"person_count"`
	AcceptedCount int       `json:"accepted_count"`
	DeclinedCount int       `json:"declined_count"`
	CreatedAt     time.Time `json:"created_at"`
}

// Record is the printable handover record of a batch: for the sending agency the persons of the
// batch not declined, for the receiving agency the persons it accepted. Its reading is audited (hub and store).
func (s *Service) Record(ctx context.Context, a *authz.Actor, id string) (*Batch, error) {
	b, err := s.read(ctx, a, id, false)
	if err != nil {
		return nil, err
	}
	kept := b.Persons[:0] // the persons handed over, or to be: not those declined or withdrawn
	for _, p := range b.Persons {
		if p.Status == PersonAccepted || p.Status == PersonPending {
			kept = append(kept, p)
		}
	}
	b.Persons = kept
	now := s.now()
	err = s.hub.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return audit.Append(tx, now, audit.ByActor(a, audit.HandoverRecordRead, "handover_batch", b.ID,
			map[string]any{"side": b.Side, "persons": len(b.Persons)}))
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}
