package cases

import (
	"strings"

	"gorm.io/gorm"

	"homeward/internal/authz"
)

// searchTexts is the most distinct search texts (search_texts, migration 00061) a name search reads
// in order through case_search; a search matching more reads as before (window, then hits). A
// variable only for the tests that run every way of reading.
var searchTexts = 200

// orderedSearch is the ordered way of reading a search page: the distinct texts that match the
// pattern first (texts, through the trigram index of search_texts: a store holds far fewer distinct
// names than persons), then for each text its newest cases in scope from case_search's
// (key, updated_at DESC, id DESC) index, at most a page each, index only; the page is the newest of
// those (and of the cases of a document number), joined to cases and persons and checked again
// with every condition. Its cost is bounded by texts × page rows, whatever the count of persons
// bearing the name.
type orderedSearch struct {
	texts statement
	sql   string
	args  []any // after the keys' array literal, the statement's first argument
	docs  bool  // the text may be a document number: the page may hold cases without a text
}

const (
	textsSQL = `SELECT key::text FROM search_texts WHERE text LIKE ? LIMIT ?`
	// orderedSQL: %[1]s the conditions on case_search s (scope, cursor), %[2]s the UNION of the
	// document's cases (or nothing), %[3]s every condition on c and p with the match.
	orderedSQL = listColumns + `
FROM (SELECT s.id, s.updated_at FROM unnest(?::uuid[]) k(key) CROSS JOIN LATERAL (
    SELECT s.id, s.updated_at FROM case_search s WHERE s.key = k.key AND %[1]s
    ORDER BY s.updated_at DESC, s.id DESC LIMIT ?) s
  %[2]s
  ORDER BY 2 DESC, 1 DESC LIMIT ?) m
JOIN cases c ON c.id = m.id JOIN persons p ON p.id = c.person_id
WHERE %[3]s` + listOrder
	orderedDocSQL = `UNION
  SELECT c.id, c.updated_at FROM persons p JOIN cases c ON c.person_id = p.id
  WHERE (p.document_number_bidx = ? OR p.document_bidxs @> ARRAY[?::bytea]) AND %s`
)

// onlyScope reports whether q filters by nothing but the search, the scope and the cursor: the
// ordered way reads case_search, which knows no stage, assignee or person column.
func (q *ListQuery) onlyScope() bool {
	return q.Stage == "" && q.Operation == "" && q.Nationality == "" && q.Minor == nil && q.AssignedTo == "" && !q.PendingApproval
}

// ordered builds the ordered way of reading a page of q's search srch in scope; w are q's
// conditions (scope and cursor on c) and want the rows the page reads.
func (q *ListQuery) ordered(scope authz.Scope, w *conditions, srch *search, want int) *orderedSearch {
	lateral := &conditions{}
	cond, args := scope.CaseFilterPerRow("s")
	lateral.addCase(cond, args...)
	if q.Cursor != "" {
		at, id, _ := decodeCursor(q.Cursor)
		lateral.addCase("(s.updated_at, s.id) < (?, ?)", at, id)
	}
	onS, sArgs := lateral.all()
	out := &orderedSearch{texts: statement{textsSQL, []any{srch.like, searchTexts + 1}}}
	out.args = append(append([]any{}, sArgs...), want)
	doc := ""
	if srch.bidx != nil {
		onC := strings.Join(w.onCase, " AND ")
		doc = strings.Replace(orderedDocSQL, "%s", onC, 1)
		out.args = append(append(out.args, srch.bidx, srch.bidx), w.caseArgs...)
		out.docs = true
	}
	out.args = append(out.args, want)
	m, margs := srch.match()
	where, wargs := w.all()
	out.sql = strings.NewReplacer("%[1]s", onS, "%[2]s", doc, "%[3]s", where+" AND "+m).Replace(orderedSQL)
	out.args = append(append(append(out.args, wargs...), margs...), want)
	return out
}

// run reads the page into out when the pattern matches at most searchTexts texts, and reports
// whether it did.
func (o *orderedSearch) run(tx *gorm.DB, out *[]Summary) (bool, error) {
	var keys []string
	if err := tx.Raw(o.texts.sql, o.texts.args...).Scan(&keys).Error; err != nil {
		return false, err
	}
	if len(keys) > searchTexts {
		return false, nil
	}
	if len(keys) == 0 && !o.docs {
		*out = nil
		return true, nil
	}
	args := append([]any{"{" + strings.Join(keys, ",") + "}"}, o.args...)
	return true, tx.Raw(o.sql, args...).Scan(out).Error
}
