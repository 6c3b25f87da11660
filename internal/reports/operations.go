package reports

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
)

// progressSQL counts, per rescue operation and nationality, the cases of the persons it brought
// in (from case_facts, see figures.go): received (every case); screened (a screening recorded, or
// moved into identification); identified (an approved decision "identified"); repatriated (in
// handover or reintegration now, or ever moved there, e.g. closed after return); pending (neither
// repatriated nor closed). Operations without persons have one row with a NULL nationality and
// zero counts.
const progressSQL = `
WITH f AS (
  SELECT operation_id, nationality, stage, screened, identified,
         stage IN ('handover', 'reintegration') OR returned_at IS NOT NULL AS repatriated
  FROM case_facts WHERE operation_id IS NOT NULL
)
SELECT o.id, o.name, o.operation_date, f.nationality,
  count(f.stage) AS received,
  count(*) FILTER (WHERE f.screened) AS screened,
  count(*) FILTER (WHERE f.identified) AS identified,
  count(*) FILTER (WHERE f.repatriated) AS repatriated,
  count(*) FILTER (WHERE NOT f.repatriated AND f.stage <> 'closed') AS pending
FROM operations o
LEFT JOIN f ON f.operation_id = o.id
GROUP BY o.id, o.name, o.operation_date, f.nationality
ORDER BY o.operation_date DESC, o.id, f.nationality`

// progressRow is one row of progressSQL.
type progressRow struct {
	ID                                                   string
	Name                                                 string
	OperationDate                                        time.Time
	Nationality                                          *string
	Received, Screened, Identified, Repatriated, Pending int
}

// Progress is the raw progress of one operation.
type Progress struct {
	ID, Name                                             string
	Date                                                 time.Time
	Received, Screened, Identified, Repatriated, Pending int
	ByNationality                                        map[string]int // received, by nationality
}

// OperationProgress is the progress of one operation as published to an actor.
type OperationProgress struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Date          time.Time `json:"date"`
	Received      Count     `json:"received"`
	Screened      Count     `json:"screened"`
	Identified    Count     `json:"identified"`
	Repatriated   Count     `json:"repatriated"`
	Pending       Count     `json:"pending"`
	ByNationality []Row     `json:"by_nationality"`
}

// Operations is the progress of every rescue operation of a store.
type Operations struct {
	Country    string              `json:"country"`
	Suppressed bool                `json:"suppressed"`
	Items      []OperationProgress `json:"items"`
}

// ComputeProgress returns the progress of every operation of one store database, newest first.
// Like Compute it applies no scope.
func ComputeProgress(ctx context.Context, db *gorm.DB) ([]Progress, error) {
	var rows []progressRow
	db = db.WithContext(ctx)
	noJIT(db)
	if err := db.Raw(progressSQL).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("reports progress: %w", err)
	}
	var out []Progress
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].ID != r.ID {
			out = append(out, Progress{ID: r.ID, Name: r.Name, Date: r.OperationDate, ByNationality: map[string]int{}})
		}
		p := &out[len(out)-1]
		p.Received += r.Received
		p.Screened += r.Screened
		p.Identified += r.Identified
		p.Repatriated += r.Repatriated
		p.Pending += r.Pending
		if r.Nationality != nil && r.Received > 0 {
			p.ByNationality[*r.Nationality] += r.Received
		}
	}
	return out, nil
}

// Operations returns the progress of the operations of the actor's store, audited as
// "report.operations" in the same transaction.
func (s *Service) Operations(ctx context.Context, a *authz.Actor) (*Operations, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionReports, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	var ps []Progress
	var sup bool
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if ps, err = ComputeProgress(ctx, tx); err != nil {
			return err
		}
		if sup, err = Suppressed(tx, a, scope, time.Time{}); err != nil {
			return err
		}
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.ReportOperations, "store", st.Country, nil))
	})
	if err != nil {
		return nil, fmt.Errorf("reports operations: %w", err)
	}
	out := &Operations{Country: st.Country, Suppressed: sup, Items: []OperationProgress{}}
	for _, p := range ps {
		// The nationalities split the persons received: suppressed against that total.
		received, rows := publishLinked(p.Received, sup, p.ByNationality)
		out.Items = append(out.Items, OperationProgress{ID: p.ID, Name: p.Name, Date: p.Date,
			Received: received, Screened: count(p.Screened, sup), Identified: count(p.Identified, sup),
			Repatriated: count(p.Repatriated, sup), Pending: count(p.Pending, sup),
			ByNationality: rows[0]})
	}
	return out, nil
}
