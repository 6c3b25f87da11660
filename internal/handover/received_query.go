package handover

import (
	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/exchange"
	"homeward/internal/sealed"
	"homeward/internal/store"
)

const receivedSQL = `SELECT p.*, r.packet_id, r.case_id, c.reference, 'accepted' AS status, r.documents,
	r.belongings_enc, r.decision AS recognised_decision, r.legal_basis, r.legal_basis_enc,
	to_char(r.decided_on, 'YYYY-MM-DD') AS decided_on, r.approver_agency, r.recognised_under
FROM received_handovers r JOIN cases c ON c.id = r.case_id JOIN persons p ON p.id = c.person_id
WHERE r.packet_id IN ? AND `

// receivedPersons adds the accepted persons of a batch from the receiving store (their new cases,
// within the actor's scope; with the possible duplicates found in the store when they were
// received, for an actor who reads identities) and the declined ones as bare rows.
func receivedPersons(tx *gorm.DB, st *store.Store, scope authz.Scope, b *Batch, packets []packetState, dups bool) error {
	ids, byID := []string{}, map[string]packetState{}
	for _, p := range packets {
		byID[p.PacketID] = p
		if p.Status == string(exchange.StatusAccepted) {
			ids = append(ids, p.PacketID)
		}
	}
	if len(ids) > 0 {
		cond, args := scope.CaseFilter("c")
		var rows []personRow
		if err := tx.Raw(receivedSQL+cond, append([]any{ids}, args...)...).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			p, err := receivedPerson(st, r)
			if err != nil {
				return err
			}
			ps := byID[r.PacketID]
			p.Position, p.PacketStatus, p.Status = ps.Position, ps.Status, PersonAccepted
			b.Persons = append(b.Persons, p)
		}
		if dups {
			if err := withDuplicates(tx, scope, b.Persons); err != nil {
				return err
			}
		}
	}
	for _, ps := range packets {
		if ps.Status == string(exchange.StatusDeclined) {
			b.Persons = append(b.Persons, Person{PacketID: ps.PacketID, Position: ps.Position, PacketStatus: ps.Status,
				Status: PersonDeclined, Aliases: []string{}, Languages: []string{}, Documents: []Document{}})
		}
	}
	sortPersons(b.Persons)
	return nil
}

// receivedPerson opens an accepted person: identity, belongings and the recognised decision.
func receivedPerson(st *store.Store, r personRow) (Person, error) {
	p, err := storePerson(st, r)
	if err != nil {
		return p, err
	}
	if p.Belongings, err = st.Keys.OpenString(fieldReceived, r.CaseID, r.BelongingsEnc); err != nil {
		return p, err
	}
	dec := Identification{Decision: r.RecognisedDecision, DecidedOn: r.DecidedOn, ApproverAgency: r.ApproverAgency,
		RecognisedUnder: r.RecognisedUnder}
	if dec.LegalBasis, err = sealed.Open(st.Keys, fieldReceivedBasis, r.CaseID, r.LegalBasisEnc, r.LegalBasis); err != nil {
		return p, err
	}
	if dec.Decision != "" {
		p.Decision = &dec
	}
	return p, nil
}

// withDuplicates gives each received person the possible duplicates recorded when it was received,
// as the actor's scope lets them be seen (cases.ReceivedDuplicates).
func withDuplicates(tx *gorm.DB, scope authz.Scope, persons []Person) error {
	caseIDs := make([]string, 0, len(persons))
	for _, p := range persons {
		caseIDs = append(caseIDs, p.CaseID)
	}
	found, err := cases.ReceivedDuplicates(tx, scope, caseIDs)
	if err != nil {
		return err
	}
	for i := range persons {
		persons[i].Duplicates = found[persons[i].CaseID]
	}
	return nil
}
