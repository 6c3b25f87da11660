package imports

import (
	"strings"
	"time"

	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/htcds"
	"homeward/internal/screening"
	"homeward/internal/store"
)

// mapPicklist reads the cell of an HTCDS picklist column (the column's system name says which
// picklist) into row.Picklists. A value outside the picklist is an error at the cell, naming it and
// the values of the list.
func (p *Parsed) mapPicklist(row *Row, col int, v string) {
	if v == "" {
		return
	}
	field := p.head.htcds[col]
	values, bad := htcds.Split(field, v)
	if bad != "" {
		p.cellError(row.Num, col, "imports.error.picklist", "Value", bad, "Values", strings.Join(htcds.Values(field), "; "))
		return
	}
	if row.Picklists == nil {
		row.Picklists = map[string][]string{}
	}
	row.Picklists[field] = values
}

// checkPicklists checks a row's HTCDS picklist values as it is read: the rights to record them
// (checkPicklistRights), and whether any is kept as given (counted for notePicklists).
func (p *Parsed) checkPicklists(a *authz.Actor, r Row) {
	if p.head == nil || p.head.layout != LayoutHTCDS || len(r.Picklists) == 0 {
		return
	}
	m := htcds.Map(r.Picklists)
	p.checkPicklistRights(a, r, m)
	if len(m.Kept) > 0 {
		p.keptRows++
	}
}

// checkPicklistRights refuses, at their cells, picklist values the actor may not record: screening
// indicators without the screening section's write right, and a closed case without the right to
// approve a closure (the same rights as recording a screening and closing a case by hand).
func (p *Parsed) checkPicklistRights(a *authz.Actor, r Row, m htcds.Imported) {
	if len(m.Indicators) > 0 && !a.Can(authz.SectionScreening, authz.ActionWrite) {
		for _, l := range htcds.Links {
			if l.Indicator != "" && contains(r.Picklists[l.Field], l.Value) {
				p.cellError(r.Num, p.head.htcdsIndex(l.Field), "imports.error.picklist_screening")
			}
		}
	}
	if m.Stage == cases.StageClosed && !a.Can(authz.SectionClosure, authz.ActionApprove) {
		p.cellError(r.Num, p.head.htcdsIndex(htcds.FieldCaseStatus), "imports.error.picklist_closed")
	}
}

// htcdsExtra is what the picklists add to the intake of a batch of rows: the stage each case opens
// in, and, in the file's transaction, the screenings of the indicators read and the values kept as
// given.
func (p *Parsed) htcdsExtra(a *authz.Actor, rows []Row, now time.Time) cases.BatchExtra {
	var x cases.BatchExtra
	if p.head == nil || p.head.layout != LayoutHTCDS {
		return x
	}
	maps := make([]htcds.Imported, len(rows))
	x.Stages, x.Reasons = make([]cases.Stage, len(rows)), make([]string, len(rows))
	for i, r := range rows {
		maps[i] = htcds.Map(r.Picklists)
		x.Stages[i] = maps[i].Stage
		if s := r.Picklists[htcds.FieldCaseStatus]; len(s) > 0 {
			x.Reasons[i] = "HTCDS import: " + htcds.FieldCaseStatus + " " + s[0]
		}
	}
	x.After = func(tx *gorm.DB, st *store.Store, out []cases.Intaken) error {
		var screened []screening.Imported
		kept := map[string][]htcds.KeptValue{}
		for i, in := range out {
			if len(maps[i].Indicators) > 0 {
				screened = append(screened, screening.Imported{CaseID: in.Case.ID, Present: maps[i].Indicators})
			}
			if len(maps[i].Kept) > 0 {
				kept[in.Case.ID] = maps[i].Kept
			}
		}
		if err := screening.RecordImported(tx, st, a, now, screened); err != nil {
			return err
		}
		return htcds.Keep(tx, kept)
	}
	return x
}

// notePicklists adds a note counting the rows whose picklist values were kept as given (Homeward has
// no indicator for them), so the person importing knows they are not screening answers.
func (p *Parsed) notePicklists() {
	if p.keptRows > 0 {
		p.Notes = append(p.Notes, Note{Key: "imports.note.picklists_kept", Args: []any{"Rows", p.keptRows}})
	}
}

// htcdsIndex returns the index of the column with an HTCDS system name, or -1.
func (h *header) htcdsIndex(name string) int {
	for i, n := range h.htcds {
		if n == name {
			return i
		}
	}
	return -1
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
