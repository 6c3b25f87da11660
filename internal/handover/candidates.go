package handover

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/directory"
)

// Candidate is a case of the actor's store ready to be handed over: a national of another store's
// country, in return preparation with an approved "identified" decision, not in a pending batch.
type Candidate struct {
	CaseID        string         `json:"case_id"`
	Reference     string         `json:"reference"`
	GivenName     string         `json:"given_name"`
	FamilyName    string         `json:"family_name"`
	Sex           string         `json:"sex"`
	Nationality   string         `json:"nationality"`
	BirthDate     *time.Time     `json:"birth_date,omitempty"`
	AgeEstimate   *int           `json:"age_estimate,omitempty"`
	DocumentsHeld cases.TextList `json:"documents_held"`
	Consent       bool           `json:"consent"` // the handover consent is in force
}

const candidatesSQL = `SELECT c.id AS case_id, c.reference, p.given_name, p.family_name, p.sex, p.nationality, p.birth_date,
	p.age_estimate, p.documents_held,
	EXISTS (SELECT 1 FROM consents k WHERE k.case_id = c.id AND k.purpose = 'cross_border_handover' AND k.answer = 'given'
		AND NOT EXISTS (SELECT 1 FROM consents n WHERE n.supersedes = k.id)) AS consent
FROM cases c JOIN persons p ON p.id = c.person_id
WHERE c.stage = 'return_preparation' AND p.nationality IN ?
	AND NOT EXISTS (SELECT 1 FROM handover_persons h WHERE h.case_id = c.id AND h.status = 'pending')
	AND EXISTS (SELECT 1 FROM (SELECT d.decision FROM identification_decisions d WHERE d.case_id = c.id AND d.status = 'approved'
		ORDER BY d.decided_at DESC, d.id DESC LIMIT 1) last WHERE last.decision = 'identified')
	AND `

// Candidates lists the cases of the actor's store that may go into a batch (at most 500), and
// audits the listing.
func (s *Service) Candidates(ctx context.Context, a *authz.Actor) ([]Candidate, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionRepatriation, authz.ActionWrite)
	if err != nil {
		return nil, err
	}
	others := []string{}
	for _, cc := range s.stores.Countries() {
		if cc != st.Country {
			others = append(others, cc)
		}
	}
	out := []Candidate{}
	if len(others) == 0 {
		return out, nil
	}
	if err := s.settleWithdrawn(ctx, st); err != nil {
		return nil, err
	}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cond, args := scope.CaseFilter("c")
		q := candidatesSQL + cond + ` ORDER BY p.nationality, c.reference LIMIT 500`
		if err := tx.Raw(q, append([]any{others}, args...)...).Scan(&out).Error; err != nil {
			return err
		}
		// One row for the listing: the cases shown (ids only, never names), under the agency.
		shown := make([]string, len(out))
		for i := range out {
			shown[i] = out[i].CaseID
		}
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.HandoverCandidatesRead, "handover_candidates", a.AgencyID,
			map[string]any{"count": len(out), "case_ids": shown}))
	})
	return out, err
}

// Recipients lists the agencies a batch may go to: the social-welfare agencies of the other
// store countries.
func (s *Service) Recipients(ctx context.Context, a *authz.Actor) ([]directory.Agency, error) {
	out := []directory.Agency{}
	for _, cc := range s.stores.Countries() {
		if cc == a.Country {
			continue
		}
		ags, err := s.dir.StoreAgencies(ctx, cc)
		if err != nil {
			return nil, err
		}
		out = append(out, slices.DeleteFunc(ags, func(g directory.Agency) bool { return g.Kind != directory.KindSocialWelfare })...)
	}
	return out, nil
}
