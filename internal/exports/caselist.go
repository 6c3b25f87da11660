package exports

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/store"
)

// Service writes the exports of one actor's store.
type Service struct {
	stores *store.Set
	cases  *cases.Service
	now    func() time.Time
}

// New returns the export service over the stores and the case service.
func New(stores *store.Set, cs *cases.Service) *Service {
	return &Service{stores: stores, cases: cs, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// Case list columns. The identity columns are present only for an actor who may read identity.
var (
	caseColumns     = []string{"reference", "stage", "nationality", "sex", "minor", "operation", "received_at", "updated_at"}
	identityColumns = []string{"given_name", "family_name", "birth_date", "age_estimate"}
)

// CaseList exports the actor's filtered case list (the case list's filters; cursor and limit are
// ignored) in format, with only the fields the actor may read. The read is audited ("case.export") by
// the case service in the same transaction. The stamp is the first line of the file.
func (s *Service) CaseList(ctx context.Context, a *authz.Actor, q cases.ListQuery, format string, st Stamp) (*File, error) {
	if err := checkFormat(format); err != nil {
		return nil, err
	}
	ex, err := s.cases.Export(ctx, a, q, format)
	if err != nil {
		return nil, fmt.Errorf("export case list: %w", err)
	}
	return caseTable(ex, st).write(format, "homeward-cases", st)
}

// caseTable lays the export out: stamp, header, one row per case. Times are in the stamp's zone.
func caseTable(ex *cases.Export, st Stamp) *table {
	t := &table{notes: []string{st.Line()}, above: true}
	if ex.Truncated {
		t.notes = append(t.notes, fmt.Sprintf("Only the %d most recently changed cases: narrow the filters for the rest", cases.ExportLimit))
	}
	t.header = append(t.header, caseColumns...)
	if ex.Identity {
		t.header = append(t.header, identityColumns...)
	}
	loc := st.At.Location()
	t.rows = make([][]string, 0, len(ex.Rows))
	for _, r := range ex.Rows {
		row := make([]string, 0, len(t.header))
		row = append(row, r.Reference, string(r.Stage), r.Nationality, r.Sex, strconv.FormatBool(r.Minor), r.Operation,
			r.CreatedAt.In(loc).Format("2006-01-02 15:04"), r.UpdatedAt.In(loc).Format("2006-01-02 15:04"))
		if ex.Identity {
			birth, age := "", ""
			if r.BirthDate != nil {
				birth = r.BirthDate.Format("2006-01-02")
			}
			if r.AgeEstimate != nil {
				age = strconv.Itoa(*r.AgeEstimate)
			}
			row = append(row, r.GivenName, r.FamilyName, birth, age)
		}
		t.rows = append(t.rows, row)
	}
	return t
}
