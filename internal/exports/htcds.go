package exports

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/htcds"
)

// HTCDSColumns are the columns of the de-identified dataset: HTCDS v2.0 system names (as in IOM's
// spreadsheet and internal/imports) where the standard has the field, "hw_" extensions where it has
// not. No name, contact, address, document number, case reference or agency is among them.
var HTCDSColumns = []string{
	"prs_Birthdate",                // year of birth, or its decade under the small-cell rule
	"prs_Gender",                   // Female, Male, Other, Unknown
	"prs_Citizenship",              // ISO 3166-1 alpha-2, or "other" under the small-cell rule
	htcds.FieldTraffickingStatus,   // the approved identification decision, else the status kept at import
	htcds.FieldMethodOfRecruitment, // the picklists of internal/htcds: from the screening indicators and
	htcds.FieldMethodsOfControl,    // the values kept at import; several separated by ";"
	htcds.FieldTypeOfExploitation,  //
	htcds.FieldCaseStatus,          // Active, Follow up, Closed, Closed Referred
	"hw_Stage",                     // the Homeward stage
	"hw_IdentificationDecision",    // identified, not_identified, undetermined, or "" none approved
	"hw_YearOfRegistration",        // year the case was registered
}

// htcdsSQL reads, per case of the store, only what the dataset needs: no name, contact or number.
const htcdsSQL = `SELECT c.stage, c.created_at, p.sex, p.nationality, p.birth_date, p.age_estimate,
       COALESCE((SELECT d.decision FROM identification_decisions d
                 WHERE d.case_id = c.id AND d.status = 'approved'
                 ORDER BY d.decided_at DESC LIMIT 1), '') AS decision,
       COALESCE((SELECT array_agg(i.indicator ORDER BY i.indicator)
                 FROM screenings s JOIN screening_indicators i ON i.screening_id = s.id
                 WHERE s.case_id = c.id AND i.answer = 'present'), '{}') AS indicators,
       COALESCE((SELECT array_agg(v.field || '=' || v.value ORDER BY v.field, v.value)
                 FROM htcds_values v WHERE v.case_id = c.id), '{}') AS kept
FROM cases c JOIN persons p ON p.id = c.person_id
ORDER BY c.created_at, c.id`

// htcdsSource is one case as read for the dataset.
type htcdsSource struct {
	Stage       cases.Stage
	CreatedAt   time.Time
	Sex         string
	Nationality string
	BirthDate   *time.Time
	AgeEstimate *int
	Decision    string
	Indicators  cases.TextList
	Kept        cases.TextList // "field=value" of htcds_values
}

// HTCDS exports the store's de-identified dataset in the HTCDS v2.0 layout: one row per case of the
// store (a store-level dataset, not row-scoped by agency), birth as a year, and the small-cell rule
// applied to citizenship, gender, year of birth and year of registration. Supervisors only (the
// exports section). Audited as "report.htcds_export" in the same transaction as the read.
func (s *Service) HTCDS(ctx context.Context, a *authz.Actor, format string, st Stamp) (*File, error) {
	if err := checkFormat(format); err != nil {
		return nil, err
	}
	db, _, err := s.stores.Bind(a, authz.SectionExports, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	var src []htcdsSource
	var suppressed int
	var rows [][]string
	err = db.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(htcdsSQL).Scan(&src).Error; err != nil {
			return err
		}
		rows, suppressed = htcdsRows(src)
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.ReportHTCDSExport, "store", db.Country, map[string]any{
			"format": format, "cases": len(src), "rows": len(rows), "suppressed": suppressed, "min_cell": MinCell}))
	})
	if err != nil {
		return nil, fmt.Errorf("export htcds: %w", err)
	}
	t := &table{notes: []string{st.Line(), fmt.Sprintf("HTCDS v2.0, de-identified; combinations under %d generalised or suppressed (%d rows suppressed)", MinCell, suppressed)},
		header: HTCDSColumns, rows: rows}
	return t.write(format, "homeward-htcds-"+db.Country, st)
}

// htcdsRows de-identifies the cases and applies the small-cell rule; it returns the rows and the
// number suppressed.
func htcdsRows(src []htcdsSource) ([][]string, int) {
	ids := make([]QuasiIDs, len(src))
	for i, c := range src {
		ids[i] = QuasiIDs{Citizenship: c.Nationality, Gender: htcdsGender(c.Sex), BirthYear: birthYear(c), RegYear: strconv.Itoa(c.CreatedAt.Year())}
	}
	kept, gen, suppressed := Generalise(ids, MinCell)
	rows := make([][]string, 0, len(kept))
	for j, i := range kept {
		c, q := src[i], gen[j]
		hc := htcds.Case{Stage: c.Stage, Decision: c.Decision, Indicators: c.Indicators, Kept: htcds.ParseKept(c.Kept)}
		rows = append(rows, []string{q.BirthYear, q.Gender, q.Citizenship,
			htcds.Export(htcds.FieldTraffickingStatus, hc), htcds.Export(htcds.FieldMethodOfRecruitment, hc),
			htcds.Export(htcds.FieldMethodsOfControl, hc), htcds.Export(htcds.FieldTypeOfExploitation, hc),
			htcds.Export(htcds.FieldCaseStatus, hc), string(c.Stage), c.Decision, q.RegYear})
	}
	return rows, suppressed
}

// birthYear is the year of birth: from the date, else estimated from the age at registration.
func birthYear(c htcdsSource) string {
	switch {
	case c.BirthDate != nil:
		return strconv.Itoa(c.BirthDate.Year())
	case c.AgeEstimate != nil:
		return strconv.Itoa(c.CreatedAt.Year() - *c.AgeEstimate)
	}
	return ""
}

func htcdsGender(sex string) string {
	switch sex {
	case "female":
		return "Female"
	case "male":
		return "Male"
	case "other":
		return "Other"
	}
	return "Unknown"
}
