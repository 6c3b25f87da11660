package crossmatch

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/store"
)

// Candidate is a possible match as a supervisor of one side sees it: the score, the case on their
// side, the other side's country and agency — nothing else about the other side.
type Candidate struct {
	ID           string     `json:"id"`
	CaseID       string     `json:"case_id"`
	CaseRef      string     `json:"case_ref"`
	Score        float64    `json:"score"`
	Document     bool       `json:"document"`
	OtherCountry string     `json:"other_country"`
	OtherAgency  Agency     `json:"other_agency"`
	FoundAt      time.Time  `json:"found_at"`
	AskedAt      *time.Time `json:"asked_at,omitempty"`       // we asked the other side
	OtherAskedAt *time.Time `json:"other_asked_at,omitempty"` // the other side asked us
}

// Agency is the other side's agency, by name in each language.
type Agency struct {
	Slug   string `json:"slug"`
	NameEN string `json:"name_en"`
	NameTH string `json:"name_th"`
	NameKM string `json:"name_km"`
}

// Name returns the agency's name in lang (en, th or km).
func (g Agency) Name(lang string) string {
	switch lang {
	case "th":
		return g.NameTH
	case "km":
		return g.NameKM
	}
	return g.NameEN
}

// hubCandidate is a candidate row of the hub with the other side's agency.
type hubCandidate struct {
	ID, Token, OtherCountry      string
	Score                        float64
	Document                     bool
	FoundAt                      time.Time
	AskedAt, OtherAskedAt        *time.Time
	Slug, NameEn, NameTh, NameKm string
}

const candidatesSQL = `SELECT c.id, c.token, c.other_country, c.score, c.document, c.found_at, c.asked_at,
  o.asked_at AS other_asked_at, a.slug, a.name_en, a.name_th, a.name_km
FROM linkage_candidates c
JOIN linkage_encodings e ON e.country = c.other_country AND e.token = c.other_token
JOIN agencies a ON a.id = e.agency_id
LEFT JOIN linkage_candidates o ON o.country = c.other_country AND o.token = c.other_token
  AND o.other_country = c.country AND o.other_token = c.token
WHERE c.country = ? AND c.answer IS NULL`

// listLimit bounds the candidates a list shows.
const listLimit = 200

// caseOf is a case in the actor's scope of the person behind a token.
type caseOf struct {
	Token, CaseID, Reference string
}

// casesOf returns, for each token of the store, the newest case of its person within scope.
func casesOf(tx *gorm.DB, scope authz.Scope, tokens []string) (map[string]caseOf, error) {
	out := map[string]caseOf{}
	if len(tokens) == 0 {
		return out, nil
	}
	cond, args := scope.CaseFilter("c")
	var rows []caseOf
	err := tx.Raw(`SELECT DISTINCT ON (l.token) l.token, c.id AS case_id, c.reference FROM person_linkage l
JOIN cases c ON c.person_id = l.person_id
WHERE l.token IN ? AND `+cond+` ORDER BY l.token, c.created_at DESC`, append([]any{tokens}, args...)...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("crossmatch: cases of candidates: %w", err)
	}
	for _, r := range rows {
		out[r.Token] = r
	}
	return out, nil
}

// List returns the open candidates of the cases in the actor's scope, best first. Only a role that
// may merge persons sees them; anyone else gets not found. The read is audited in the store.
func (s *Service) List(ctx context.Context, a *authz.Actor) ([]Candidate, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionPersons, authz.ActionMerge)
	if err != nil {
		return nil, err
	}
	var hc []hubCandidate
	if err := s.hub.WithContext(ctx).Raw(candidatesSQL+` ORDER BY c.score DESC, c.id LIMIT ?`, scope.Country, listLimit).Scan(&hc).Error; err != nil {
		return nil, fmt.Errorf("crossmatch: candidates: %w", err)
	}
	return s.inScope(ctx, st, scope, a, hc, "")
}

// ForCase returns the open candidates of one case's person (not found outside the actor's scope or
// without persons:merge).
func (s *Service) ForCase(ctx context.Context, a *authz.Actor, caseID string) ([]Candidate, error) {
	var token string
	err := cases.InCase(ctx, s.stores, a, authz.SectionPersons, authz.ActionMerge, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		var ts []string
		if err := tx.Raw(`SELECT token::text FROM person_linkage WHERE person_id = ? AND encoding IS NOT NULL`, c.PersonID).Scan(&ts).Error; err != nil {
			return err
		}
		if len(ts) == 1 {
			token = ts[0]
		}
		return nil
	})
	if err != nil || token == "" {
		return nil, err
	}
	st, scope, err := s.stores.Bind(a, authz.SectionPersons, authz.ActionMerge)
	if err != nil {
		return nil, err
	}
	var hc []hubCandidate
	if err := s.hub.WithContext(ctx).Raw(candidatesSQL+` AND c.token = ? ORDER BY c.score DESC, c.id LIMIT ?`, scope.Country, token, listLimit).Scan(&hc).Error; err != nil {
		return nil, fmt.Errorf("crossmatch: candidates: %w", err)
	}
	return s.inScope(ctx, st, scope, a, hc, caseID)
}

// inScope keeps the hub's candidates whose person has a case in scope (that case, when caseID is
// given), and audits the read in the store.
func (s *Service) inScope(ctx context.Context, st *store.Store, scope authz.Scope, a *authz.Actor, hc []hubCandidate, caseID string) ([]Candidate, error) {
	tokens := make([]string, 0, len(hc))
	for _, c := range hc {
		tokens = append(tokens, c.Token)
	}
	out := []Candidate{}
	err := st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		byToken, err := casesOf(tx, scope, tokens)
		if err != nil {
			return err
		}
		for _, c := range hc {
			co, ok := byToken[c.Token]
			if !ok {
				continue
			}
			if caseID != "" {
				co.CaseID = caseID
				if err := tx.Raw(`SELECT reference FROM cases WHERE id = ?`, caseID).Scan(&co.Reference).Error; err != nil {
					return err
				}
			}
			out = append(out, Candidate{ID: c.ID, CaseID: co.CaseID, CaseRef: co.Reference, Score: c.Score, Document: c.Document,
				OtherCountry: c.OtherCountry, OtherAgency: Agency{Slug: c.Slug, NameEN: c.NameEn, NameTH: c.NameTh, NameKM: c.NameKm},
				FoundAt: c.FoundAt, AskedAt: c.AskedAt, OtherAskedAt: c.OtherAskedAt})
		}
		entity, id := "store", st.Country
		if caseID != "" {
			entity, id = "case", caseID
		}
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.LinkageCandidatesRead, entity, id, map[string]any{"candidates": len(out)}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
