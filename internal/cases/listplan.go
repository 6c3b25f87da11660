package cases

import (
	"strings"
	"unicode"

	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/store"
)

// searchWindow is how many of the newest cases in scope a name search reads first (see plan); a
// variable only for the tests that run both ways of reading.
var searchWindow = 4000

// conditions are the WHERE conditions of a list query with their arguments, split into those on
// the cases row alone (scope, stage, assignee, cursor) and the others (person columns, decisions).
type conditions struct {
	onCase, other       []string
	caseArgs, otherArgs []any
}

func (w *conditions) addCase(c string, args ...any) {
	w.onCase, w.caseArgs = append(w.onCase, c), append(w.caseArgs, args...)
}

func (w *conditions) add(c string, args ...any) {
	w.other, w.otherArgs = append(w.other, c), append(w.otherArgs, args...)
}

// all is every condition, case ones first, and the arguments in that order.
func (w *conditions) all() (string, []any) {
	return strings.Join(append(append([]string{}, w.onCase...), w.other...), " AND "),
		append(append([]any{}, w.caseArgs...), w.otherArgs...)
}

// statement is one SQL statement with its GORM placeholders' arguments.
type statement struct {
	sql  string
	args []any
}

// listPlan is how one page is read: first, and when first found fewer than want rows, fallback
// instead (the page is then fallback's rows).
type listPlan struct {
	ordered         *orderedSearch // when set, tried first (see orderedSearch)
	first, fallback *statement
	want            int
}

const listOrder = " ORDER BY c.updated_at DESC, c.id DESC LIMIT ?"

// listColumns are the columns of a Summary, from cases c and persons p.
const listColumns = `SELECT c.id, c.reference, c.person_id, c.stage, c.version, c.updated_at,
       p.given_name, p.family_name, p.nationality, p.sex, p.minor`

// Reading a page of a name or document search. Walking the cases newest first and testing each
// person's name is fast when the name is frequent (the page fills within a few hundred rows) and
// reads the whole store when it is rare or absent; reading the matching persons first through
// the trigram and blind indexes is fast when they are few and slow when they are tens of
// thousands. So a search walks only the newest searchWindow cases in scope (the window query):
// if that fills the page, the page is exact, since every match outside the window is older than
// every case in it. Otherwise the matches are read through the indexes first (the hits query: a
// materialised set of persons, then their cases, scope and filters, sorted). Either way the cost
// is bounded by about searchWindow rows plus the hits of a name rarer than want/searchWindow.
const (
	windowSQL = listColumns + `
FROM (SELECT c.* FROM cases c WHERE %s ORDER BY c.updated_at DESC, c.id DESC LIMIT ?) c
JOIN persons p ON p.id = c.person_id
WHERE `
	// The hits CTE is named p and carries every person column the list and its filters read, so
	// that a person's row is read once (its name is rechecked there anyway).
	hitsSQL = `WITH p AS MATERIALIZED (SELECT p.id, p.given_name, p.family_name, p.nationality, p.sex, p.minor, p.operation_id
  FROM persons p WHERE %s)
` + listColumns + `
FROM p JOIN cases c ON c.person_id = p.id
WHERE `
)

// plan builds the statements of one page of q in scope.
func (q *ListQuery) plan(st *store.Store, scope authz.Scope) (*listPlan, error) {
	if q.Limit <= 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit > MaxLimit {
		q.Limit = MaxLimit
	}
	w, srch, err := q.filters(st, scope)
	if err != nil {
		return nil, err
	}
	want := q.Limit + 1
	if srch == nil || !srch.trigrams {
		// No search, or one too short for the trigram indexes: the newest cases first.
		if srch != nil {
			m, args := srch.match()
			w.add(m, args...)
		}
		where, args := w.all()
		return &listPlan{first: &statement{listSQL + where + listOrder, append(args, want)}, want: want}, nil
	}
	m, margs := srch.match()
	// The window: case conditions inside, the others and the match outside.
	outer := strings.Join(append(append([]string{}, w.other...), m), " AND ")
	args := append(append([]any{}, w.caseArgs...), searchWindow)
	args = append(append(append(args, w.otherArgs...), margs...), want)
	first := &statement{strings.Replace(windowSQL, "%s", strings.Join(w.onCase, " AND "), 1) + outer + listOrder, args}
	// The hits: the match inside, every condition outside.
	where, wargs := w.all()
	fallback := &statement{strings.Replace(hitsSQL, "%s", m, 1) + where + listOrder, append(append(margs, wargs...), want)}
	p := &listPlan{first: first, fallback: fallback, want: want}
	if q.onlyScope() {
		p.ordered = q.ordered(scope, w, srch, want)
	}
	return p, nil
}

// run reads the page into out.
func (p *listPlan) run(tx *gorm.DB, out *[]Summary) error {
	if p.ordered != nil {
		if done, err := p.ordered.run(tx, out); done || err != nil {
			return err
		}
	}
	if err := scanSummaries(tx, p.first, out); err != nil {
		return err
	}
	if p.fallback == nil || len(*out) >= p.want {
		return nil
	}
	*out = nil
	return scanSummaries(tx, p.fallback, out)
}

// scanSummaries runs a statement selecting listColumns and appends its rows to out. It scans each
// column into its field by hand: GORM's reflective Scan cost a fifth of a case-list request's CPU.
func scanSummaries(tx *gorm.DB, st *statement, out *[]Summary) error {
	rows, err := tx.Raw(st.sql, st.args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s Summary
		if err := rows.Scan(&s.ID, &s.Reference, &s.PersonID, &s.Stage, &s.Version, &s.UpdatedAt,
			&s.GivenName, &s.FamilyName, &s.Nationality, &s.Sex, &s.Minor); err != nil {
			return err
		}
		*out = append(*out, s)
	}
	return rows.Err()
}

// hasTrigram reports whether a lower-cased search text holds three consecutive word characters,
// so that pg_trgm draws a trigram from the LIKE pattern and its index narrows the search (with
// fewer it would read the whole index).
func hasTrigram(s string) bool {
	run := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
			if run++; run >= 3 {
				return true
			}
			continue
		}
		run = 0
	}
	return false
}
