package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/personlink"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// FileIntake registers the persons of a file read a batch at a time, all or nothing, in one
// transaction of the actor's store (Service.IntakeFile): the caller hands every batch to Check,
// in file order, then, when nothing was invalid, every batch again to Insert, in the same order.
// It holds one batch's persons at a time and, for the whole file, a compact index of the checked
// rows' names and documents (fileIndex), so its memory grows with neither the store nor the rows
// held by the caller.
type FileIntake struct {
	s     *Service
	tx    *gorm.DB
	st    *store.Store
	scope authz.Scope
	a     *authz.Actor
	now   time.Time
	file  fileIndex
	// dups counts the possible duplicates of each checked row (for its intake's audit row).
	dups     []uint16
	checked  int // rows checked, the next row's index in the file
	inserted int // rows inserted
	// lookups and matches count the rows looked up in the store and what was found (audited when
	// nothing is inserted).
	lookups, matches int
}

// CheckedBatch is what Check found in a batch, by index in the batch.
type CheckedBatch struct {
	// Invalid are the rows the intake refuses; they are neither looked up nor indexed.
	Invalid map[int]*problem.Invalid
	// Duplicates are each valid row's possible duplicates: persons of the store (described as
	// PossibleDuplicates does) and other rows of the file (Duplicate.Row: index in the whole file).
	Duplicates [][]Duplicate
	// Earlier are the rows of earlier batches that this batch's rows may duplicate, the warning
	// they get in turn: Row is the earlier row's index in the file, Duplicate.Row the later row's.
	Earlier []FilePair
}

// FilePair is a possible duplicate of an earlier row of the file, found by a later batch.
type FilePair struct {
	Row       int
	Duplicate Duplicate
}

// IntakeFile runs fn in one transaction of the actor's store (cases and identity written) with a
// FileIntake; an error from fn rolls everything back. When fn inserted nothing but looked persons
// up, the look-up is audited (PersonDuplicates), as PossibleDuplicates audits it.
func (s *Service) IntakeFile(ctx context.Context, a *authz.Actor, fn func(*FileIntake) error) error {
	st, scope, err := s.bindIntake(a)
	if err != nil {
		return err
	}
	return st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		f := &FileIntake{s: s, tx: tx, st: st, scope: scope, a: a, now: s.now()}
		if err := fn(f); err != nil {
			return err
		}
		if f.inserted > 0 || f.lookups == 0 {
			return nil
		}
		return audit.Append(tx, f.now, entry(a, audit.PersonDuplicates, "person", "",
			map[string]any{"rows": f.lookups, "matches": f.matches}))
	})
}

// Check validates the next batch of the file and, when lookUp is set, finds the possible
// duplicates of its valid rows, in the store and among every row of the file checked so far. With
// lookUp unset (a file already refused) it only validates.
func (f *FileIntake) Check(ins []IntakeInput, lookUp bool) (*CheckedBatch, error) {
	out := &CheckedBatch{Invalid: map[int]*problem.Invalid{}, Duplicates: make([][]Duplicate, len(ins))}
	first := f.checked
	f.checked += len(ins)
	var persons []*Person
	var at []int // persons[k] is ins[at[k]]
	for i := range ins {
		in := ins[i]
		p, err := f.s.preparePerson(f.st, &in, f.now)
		if inv, ok := problem.AsInvalid(err); ok {
			out.Invalid[i] = inv
			continue
		} else if err != nil {
			return nil, err
		}
		persons, at = append(persons, p), append(at, i)
	}
	f.dups = append(f.dups, make([]uint16, len(ins))...)
	if !lookUp || len(persons) == 0 {
		return out, nil
	}
	found, ids, err := storeDuplicates(f.tx, persons, f.now)
	if err != nil {
		return nil, err
	}
	if err := describeDuplicates(f.tx, f.scope, found, ids); err != nil {
		return nil, err
	}
	for k, list := range found {
		out.Duplicates[at[k]] = list
	}
	for k, p := range persons {
		row := first + at[k]
		for _, pair := range f.file.add(row, p, f.now) {
			earlier := pair.row
			later := Duplicate{Row: &row, Reason: pair.reason}
			back := Duplicate{Row: &earlier, Reason: pair.reason}
			if i := earlier - first; i >= 0 {
				if len(out.Duplicates[i]) < 2*MaxDuplicates {
					out.Duplicates[i] = append(out.Duplicates[i], later)
				}
			} else if f.dups[earlier] < 2*MaxDuplicates {
				f.dups[earlier]++
				out.Earlier = append(out.Earlier, FilePair{Row: earlier, Duplicate: later})
			}
			if len(out.Duplicates[at[k]]) < 2*MaxDuplicates {
				out.Duplicates[at[k]] = append(out.Duplicates[at[k]], back)
			}
		}
	}
	for i, list := range out.Duplicates {
		f.dups[first+i] += uint16(len(list))
		f.matches += len(list)
	}
	f.lookups += len(persons)
	return out, nil
}

