package consent

import (
	"context"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/store"
)

// SheetFacts is what the printed consent and information sheet of a case shows about it: the
// reference, whether the person is a minor, the agencies working on the case, and the languages
// the person speaks — no identity and no answers (the sheet is filled in on paper).
type SheetFacts struct {
	CaseID    string
	Reference string
	Minor     bool
	// Languages are the person's recorded languages, as typed at intake.
	Languages []string
	// AgencyIDs are the owner agency first, then the case team in the order they joined.
	AgencyIDs []string
	// Lang is the sheet's language, as chosen by the caller from Languages.
	Lang string
}

const sheetPersonSQL = `SELECT p.minor, p.languages FROM persons p WHERE p.id = ?`

const sheetTeamSQL = `SELECT agency_id FROM case_team WHERE case_id = ? AND agency_id <> ? ORDER BY added_at, agency_id`

// Sheet returns the facts of the case's consent sheet; choose picks the sheet's language from the
// person's recorded languages. Printing the sheet is a read of the case's consent section, audited
// as one (consent.read with the sheet's language).
func (s *Service) Sheet(ctx context.Context, a *authz.Actor, caseID string, choose func(personLanguages []string) string) (*SheetFacts, error) {
	var out *SheetFacts
	err := cases.InCase(ctx, s.stores, a, authz.SectionConsent, authz.ActionRead, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		var p struct {
			Minor     bool
			Languages cases.TextList
		}
		if err := tx.Raw(sheetPersonSQL, c.PersonID).Scan(&p).Error; err != nil {
			return err
		}
		f := &SheetFacts{CaseID: c.ID, Reference: c.Reference, Minor: p.Minor, Languages: []string(p.Languages),
			AgencyIDs: []string{c.OwnerAgencyID}}
		var team []string
		if err := tx.Raw(sheetTeamSQL, c.ID, c.OwnerAgencyID).Scan(&team).Error; err != nil {
			return err
		}
		f.AgencyIDs = append(f.AgencyIDs, team...)
		f.Lang = choose(f.Languages)
		out = f
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.ConsentRead, "case", c.ID, map[string]any{"sheet": f.Lang}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
