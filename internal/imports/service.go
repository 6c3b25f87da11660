// Package imports is the bulk intake: a CSV or XLSX file of the persons a rescue operation brought in,
// in the Homeward template (headers in English, Thai or Khmer) or the HTCDS v2.0 layout, checked row
// by row and column by column, then registered all or nothing through cases.Service.IntakeBatch.
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
}

// Duplicate is a person of the store that a row may be, by spreadsheet row.
type Duplicate struct {
	Row      int
	PersonID string
	Reason   string // cases.ReasonDocument or cases.ReasonName
}

// Import checks a file for the operation and, unless dryRun or any row has an error, registers every
// person in it at once: all of them or none. Problems with the file are in the report, not the
// error; the error is for an operation not found (another store), a refused section, or a failure.
func (s *Service) Import(ctx context.Context, a *authz.Actor, operationID string, data []byte, dryRun bool) (*Report, error) {
	if _, err := s.Operation(ctx, a, operationID); err != nil {
		return nil, err
	}
	p := Parse(data, s.now())
	p.checkPicklistRights(a)
	p.notePicklists()
	ins := make([]cases.IntakeInput, len(p.Rows))
	for i := range p.Rows {
		p.Rows[i].Input.OperationID = operationID
		ins[i] = p.Rows[i].Input
	}
	rep := &Report{Layout: p.Layout, DryRun: dryRun, Rows: len(p.Rows)}
	if dryRun || len(p.Errors) > 0 {
		if err := s.validate(p); err != nil {
			return nil, err
		}
	}
	switch {
	case len(p.Rows) == 0:
	case dryRun:
		dups, err := s.cases.FindDuplicates(ctx, a, ins)
		if err != nil {
			return nil, fmt.Errorf("import: duplicates: %w", err)
		}
		for i, list := range dups {
			p.duplicates(rep, i, list)
		}
	case len(p.Errors) == 0:
		res, err := s.cases.IntakeBatchWith(ctx, a, ins, p.htcdsExtra(a, s.now()))
		var be *cases.BatchError
		switch {
		case errors.As(err, &be):
			p.batchErrors(be)
		case err != nil:
			return nil, fmt.Errorf("import: %w", err)
		default:
			rep.Created = len(res)
			for i, r := range res {
				rep.CaseIDs = append(rep.CaseIDs, r.Case.ID)
				p.duplicates(rep, i, r.Duplicates)
			}
		}
	}
	p.sortProblems()
	sort.SliceStable(rep.Duplicates, func(i, j int) bool { return rep.Duplicates[i].Row < rep.Duplicates[j].Row })
	rep.Errors, rep.Warnings, rep.Notes = p.Errors, p.Warnings, p.Notes
	return rep, nil
}

// duplicates turns the possible duplicates of row i into warnings: a person of the store (named by a
// case reference when the actor may see one), or another row of the file. A document number repeated
// within the file is an error already.
func (p *Parsed) duplicates(rep *Report, i int, list []cases.Duplicate) {
	r := p.Rows[i]
	for _, d := range list {
		col := p.head.index(fGivenName)
		if d.Reason == cases.ReasonDocument && p.head.index(fDocumentNumber) >= 0 {
			col = p.head.index(fDocumentNumber)
		}
		warn := func(key string, args ...any) {
			rep.DuplicateWarnings++
			p.Warnings = append(p.Warnings, Problem{Row: r.Num, Column: p.head.columnName(col), Key: key, Args: args, col: col})
		}
		switch {
		case d.Row != nil && d.Reason == cases.ReasonName && *d.Row < len(p.Rows):
			warn("imports.warning.same_person", "Row", p.Rows[*d.Row].Num)
		case d.Row != nil:
		case d.Visible && len(d.Cases) > 0:
			rep.Duplicates = append(rep.Duplicates, Duplicate{Row: r.Num, PersonID: d.PersonID, Reason: d.Reason})
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

// validate runs the case service's own validation over every row, without writing anything.
func (s *Service) validate(p *Parsed) error {
	for _, r := range p.Rows {
		err := s.cases.Validate(r.Input)
		if inv, ok := problem.AsInvalid(err); ok {
			p.fieldErrors(r.Num, inv)
		} else if err != nil {
			return fmt.Errorf("validate: %w", err)
		}
	}
	return nil
}

// batchErrors maps the case service's field errors onto the file's cells.
func (p *Parsed) batchErrors(be *cases.BatchError) {
	for i, inv := range be.Rows {
		if i < 0 || i >= len(p.Rows) {
			continue
		}
		p.fieldErrors(p.Rows[i].Num, inv)
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
			p.Errors = append(p.Errors, Problem{Row: row, Key: key, col: len(p.head.text)})
			continue
		}
		p.cellError(row, col, key)
	}
}
