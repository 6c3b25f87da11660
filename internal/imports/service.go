// Package imports is the bulk intake: a CSV or XLSX file of the persons a rescue operation brought in,
// in the Homeward template (headers in English, Thai or Khmer) or the HTCDS v2.0 layout, checked row
// by row and column by column, then registered all or nothing through cases.Service.IntakeFile.
package imports

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// ErrNotFound is an operation the actor may not see, or that does not exist.
var ErrNotFound = fmt.Errorf("imports: operation: %w", authz.ErrNotFound)

// Service imports files of persons into a rescue operation.
type Service struct {
	stores *store.Set
	cases  *cases.Service
	now    func() time.Time
}

// New returns the import service; it registers persons through cs.
func New(stores *store.Set, cs *cases.Service) *Service {
	return &Service{stores: stores, cases: cs, now: func() time.Time { return time.Now().UTC() }}
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// Report is the outcome of an import: the rows read, the persons registered (0 on a dry run or when
// any row has an error), every error and warning by row and column, the possible duplicates of
// each row, and notes on the file.
type Report struct {
	Layout   Layout
	DryRun   bool
	Rows     int
	Created  int
	Errors   []Problem
	Warnings []Problem
	Notes    []Note
	// Duplicates are the persons of the store each row may already be.
	Duplicates []Duplicate
	// CaseIDs are the cases opened, in row order (a real run without errors).
	CaseIDs []string
	// DuplicateWarnings counts the warnings about possible duplicates (of the store or the file).
	DuplicateWarnings int
	// UploadID names the checked file kept for ImportChecked (Check only).
	UploadID string
	// MoreErrors and MoreWarnings count the problems past MaxProblems, not listed (a note says so);
	// Duplicates lists at most MaxProblems persons.
	MoreErrors, MoreWarnings int
}

// Duplicate is a person of the store that a row may be, by spreadsheet row.
type Duplicate struct {
	Row      int
	PersonID string
	Reason   string // cases.ReasonDocument or cases.ReasonName
}

// batchRows is how many rows of a file are checked (validated, looked up in the store) and then
// written at a time.
const batchRows = 250

// errRefused rolls back an import whose rows the case service refused at the last moment (the
// report says why).
var errRefused = errors.New("imports: rows refused")

// Import checks a file for the operation and, unless dryRun or any row has an error, registers every
// person in it at once: all of them or none. Problems with the file are in the report, not the
// error; the error is for an operation not found (another store), a refused section, or a failure.
//
// The file is read a row at a time and never held as rows: in one transaction, a first pass maps
// and validates each row and checks its possible duplicates batchRows at a time (the store's by
// its indexes, the file's by a compact index of the rows checked); when no row has an error, a
// second pass reads the file again and writes it batchRows rows at a time. The report keeps at most
// MaxProblems errors and warnings and counts the rest.
func (s *Service) Import(ctx context.Context, a *authz.Actor, operationID string, data []byte, dryRun bool) (*Report, error) {
	if _, err := s.Operation(ctx, a, operationID); err != nil {
		return nil, err
	}
	now := s.now()
	var rep *Report
	var p *Parsed
	err := s.cases.IntakeFile(ctx, a, func(fi *cases.FileIntake) error {
		var err error
		rep, p, err = checkFile(fi, a, operationID, data, now, dryRun)
		if err != nil || dryRun || rep.Rows == 0 || p.failedAt() {
			return err
		}
		return writeFile(fi, a, operationID, data, now, rep, p)
	})
	switch {
	case errors.Is(err, errRefused):
		rep.Created, rep.CaseIDs = 0, nil
	case err != nil:
		return nil, fmt.Errorf("import: %w", err)
	}
	if !dryRun && p.failedAt() { // a refused file: its errors, not what it might duplicate
		p.Warnings, p.MoreWarnings, rep.Duplicates, rep.DuplicateWarnings = nil, 0, nil, 0
	}
	p.noteMore()
	p.notePicklists()
	p.sortProblems()
	sort.SliceStable(rep.Duplicates, func(i, j int) bool { return rep.Duplicates[i].Row < rep.Duplicates[j].Row })
	rep.Layout, rep.Errors, rep.Warnings, rep.Notes = p.Layout, p.Errors, p.Warnings, p.Notes
	rep.MoreErrors, rep.MoreWarnings = p.MoreErrors, p.MoreWarnings
	return rep, nil
}

// checkFile is the first pass: every row read, mapped, validated and checked for repeats and
// possible duplicates, batchRows at a time. Once a real run has an error, rows are only validated.
func checkFile(fi *cases.FileIntake, a *authz.Actor, operationID string, data []byte, now time.Time, dryRun bool) (*Report, *Parsed, error) {
	st := openStream(data, now)
	defer st.close()
	rep := &Report{DryRun: dryRun}
	var reps repeats
	var nums []int32 // the spreadsheet row of each data row, by index in the file
	batch := make([]Row, 0, batchRows)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		chk, err := fi.Check(inputs(batch, operationID), dryRun || !st.p.failedAt())
		if err != nil {
			return err
		}
		for i, inv := range chk.Invalid {
			st.p.fieldErrors(batch[i].Num, inv)
		}
		for i, list := range chk.Duplicates {
			st.p.duplicates(rep, batch[i].Num, list, nums)
		}
		for _, e := range chk.Earlier {
			st.p.duplicates(rep, int(nums[e.Row]), []cases.Duplicate{e.Duplicate}, nums)
		}
		batch = batch[:0]
		clear(st.p.flagged)
		return nil
	}
	for {
		r, ok := st.next()
		if !ok {
			break
		}
		r.Input.OperationID = operationID
		nums = append(nums, int32(r.Num))
		reps.check(st.p, r)
		st.p.checkPicklists(a, r)
		if batch = append(batch, r); len(batch) == batchRows {
			if err := flush(); err != nil {
				return nil, nil, err
			}
		}
	}
	if !st.failed {
		if err := flush(); err != nil {
			return nil, nil, err
		}
	}
	st.finish()
	if st.failed {
		*rep = Report{DryRun: dryRun}
	} else {
		rep.Rows = st.rows
	}
	return rep, st.p, nil
}

