package repatriation

import (
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"homeward/internal/problem"
)

// section is a case's repatriation section as a batch of replies reads and writes it: its row
// (nil: none yet), the version it was read at (0: none) and its steps as read.
type section struct {
	r     *row
	from  int
	steps []stepRow
}

// loadMany reads the sections of the cases (rows locked) and their steps: one query per table.
func loadMany(tx *gorm.DB, caseIDs []string) (map[string]*section, error) {
	var rows []row
	if err := tx.Where("case_id IN ?", caseIDs).Clauses(clause.Locking{Strength: "UPDATE"}).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read repatriations: %w", err)
	}
	var steps []stepRow
	if err := tx.Where("case_id IN ?", caseIDs).Find(&steps).Error; err != nil {
		return nil, fmt.Errorf("read repatriation steps: %w", err)
	}
	out := make(map[string]*section, len(caseIDs))
	for _, id := range caseIDs {
		out[id] = &section{}
	}
	for i := range rows {
		out[rows[i].CaseID].r, out[rows[i].CaseID].from = &rows[i], rows[i].Version
	}
	for _, sr := range steps {
		out[sr.CaseID].steps = append(out[sr.CaseID].steps, sr)
	}
	return out, nil
}

// upsertWhere lets the upsert update a section only at the version it was read at (each batch
// moves it by one): a section created meanwhile by someone else is a conflict, never overwritten.
var upsertWhere = clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "repatriations.version = excluded.version - 1"}}}

// writeMany writes the sections of caseIDs whose row is set (in memory), one statement per table:
// the rows (inserted from version 0 or updated at the version read; any row not written is a
// conflict), their recomputed steps, and the steps' activity.
func writeMany(tx *gorm.DB, caseIDs []string, secs map[string]*section) error {
	rows := make([]*row, 0, len(caseIDs))
	var steps []stepRow
	for _, id := range caseIDs {
		sec := secs[id]
		if sec.r == nil {
			continue
		}
		sec.r.Version = sec.from + 1
		rows = append(rows, sec.r)
		steps = append(steps, computeSteps(sec.r, overridesOf(sec.steps))...)
	}
	if len(rows) == 0 {
		return nil
	}
	res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "case_id"}},
		DoUpdates: clause.AssignmentColumns(rowColumns), Where: upsertWhere}).Create(&rows)
	if res.Error != nil {
		return fmt.Errorf("write repatriations: %w", res.Error)
	}
	if res.RowsAffected != int64(len(rows)) {
		return problem.ErrConflict
	}
	if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "case_id"}, {Name: "step"}},
		DoUpdates: clause.AssignmentColumns([]string{"due_on", "overridden", "done"})}).Create(&steps).Error; err != nil {
		return fmt.Errorf("write repatriation steps: %w", err)
	}
	if err := tx.Exec(activeManySQL, caseIDs).Error; err != nil {
		return fmt.Errorf("write repatriation steps: %w", err)
	}
	return nil
}

// activeManySQL is activeSQL for many cases at once.
const activeManySQL = `UPDATE repatriation_steps s SET active = (c.stage IN ('recovery', 'return_preparation')),
	owner_agency_id = c.owner_agency_id
FROM cases c WHERE c.id = s.case_id AND s.case_id IN ?`
