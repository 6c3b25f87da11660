package cases

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"
	"homeward/internal/store"
	"homeward/internal/vault"
)

// Page sizes of the case list.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

const listSQL = `SELECT c.id, c.reference, c.person_id, c.stage, c.version, c.updated_at,
       p.given_name, p.family_name, p.nationality, p.sex, p.minor
FROM cases c JOIN persons p ON p.id = c.person_id
WHERE `

// ListQuery filters the case list. Every filter is optional; they combine with AND.
type ListQuery struct {
	Stage Stage
	Q     string // name (partial, any script) or exact document number
	// Operation is the rescue operation that brought the person in (a uuid).
	Operation string
	// Nationality is the claimed nationality, ISO 3166-1 alpha-2.
	Nationality string
	// Minor keeps minors (true) or adults (false); nil keeps both.
	Minor *bool
	// AssignedTo is the user the case is assigned to ("assigned to me": the actor's id).
	AssignedTo string
	// PendingApproval keeps cases with an identification decision waiting for a supervisor.
	PendingApproval bool
	Limit           int
	Cursor          string
}

const pendingApprovalSQL = `EXISTS (SELECT 1 FROM identification_decisions d WHERE d.case_id = c.id AND d.status = 'proposed')`

// filters returns the SQL conditions of the query's filters and their arguments, after the scope.
func (q *ListQuery) filters(st *store.Store, scope authz.Scope) ([]string, []any, error) {
	cond, args := scope.CaseFilter("c")
	where := []string{cond}
	add := func(c string, a ...any) { where, args = append(where, c), append(args, a...) }
	inv := &problem.Invalid{}
	if q.Stage != "" {
		if !q.Stage.Valid() {
			inv.Add("stage", "case.error.stage_unknown")
		}
		add("c.stage = ?", q.Stage)
	}
	if q.Operation = strings.TrimSpace(q.Operation); q.Operation != "" {
		if !validUUID(q.Operation) {
			inv.Add("operation", "form.error.invalid")
		}
		add("p.operation_id = ?", q.Operation)
	}
	if q.Nationality = strings.ToUpper(strings.TrimSpace(q.Nationality)); q.Nationality != "" {
		if !validCountry(q.Nationality) {
			inv.Add("nationality", "form.error.country")
		}
		add("p.nationality = ?", q.Nationality)
	}
	if q.Minor != nil {
		add("p.minor = ?", *q.Minor)
	}
	if q.AssignedTo != "" {
		if !validUUID(q.AssignedTo) {
			inv.Add("assigned", "form.error.invalid")
		}
		add("c.assigned_user_id = ?", q.AssignedTo)
	}
	if q.PendingApproval {
		add(pendingApprovalSQL)
	}
	if text := strings.TrimSpace(norm.NFC.String(q.Q)); text != "" {
		like := "%" + escapeLike(strings.ToLower(text)) + "%"
		// Names and aliases partially, in any script; a document number (the primary one or any held)
		// exactly, through its blind index.
		if bidx := st.Keys.BlindIndex(vault.KindDocumentNumber, text); bidx != nil {
			add("(p.search_name LIKE ? OR p.search_aliases LIKE ? OR p.document_number_bidx = ? OR p.document_bidxs @> ARRAY[?::bytea])",
				like, like, bidx, bidx)
		} else {
			add("(p.search_name LIKE ? OR p.search_aliases LIKE ?)", like, like)
		}
	}
	if q.Cursor != "" {
		at, id, ok := decodeCursor(q.Cursor)
		if !ok {
			inv.Add("cursor", "form.error.invalid")
		}
		add("(c.updated_at, c.id) < (?, ?)", at, id)
	}
	return where, args, inv.Err()
}

// List returns one page of the cases the actor may see, newest change first, and audits the read.
func (s *Service) List(ctx context.Context, a *authz.Actor, q ListQuery) (*Page, error) {
	st, scope, err := s.bind(a, authz.SectionCases, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	if q.Limit <= 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit > MaxLimit {
		q.Limit = MaxLimit
	}
	where, args, err := q.filters(st, scope)
	if err != nil {
		return nil, err
	}
	sql := listSQL + strings.Join(where, " AND ") + " ORDER BY c.updated_at DESC, c.id DESC LIMIT ?"
	args = append(args, q.Limit+1)
	page := &Page{}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(sql, args...).Scan(&page.Items).Error; err != nil {
			return err
		}
		if len(page.Items) > q.Limit {
			page.Items = page.Items[:q.Limit]
			last := page.Items[q.Limit-1]
			page.NextCursor = encodeCursor(last.UpdatedAt, last.ID)
		}
		return audit.Append(tx, s.now(), entry(a, audit.CaseList, "case", "", map[string]any{
			"stage": q.Stage, "operation": q.Operation, "nationality": q.Nationality, "minor": q.Minor,
			"assigned": q.AssignedTo != "", "pending_approval": q.PendingApproval,
			"searched": q.Q != "", "rows": len(page.Items)}))
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func encodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d|%s", at.UnixMicro(), id)))
}

func decodeCursor(s string) (time.Time, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", false
	}
	micros, id, ok := strings.Cut(string(b), "|")
	n, err := strconv.ParseInt(micros, 10, 64)
	if !ok || err != nil || !validUUID(id) {
		return time.Time{}, "", false
	}
	return time.UnixMicro(n).UTC(), id, true
}
