package operations

import (
	"context"
	"encoding/base64"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"
)

// listSQL selects one page of operations; %s is the persons column: a count of the persons brought
// in whose cases the scope may see, or NULL for an actor who may not read cases.
const listSQL = `SELECT o.id, o.name, o.operation_date, o.lead_agency_id, o.province, o.district, o.compound, o.alias,
       %s AS persons
FROM operations o`

const personsCountSQL = `(SELECT count(DISTINCT p.id) FROM persons p JOIN cases c ON c.person_id = p.id WHERE p.operation_id = o.id AND `

// List returns one page of the operations of the actor's store, newest operation date first, and
// audits the read.
func (s *Service) List(ctx context.Context, a *authz.Actor, q PageQuery) (*Page, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionOperations, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	q.clamp()
	var args []any
	persons := "NULL::bigint"
	if a.Can(authz.SectionCases, authz.ActionRead) {
		cond, cargs := scope.CaseFilter("c")
		persons, args = personsCountSQL+cond+")", cargs
	}
	sql := strings.Replace(listSQL, "%s", persons, 1)
	if q.Cursor != "" {
		date, id, ok := decodeCursor(q.Cursor)
		if !ok {
			return nil, &problem.Invalid{Fields: map[string]string{"cursor": "form.error.invalid"}}
		}
		sql, args = sql+" WHERE (o.operation_date, o.id) < (?, ?)", append(args, date, id)
	}
	sql, args = sql+" ORDER BY o.operation_date DESC, o.id DESC LIMIT ?", append(args, q.Limit+1)
	agencies, err := s.agencyMap(ctx, scope.Country)
	if err != nil {
		return nil, err
	}
	page := &Page{}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(sql, args...).Scan(&page.Items).Error; err != nil {
			return err
		}
		if len(page.Items) > q.Limit {
			page.Items = page.Items[:q.Limit]
			last := page.Items[q.Limit-1]
			page.NextCursor = encodeCursor(last.OperationDate.Format(time.DateOnly), last.ID)
		}
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.OperationList, "operation", "",
			map[string]any{"rows": len(page.Items), "paged": q.Cursor != ""}))
	})
	if err != nil {
		return nil, err
	}
	for i := range page.Items {
		page.Items[i].LeadAgency = agencies[page.Items[i].LeadAgencyID]
	}
	return page, nil
}

// encodeCursor makes an opaque cursor of a sort key (a date or a time in microseconds) and an id.
func encodeCursor(key, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key + "|" + id))
}

// decodeCursor reads a cursor of the operation list: a date and an operation id.
func decodeCursor(s string) (time.Time, string, bool) {
	key, id, ok := splitCursor(s)
	if !ok {
		return time.Time{}, "", false
	}
	d, err := time.Parse(time.DateOnly, key)
	return d, id, err == nil
}

func splitCursor(s string) (string, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", "", false
	}
	key, id, ok := strings.Cut(string(b), "|")
	if !ok || !validUUID(id) {
		return "", "", false
	}
	return key, id, true
}

func validUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}
