package operations

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"
)

const getSQL = `SELECT id, name, operation_date, lead_agency_id, province, district, compound, alias,
       latitude::float8 AS latitude, longitude::float8 AS longitude, notes_enc, created_by, created_at, updated_at, version
FROM operations WHERE id = ?`

// personsSQL lists the persons an operation brought in whose cases the scope may see; the scope's
// condition and the cursor follow. %s is the name columns: read only for actors who may read the
// identity section, else empty.
const personsSQL = `SELECT c.id AS case_id, c.reference, c.person_id, c.stage, c.created_at,
       p.minor, p.nationality, %s
FROM cases c JOIN persons p ON p.id = c.person_id
WHERE p.operation_id = ? AND `

// Get returns an operation of the actor's store with its notes opened and one page of the persons
// it brought in that the actor may see (their cases in the actor's scope), and audits the read.
func (s *Service) Get(ctx context.Context, a *authz.Actor, id string, q PageQuery) (*View, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionOperations, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	if !validUUID(id) {
		return nil, ErrNotFound
	}
	q.clamp()
	var after *personCursor
	if q.Cursor != "" {
		c, ok := decodePersonCursor(q.Cursor)
		if !ok {
			return nil, &problem.Invalid{Fields: map[string]string{"cursor": "form.error.invalid"}}
		}
		after = &c
	}
	v := &View{PersonsShown: a.Can(authz.SectionCases, authz.ActionRead), ShowNames: a.Can(authz.SectionIdentity, authz.ActionRead)}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Raw(getSQL, id).Scan(&v.Operation)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		notes, err := st.Keys.OpenString(notesField, v.Operation.ID, v.Operation.NotesEnc)
		if err != nil {
			return fmt.Errorf("open operation notes: %w", err)
		}
		v.Notes = notes
		if v.PersonsShown {
			if err := s.persons(tx, scope, v, q.Limit, after); err != nil {
				return err
			}
		}
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.OperationRead, "operation", v.Operation.ID,
			map[string]any{"persons": len(v.Persons), "names": v.ShowNames && len(v.Persons) > 0, "notes": notes != ""}))
	})
	if err != nil {
		return nil, err
	}
	agencies, err := s.agencyMap(ctx, scope.Country)
	if err != nil {
		return nil, err
	}
	v.LeadAgency = agencies[v.Operation.LeadAgencyID]
	return v, nil
}

// persons loads one page of the operation's persons within the scope into v.
func (s *Service) persons(tx *gorm.DB, scope authz.Scope, v *View, limit int, after *personCursor) error {
	names := "'' AS given_name, '' AS family_name"
	if v.ShowNames {
		names = "p.given_name, p.family_name"
	}
	cond, cargs := scope.CaseFilter("c")
	sql, args := strings.Replace(personsSQL, "%s", names, 1)+cond, append([]any{v.Operation.ID}, cargs...)
	if after != nil {
		sql, args = sql+" AND (c.created_at, c.id) > (?, ?)", append(args, after.at, after.id)
	}
	sql, args = sql+" ORDER BY c.created_at, c.id LIMIT ?", append(args, limit+1)
	if err := tx.Raw(sql, args...).Scan(&v.Persons).Error; err != nil {
		return fmt.Errorf("operation persons: %w", err)
	}
	if len(v.Persons) > limit {
		v.Persons = v.Persons[:limit]
		last := v.Persons[limit-1]
		v.NextCursor = encodeCursor(strconv.FormatInt(last.CreatedAt.UnixMicro(), 10), last.CaseID)
	}
	return nil
}

type personCursor struct {
	at time.Time
	id string
}

func decodePersonCursor(s string) (personCursor, bool) {
	key, id, ok := splitCursor(s)
	if !ok {
		return personCursor{}, false
	}
	micros, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		return personCursor{}, false
	}
	return personCursor{at: time.UnixMicro(micros).UTC(), id: id}, true
}
