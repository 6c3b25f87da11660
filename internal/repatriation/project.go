package repatriation

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"homeward/internal/cases"
	"homeward/internal/exchange"
	"homeward/internal/store"
)

// The person's sealed columns as package cases seals them (row = person id).
const (
	personDocuments      = "persons.documents"
	personDocumentNumber = "persons.document_number"
)

// projectSQL reads what a repatriation request tells the embassy of a case: the person, the latest
// approved identification decision and the rescue operation.
const projectSQL = `SELECT c.id AS case_id, p.id, p.given_name, p.family_name, p.aliases, p.sex, p.birth_date, p.age_estimate,
	p.nationality, p.languages, p.documents_held, p.documents_enc, p.document_number_enc,
	d.decision, d.decided_at, o.name AS operation_name, o.operation_date, o.province AS operation_province
FROM cases c JOIN persons p ON p.id = c.person_id
LEFT JOIN LATERAL (SELECT decision, decided_at FROM identification_decisions
	WHERE case_id = c.id AND status = 'approved' ORDER BY decided_at DESC LIMIT 1) d ON true
LEFT JOIN operations o ON o.id = p.operation_id
WHERE c.id IN ?`

type projected struct {
	CaseID            string
	ID                string
	GivenName         string
	FamilyName        string
	Aliases           cases.TextList
	Sex               string
	BirthDate         *time.Time
	AgeEstimate       *int
	Nationality       string
	Languages         cases.TextList
	DocumentsHeld     cases.TextList
	DocumentsEnc      []byte
	DocumentNumberEnc []byte
	Decision          *string
	DecidedAt         *time.Time
	OperationName     *string
	OperationDate     *time.Time
	OperationProvince *string
}

// projectMany builds the full allow-listed payloads of repatriation requests from cases, in order,
// inside the sending store's transaction (the kind's Project hook), reading them all in one query:
// names, aliases, sex, birth date or age estimate, nationality, languages, the documents held with
// their numbers (opened from the vault), the identification decision, the operation, and each
// draft's requested items and note. Empty values are left out.
func (s *Service) projectMany(tx *gorm.DB, st *store.Store, caseIDs []string, drafts []exchange.Draft) ([]exchange.Payload, error) {
	var rows []projected
	if err := tx.Raw(projectSQL, caseIDs).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("repatriation projection: %w", err)
	}
	byCase := make(map[string]*projected, len(rows))
	for i := range rows {
		byCase[rows[i].CaseID] = &rows[i]
	}
	out := make([]exchange.Payload, len(caseIDs))
	for i, id := range caseIDs {
		p, ok := byCase[id]
		if !ok {
			return nil, cases.ErrNotFound
		}
		var err error
		if out[i], err = payloadOf(st, p, drafts[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// payloadOf is the payload of a request about the projected person p with the draft d.
func payloadOf(st *store.Store, p *projected, d exchange.Draft) (exchange.Payload, error) {
	out := exchange.Payload{"given_name": p.GivenName, "sex": p.Sex, "nationality": p.Nationality}
	if p.FamilyName != "" {
		out["family_name"] = p.FamilyName
	}
	if len(p.Aliases) > 0 {
		out["aliases"] = []string(p.Aliases)
	}
	if p.BirthDate != nil {
		out["birth_date"] = p.BirthDate.Format(time.DateOnly)
	} else if p.AgeEstimate != nil {
		out["age_estimate"] = *p.AgeEstimate
	}
	if len(p.Languages) > 0 {
		out["languages"] = []string(p.Languages)
	}
	docs, err := documentsOf(st, p)
	if err != nil {
		return nil, err
	}
	if len(docs) > 0 {
		out["documents"] = docs
	}
	if p.Decision != nil && p.DecidedAt != nil {
		out["identification"] = map[string]any{"decision": *p.Decision, "decided_on": p.DecidedAt.In(Zone).Format(time.DateOnly)}
	}
	if p.OperationName != nil && p.OperationDate != nil {
		op := map[string]any{"name": *p.OperationName, "date": p.OperationDate.Format(time.DateOnly)}
		if p.OperationProvince != nil && *p.OperationProvince != "" {
			op["province"] = *p.OperationProvince
		}
		out["operation"] = op
	}
	if req := splitItems(d.Extra["requested"]); len(req) > 0 {
		out["requested"] = req
	}
	if note := strings.TrimSpace(d.Extra["note"]); note != "" {
		out["note"] = note
	}
	return out, nil
}

// documentsOf lists the documents the person holds, with the numbers opened from the vault, and the
// number given at intake when it is not one of them.
func documentsOf(st *store.Store, p *projected) ([]map[string]string, error) {
	var numbered []cases.HeldDocument
	if len(p.DocumentsEnc) > 0 {
		text, err := st.Keys.OpenString(personDocuments, p.ID, p.DocumentsEnc)
		if err != nil {
			return nil, fmt.Errorf("open documents: %w", err)
		}
		if err := json.Unmarshal([]byte(text), &numbered); err != nil {
			return nil, fmt.Errorf("read documents: %w", err)
		}
	}
	out := make([]map[string]string, 0, len(p.DocumentsHeld)+1)
	seen := map[string]bool{}
	for _, kind := range p.DocumentsHeld {
		d := map[string]string{"kind": kind}
		for i, n := range numbered {
			if n.Kind == kind {
				d["number"], seen[n.Number] = n.Number, true
				numbered = append(numbered[:i], numbered[i+1:]...)
				break
			}
		}
		out = append(out, d)
	}
	if len(p.DocumentNumberEnc) > 0 {
		number, err := st.Keys.OpenString(personDocumentNumber, p.ID, p.DocumentNumberEnc)
		if err != nil {
			return nil, fmt.Errorf("open document number: %w", err)
		}
		if number != "" && !seen[number] {
			out = append(out, map[string]string{"kind": "document", "number": number})
		}
	}
	return out, nil
}

// splitItems reads the comma-separated requested items of a draft, keeping known ones.
func splitItems(s string) []string {
	var out []string
	for _, it := range strings.Split(s, ",") {
		it = strings.TrimSpace(it)
		for _, known := range RequestItems {
			if it == known {
				out = append(out, it)
			}
		}
	}
	return out
}