// writeFile is the second pass of a file without errors: read again, batchRows rows at a time,
// each batch registered. A batch the case service refuses rolls the whole file back (errRefused).
func writeFile(fi *cases.FileIntake, a *authz.Actor, operationID string, data []byte, now time.Time, rep *Report, p *Parsed) error {
	st := openStream(data, now)
	defer st.close()
	batch := make([]Row, 0, batchRows)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		res, err := fi.InsertWith(inputs(batch, operationID), p.htcdsExtra(a, batch, now))
		var be *cases.BatchError
		switch {
		case errors.As(err, &be):
			p.batchErrors(be, batch)
			return errRefused
		case err != nil:
			return err
		}
		for _, r := range res {
			rep.CaseIDs = append(rep.CaseIDs, r.Case.ID)
		}
		rep.Created += len(res)
		batch = batch[:0]
		return nil
	}
	for {
		r, ok := st.next()
		if !ok {
			break
		}
		if batch = append(batch, r); len(batch) == batchRows {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if st.failed || st.rows != rep.Rows {
		return fmt.Errorf("import: the file read %d rows the second time, %d the first", st.rows, rep.Rows)
	}
	return flush()
}

// inputs are the intake inputs of a batch, for the operation.
func inputs(batch []Row, operationID string) []cases.IntakeInput {
	out := make([]cases.IntakeInput, len(batch))
	for i, r := range batch {
		out[i] = r.Input
		out[i].OperationID = operationID
	}
	return out
}

// duplicates turns the possible duplicates of the row at spreadsheet row num into warnings: a
// person of the store (named by a case reference when the actor may see one), or another row of
// the file (Duplicate.Row, its index in the file; nums gives its spreadsheet row). A document
// number repeated within the file is an error already.
func (p *Parsed) duplicates(rep *Report, num int, list []cases.Duplicate, nums []int32) {
	for _, d := range list {
		col := p.head.index(fGivenName)
		if d.Reason == cases.ReasonDocument && p.head.index(fDocumentNumber) >= 0 {
			col = p.head.index(fDocumentNumber)
		}
		warn := func(key string, args ...any) {
			rep.DuplicateWarnings++
			p.addWarning(Problem{Row: num, Column: p.head.columnName(col), Key: key, Args: args, col: col})
		}
		switch {
		case d.Row != nil && d.Reason == cases.ReasonName && *d.Row < len(nums):
			warn("imports.warning.same_person", "Row", int(nums[*d.Row]))
		case d.Row != nil:
		case d.Visible && len(d.Cases) > 0:
			if len(rep.Duplicates) < MaxProblems {
				rep.Duplicates = append(rep.Duplicates, Duplicate{Row: num, PersonID: d.PersonID, Reason: d.Reason})
			}
			warn("imports.warning.dup_"+d.Reason, "Ref", d.Cases[0].Reference)
		default: // held by another agency: a warning, without naming the person
			warn("imports.warning.dup_hidden_" + d.Reason)
		}
	}
}

// Operation is the rescue operation a file is imported into, as the import page names it.
type Operation struct {
	ID            string
	Name          string
	OperationDate time.Time
}

// Operation checks that the actor may import into the operation and returns it: the operations
// section to write, the case core and identity to write (every row opens a case), and the operation
// in the actor's store; anything else is not found.
func (s *Service) Operation(ctx context.Context, a *authz.Actor, operationID string) (*Operation, error) {
	st, _, err := s.stores.Bind(a, authz.SectionOperations, authz.ActionWrite)
	if err != nil {
		return nil, err
	}
	for _, sec := range []authz.Section{authz.SectionCases, authz.SectionIdentity} {
		if err := a.Require(sec, authz.ActionWrite); err != nil {
			return nil, err
		}
	}
	if _, err := uuid.Parse(operationID); err != nil || len(operationID) != 36 {
		return nil, ErrNotFound
	}
	var ops []Operation
	err = st.DB.WithContext(ctx).Raw(operationSQL, operationID).Scan(&ops).Error
	if err != nil {
		return nil, fmt.Errorf("find operation: %w", err)
	}
	if len(ops) == 0 {
		return nil, ErrNotFound
	}
	return &ops[0], nil
}

const operationSQL = `SELECT id, name, operation_date FROM operations WHERE id = ?`

// batchErrors maps the case service's field errors onto the file's cells.
func (p *Parsed) batchErrors(be *cases.BatchError, batch []Row) {
	for i, inv := range be.Rows {
		if i < 0 || i >= len(batch) {
			continue
		}
		p.fieldErrors(batch[i].Num, inv)
	}
}

// fieldErrors records a row's invalid fields at the columns they came from.
func (p *Parsed) fieldErrors(row int, inv *problem.Invalid) {
	for field, key := range inv.Fields {
		col := p.head.index(field)
		switch {
		case col < 0 && field == fBirthDate:
			col = p.head.index(fAgeEstimate)
		case col < 0 && field == fAgeEstimate:
			col = p.head.index(fBirthDate)
		}
		if col < 0 {
			p.addError(Problem{Row: row, Key: key, col: len(p.head.text)})
			continue
		}
		p.cellError(row, col, key)
	}
}