// Insert registers the next batch of the file, the rows Check saw in the same order: their persons
// and cases with multi-row INSERTs, and their audit rows. Invalid rows are a *BatchError (by index
// in the batch); the caller then rolls the whole file back by returning an error from fn.
// Intaken.Duplicates is not filled: Check found them.
func (f *FileIntake) Insert(ins []IntakeInput) ([]Intaken, error) {
	return f.InsertWith(ins, BatchExtra{})
}

// InsertWith is Insert with the additions of x (by index in the batch): the stage each case opens
// in and x.After's work, in the file's transaction.
func (f *FileIntake) InsertWith(ins []IntakeInput, x BatchExtra) ([]Intaken, error) {
	pb, err := f.s.prepareBatch(f.st, f.a, f.scope, ins, x, f.now)
	if err != nil {
		return nil, err
	}
	persons, cs, out := pb.persons, pb.cases, pb.out
	if err := checkOperations(f.tx, ins, &BatchError{Rows: map[int]*problem.Invalid{}}); err != nil {
		return nil, err
	}
	counts := make([]int, len(cs))
	for i := range cs {
		if k := f.inserted + i; k < len(f.dups) {
			counts[i] = int(f.dups[k])
		}
	}
	if err := insertIntakes(f.tx, f.st, f.a, f.scope, persons, cs, counts, f.now); err != nil {
		return nil, err
	}
	if err := x.finish(f.tx, f.st, pb.changes, out); err != nil {
		return nil, err
	}
	f.inserted += len(ins)
	return out, nil
}

// newCase is the case a new person's intake opens: at reception, owned by the actor's agency.
func newCase(p *Person, scope authz.Scope, now time.Time) *Case {
	return &Case{ID: uuid.Must(uuid.NewV7()).String(), PersonID: p.ID, OwnerAgencyID: scope.AgencyID,
		Stage: StageReception, CreatedAt: now, UpdatedAt: now, Version: 1}
}

// insertIntakes writes prepared persons and their new cases in tx: case references, the rows (one
// multi-row INSERT per 500), the cross-border link encodings, and one CaseIntake audit row each
// with its count of possible duplicates.
func insertIntakes(tx *gorm.DB, st *store.Store, a *authz.Actor, scope authz.Scope, persons []*Person, cs []*Case, dups []int, now time.Time) error {
	if len(cs) == 0 {
		return nil
	}
	var seqs []int64
	if err := tx.Raw(`SELECT nextval('case_reference_seq') FROM generate_series(1, ?)`, len(cs)).Scan(&seqs).Error; err != nil {
		return err
	}
	entries := make([]audit.Entry, len(cs))
	for i, c := range cs {
		c.Reference = fmt.Sprintf("%s-%d-%06d", scope.Country, now.Year(), seqs[i])
		detail := map[string]any{"person_id": c.PersonID, "reference": c.Reference, "possible_duplicates": dups[i]}
		if c.Stage != StageReception {
			detail["stage"] = c.Stage
		}
		entries[i] = entry(a, audit.CaseIntake, "case", c.ID, detail)
	}
	if err := tx.CreateInBatches(persons, 500).Error; err != nil {
		return fmt.Errorf("insert persons: %w", err)
	}
	if err := tx.CreateInBatches(cs, 500).Error; err != nil {
		return fmt.Errorf("insert cases: %w", err)
	}
	if err := personlink.Refresh(tx, st, now, personIDs(persons)...); err != nil {
		return err
	}
	return audit.AppendMany(tx, now, entries)
}
