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

// search is the q of a list query, ready for SQL: a LIKE pattern for names and aliases, and the
// blind index of the text read as a document number (nil when it cannot be one).
type search struct {
	like string
	bidx []byte
	// trigrams tells that the pattern holds a trigram pg_trgm can look up (3 characters or more),
	// so that the name indexes narrow the search.
	trigrams bool
}

// match is the SQL condition of a search on persons aliased p, with its arguments.
func (s *search) match() (string, []any) {
	if s.bidx != nil {
		return "(p.search_name LIKE ? OR p.search_aliases LIKE ? OR p.document_number_bidx = ? OR p.document_bidxs @> ARRAY[?::bytea])",
			[]any{s.like, s.like, s.bidx, s.bidx}
	}
	return "(p.search_name LIKE ? OR p.search_aliases LIKE ?)", []any{s.like, s.like}
}

// filters returns the SQL conditions of the query's filters but the search, and their arguments,
// after the scope; and the search, nil without one.
func (q *ListQuery) filters(st *store.Store, scope authz.Scope) (*conditions, *search, error) {
	w := &conditions{}
	cond, args := scope.CaseFilterPerRow("c")
	w.addCase(cond, args...)
	add := w.add
	inv := &problem.Invalid{}
	if q.Stage != "" {
		if !q.Stage.Valid() {
			inv.Add("stage", "case.error.stage_unknown")
		}
		w.addCase("c.stage = ?", q.Stage)
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
		w.addCase("c.assigned_user_id = ?", q.AssignedTo)
	}
	if q.PendingApproval {
		add(pendingApprovalSQL)
	}
	var srch *search
	if text := strings.TrimSpace(norm.NFC.String(q.Q)); text != "" {
		// Names and aliases partially, in any script; a document number (the primary one or any held)
		// exactly, through its blind index.
		lower := strings.ToLower(text)
		srch = &search{like: "%" + escapeLike(lower) + "%", bidx: st.Keys.BlindIndex(vault.KindDocumentNumber, text),
			trigrams: hasTrigram(lower)}
	}
	if q.Cursor != "" {
		at, id, ok := decodeCursor(q.Cursor)
		if !ok {
			inv.Add("cursor", "form.error.invalid")
		}
		w.addCase("(c.updated_at, c.id) < (?, ?)", at, id)
	}
	return w, srch, inv.Err()
}

// List returns one page of the cases the actor may see, newest change first, and audits the read.
func (s *Service) List(ctx context.Context, a *authz.Actor, q ListQuery) (*Page, error) {
	st, scope, err := s.bind(a, authz.SectionCases, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	plan, err := q.plan(st, scope)
	if err != nil {
		return nil, err
	}
	page := &Page{}
	if plan.fallback == nil && plan.ordered == nil {
		err = s.listAudited(ctx, st, a, q, plan.first, &page.Items)
	} else {
		err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := plan.run(tx, &page.Items); err != nil {
				return err
			}
			return audit.Append(tx, s.now(), entry(a, audit.CaseList, "case", "", listDetail(q, min(len(page.Items), q.Limit))))
		})
	}
	if err != nil {
		return nil, err
	}
	if len(page.Items) > q.Limit {
		page.Items = page.Items[:q.Limit]
		last := page.Items[q.Limit-1]
		page.NextCursor = encodeCursor(last.UpdatedAt, last.ID)
	}
	return page, nil
}

// listAudited reads a page of one statement (a plan without fallback) and appends its audit row
// in that statement, as a data-modifying CTE counting the rows read: the read and its audit row
// commit together, in one round trip instead of four (BEGIN, SELECT, INSERT, COMMIT).
func (s *Service) listAudited(ctx context.Context, st *store.Store, a *authz.Actor, q ListQuery, first *statement, out *[]Summary) error {
	ins, insArgs, err := audit.AppendCounted(s.now(), entry(a, audit.CaseList, "case", "", listDetail(q, audit.CountedRows)), "page", q.Limit)
	if err != nil {
		return err
	}
	sql := "WITH page AS (" + first.sql + "),\nlogged AS (" + ins + ")\nSELECT * FROM page ORDER BY updated_at DESC, id DESC"
	return scanSummaries(st.DB.WithContext(ctx), &statement{sql, append(append([]any{}, first.args...), insArgs...)}, out)
}

// listDetail is the detail of a case list's audit row: its filters and the rows it showed.
func listDetail(q ListQuery, rows int) map[string]any {
	return map[string]any{
		"stage": q.Stage, "operation": q.Operation, "nationality": q.Nationality, "minor": q.Minor,
		"assigned": q.AssignedTo != "", "pending_approval": q.PendingApproval,
		"searched": q.Q != "", "rows": rows}
}

// ListStatement returns the SELECT List runs for q as the actor, with its arguments (GORM
// placeholders): the benchmarks run the very same statement under pgbench. For a name search it is
// the window statement (List may first read the matching texts and the page in order instead).
func (s *Service) ListStatement(a *authz.Actor, q ListQuery) (string, []any, error) {
	st, scope, err := s.bind(a, authz.SectionCases, authz.ActionRead)
	if err != nil {
		return "", nil, err
	}
	plan, err := q.plan(st, scope)
	if err != nil {
		return "", nil, err
	}
	return plan.first.sql, plan.first.args, nil
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
