package notes

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// ErrNotFound is a note the actor may not see — another store, another agency, a class the actor's
// roles lack — or that does not exist.
var ErrNotFound = fmt.Errorf("notes: %w", authz.ErrNotFound)

// maxList caps the notes one list loads.
const maxList = 1000

// Service reads and writes case notes.
type Service struct {
	stores *store.Set
	now    func() time.Time
}

// New returns the notes service over the stores.
func New(stores *store.Set) *Service {
	return &Service{stores: stores, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// bind binds the actor to its store through the section of the first class the actor may take act
// on, and returns those classes; an actor with none gets ErrNotFound.
func (s *Service) bind(a *authz.Actor, act authz.Action) (*store.Store, authz.Scope, []Class, error) {
	classes, err := classesFor(a, act)
	if err != nil {
		return nil, authz.Scope{}, nil, err
	}
	st, scope, err := s.stores.Bind(a, classes[0].Section(), act)
	return st, scope, classes, err
}

// classesFor returns the classes the actor may take act on, or ErrNotFound when there is none; the
// actor binds to its store through the section of the first.
func classesFor(a *authz.Actor, act authz.Action) ([]Class, error) {
	classes := ClassesFor(a, act)
	if len(classes) == 0 {
		return nil, ErrNotFound
	}
	return classes, nil
}

// List returns the notes of a case in the classes the actor may read, newest first, and audits the
// read. Classes the actor may not read are not loaded at all.
func (s *Service) List(ctx context.Context, a *authz.Actor, caseID string) (*List, error) {
	readable, err := classesFor(a, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	out := &List{Readable: readable, Writable: ClassesFor(a, authz.ActionWrite)}
	err = cases.InCase(ctx, s.stores, a, readable[0].Section(), authz.ActionRead, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		out.CaseID = c.ID
		var err error
		if out.Head, err = head(tx, c.ID); err != nil {
			return err
		}
		var rows []row
		if err := tx.Where("case_id = ? AND class IN ?", c.ID, readable).
			Order("created_at DESC, id DESC").Limit(maxList).Find(&rows).Error; err != nil {
			return fmt.Errorf("list notes: %w", err)
		}
		out.Notes = make([]Note, 0, len(rows))
		for i := range rows {
			n, err := open(st, &rows[i])
			if err != nil {
				return err
			}
			out.Notes = append(out.Notes, *n)
		}
		return audit.AppendMany(tx, s.now(), listEntries(a, c.ID, readable, rows))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// listEntries are the audit rows of a listing: one per class read, in that class's section, with
// the count of that class only, so a reader of the audit trail learns how many notes of a class
// exist only when they may read the class.
func listEntries(a *authz.Actor, caseID string, readable []Class, rows []row) []audit.Entry {
	counts := make(map[Class]int, len(readable))
	for i := range rows {
		counts[rows[i].Class]++
	}
	out := make([]audit.Entry, 0, len(readable))
	for _, cl := range readable {
		out = append(out, audit.ByActor(a, audit.NoteList.In(cl.Section()), "case", caseID,
			map[string]any{"class": cl, "count": counts[cl]}))
	}
	return out
}

// Add writes a new note of in.Class on a case. A class the actor may not write is not found, like
// the case itself; an unknown class or a bad body is *problem.Invalid.
func (s *Service) Add(ctx context.Context, a *authz.Actor, caseID string, in Input) (*Note, error) {
	st, scope, writable, err := s.bind(a, authz.ActionWrite)
	if err != nil {
		return nil, err
	}
	if in.Class.Valid() && !slices.Contains(writable, in.Class) {
		return nil, ErrNotFound
	}
	var out *Note
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := cases.Find(tx, scope, caseID)
		if err != nil {
			return err
		}
		inv := &problem.Invalid{}
		if !in.Class.Valid() {
			inv.Add("class", "form.error.choose")
		}
		in.cleanBody(inv)
		if err := inv.Err(); err != nil {
			return err
		}
		now := s.now()
		r := row{ID: uuid.Must(uuid.NewV7()).String(), CaseID: c.ID, Class: in.Class, AuthorID: a.UserID,
			CreatedAt: now, UpdatedAt: now, Version: 1}
		if r.BodyEnc, err = st.Keys.SealString(sealedBody, r.ID, in.Body); err != nil {
			return err
		}
		if err := tx.Create(&r).Error; err != nil {
			return fmt.Errorf("insert note: %w", err)
		}
		out = &Note{ID: r.ID, CaseID: r.CaseID, Class: r.Class, Body: in.Body, AuthorID: r.AuthorID,
			CreatedAt: now, UpdatedAt: now, Version: 1}
		return audit.Append(tx, now, audit.ByActor(a, audit.NoteCreate.In(r.Class.Section()), "case", c.ID,
			map[string]any{"note_id": r.ID, "class": r.Class}))
	})
	return out, err
}

// Update replaces the body of a note at in.Version (the class stays). A stale version is
// problem.ErrConflict; a note of a class the actor may not write is not found.
func (s *Service) Update(ctx context.Context, a *authz.Actor, noteID string, in Input) (*Note, error) {
	st, scope, classes, err := s.bind(a, authz.ActionWrite)
	if err != nil {
		return nil, err
	}
	var out *Note
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := find(tx, scope, readAndWrite(a, classes), noteID)
		if err != nil {
			return err
		}
		if in.CaseID != "" && in.CaseID != r.CaseID {
			return ErrNotFound
		}
		inv := &problem.Invalid{}
		in.cleanBody(inv)
		if err := inv.Err(); err != nil {
			return err
		}
		now := s.now()
		body, err := st.Keys.SealString(sealedBody, r.ID, in.Body)
		if err != nil {
			return err
		}
		res := tx.Model(&row{}).Where("id = ? AND version = ?", r.ID, in.Version).
			Select("body_enc", "updated_at", "version").
			Updates(map[string]any{"body_enc": body, "updated_at": now, "version": gorm.Expr("version + 1")})
		if res.Error != nil {
			return fmt.Errorf("update note: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return problem.ErrConflict
		}
		out = &Note{ID: r.ID, CaseID: r.CaseID, Class: r.Class, Body: in.Body, AuthorID: r.AuthorID,
			CreatedAt: r.CreatedAt, UpdatedAt: now, Version: in.Version + 1}
		return audit.Append(tx, now, audit.ByActor(a, audit.NoteUpdate.In(r.Class.Section()), "case", r.CaseID,
			map[string]any{"note_id": r.ID, "class": r.Class, "version": in.Version}))
	})
	return out, err
}

const findSQL = `SELECT n.* FROM notes n JOIN cases c ON c.id = n.case_id WHERE n.id = ? AND n.class IN ? AND `

// find loads a note of one of classes on a case within the scope, or ErrNotFound.
func find(tx *gorm.DB, scope authz.Scope, classes []Class, noteID string) (*row, error) {
	if _, err := uuid.Parse(noteID); err != nil || len(noteID) != 36 || len(classes) == 0 {
		return nil, ErrNotFound
	}
	cond, args := scope.CaseFilter("c")
	var r row
	res := tx.Raw(findSQL+cond, append([]any{noteID, classes}, args...)...).Scan(&r)
	if res.Error != nil {
		return nil, fmt.Errorf("find note: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrNotFound
	}
	return &r, nil
}

// readAndWrite keeps the classes the actor may also read.
func readAndWrite(a *authz.Actor, writable []Class) []Class {
	var out []Class
	for _, c := range writable {
		if a.Can(c.Section(), authz.ActionRead) {
			out = append(out, c)
		}
	}
	return out
}

func open(st *store.Store, r *row) (*Note, error) {
	body, err := st.Keys.OpenString(sealedBody, r.ID, r.BodyEnc)
	if err != nil {
		return nil, fmt.Errorf("open note: %w", err)
	}
	return &Note{ID: r.ID, CaseID: r.CaseID, Class: r.Class, Body: body, AuthorID: r.AuthorID,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version}, nil
}
