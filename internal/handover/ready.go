package handover

import (
	"fmt"
	"slices"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/consent"
	"homeward/internal/problem"
)

// readySQL loads the chosen cases within the scope with what a handover needs of each: the
// person's nationality and documents, whether the last approved decision is "identified", whether
// the case waits in another batch, and whether the handover consent is in force (exactly one answer
// not superseded, and it is "given": consent.InForce). Parameters: purpose, case ids, then the
// scope's filter.
const readySQL = `SELECT c.id, c.reference, c.stage, p.nationality, p.documents_held,
	EXISTS (SELECT 1 FROM (SELECT d.decision FROM identification_decisions d WHERE d.case_id = c.id AND d.status = 'approved'
		ORDER BY d.decided_at DESC, d.id DESC LIMIT 1) last WHERE last.decision = 'identified') AS identified,
	EXISTS (SELECT 1 FROM handover_persons h WHERE h.case_id = c.id AND h.status = 'pending') AS in_batch,
	(SELECT count(*) = 1 AND bool_and(k.answer = 'given') FROM consents k
		WHERE k.case_id = c.id AND k.purpose = ? AND NOT EXISTS (SELECT 1 FROM consents n WHERE n.supersedes = k.id)) AS consent_given
FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.id = ANY(?::uuid[]) AND `

// readyRow is a chosen case as readySQL loads it.
type readyRow struct {
	ID, Reference, Nationality        string
	Stage                             cases.Stage
	DocumentsHeld                     cases.TextList
	Identified, InBatch, ConsentGiven bool
}

// checkReady checks every chosen case in the sending store, in one query: in scope, in return
// preparation, with an approved "identified" decision, a national of the recipient's country, not
// in another pending batch, and (without an override) the handover consent in force.
func checkReady(tx *gorm.DB, scope authz.Scope, in *BatchInput, country string, inv *problem.Invalid) ([]readyCase, error) {
	ids := make([]string, 0, len(in.Persons))
	for _, p := range in.Persons {
		if len(p.CaseID) == 36 && uuid.Validate(p.CaseID) == nil {
			ids = append(ids, p.CaseID)
		}
	}
	byID := map[string]readyRow{}
	if len(ids) > 0 {
		cond, args := scope.CaseFilter("c")
		var rows []readyRow
		if err := tx.Raw(readySQL+cond, append([]any{string(consent.PurposeCrossBorderHandover), cases.TextList(ids)}, args...)...).
			Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("handover: ready cases: %w", err)
		}
		for _, r := range rows {
			byID[r.ID] = r
		}
	}
	out := make([]readyCase, len(in.Persons))
	for i, p := range in.Persons {
		field := fmt.Sprintf("persons.%d", i)
		r, ok := byID[p.CaseID]
		if !ok {
			inv.Add(field, "handover.error.case_not_found")
			continue
		}
		out[i] = readyCase{ID: r.ID, Reference: r.Reference, Nationality: r.Nationality}
		if p.Documents == nil { // none chosen: every document the person holds goes with them
			in.Persons[i].Documents = nonNil(r.DocumentsHeld)
		}
		checkReadyRow(r, in.Persons[i].Documents, in.Override == "", country, field, inv)
	}
	return out, nil
}

// checkReadyRow adds what keeps one loaded case out of a handover.
func checkReadyRow(r readyRow, documents []string, needConsent bool, country, field string, inv *problem.Invalid) {
	switch {
	case r.Stage != cases.StageReturnPreparation || !r.Identified:
		inv.Add(field, "handover.error.not_ready")
	case country != "" && r.Nationality != country:
		inv.Add(field, "handover.error.nationality")
	case r.InBatch:
		inv.Add(field, "handover.error.in_batch")
	}
	for _, k := range documents {
		if !slices.Contains(r.DocumentsHeld, k) {
			inv.Add(field, "handover.error.document_not_held")
		}
	}
	if needConsent && !r.ConsentGiven {
		inv.Add(field, "handover.error.consent")
	}
}
