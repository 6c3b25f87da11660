package cases

import (
	"strconv"
	"time"

	"gorm.io/gorm"
)

// dupBatch is how many distinct look-up keys (a name of a nationality and birth year, or a document
// blind index) one statement covers: what a statement returns is bounded by dupBatch times dupPerRow.
const dupBatch = 500

// dupPerRow bounds the stored persons one name or one document of a row may bring back, the
// closest first. Twice MaxDuplicates, so that the persons merged into one another or ruled out by
// the exact age rule (closeInAge, in Go) still leave MaxDuplicates to report.
const dupPerRow = 2 * MaxDuplicates

// dupYears is the half width, in birth years, of the window a name's look-up keeps (in the SQL
// text): wide enough for closeInAge's rules (birth dates within 365 days; ages within 2 years, from
// an estimate recorded in another year), which then rule exactly in Go.
const dupYears = "5"

// dupDocsSQL looks up the stored persons that hold a document blind index of the batch (the GIN
// index on document_bidxs), dupPerRow at most a blind index. Parameters: key indexes, blind
// indexes, the limit.
const dupDocsSQL = `SELECT q.k AS key_index, 2.0::float8 AS score, d.id, d.merged_into, d.birth_date, d.age_estimate, d.created_at
FROM unnest(?::int[], ?::bytea[]) AS q(k, bidx)
CROSS JOIN LATERAL (SELECT p.id, p.merged_into, p.birth_date, p.age_estimate, p.created_at
  FROM persons p WHERE p.document_bidxs @> ARRAY[q.bidx] ORDER BY p.id LIMIT ?) d`

// dupNamesSQL looks up, for each distinct (nationality, name, birth year) of the batch, the stored
// persons of that nationality whose full name is similar to the name (pg_trgm %, similarity) or
// who bear an alias the name is similar to (<%, word similarity), born within dupYears of that
// year or of no known age. In two steps (migration 00034), each an index probe limited per key:
// the similar names among the store's distinct names (the GIN trigram index on person_names,
// dupPerRow closest), then the persons bearing each such name in the year window (the btree of
// person_name_keys, index only, closest in age first); only the dupPerRow best of a key are read
// from persons. Parameters: key indexes, nationalities, names, birth years (0 for none); the limit
// three times.
const dupNamesSQL = `SELECT q.k AS key_index, c.score, p.id, p.merged_into, p.birth_date, p.age_estimate, p.created_at
FROM unnest(?::int[], ?::text[], ?::text[], ?::int[]) AS q(k, nat, name, yr)
CROSS JOIN LATERAL (SELECT CASE WHEN q.yr = 0 THEN ARRAY(SELECT generate_series(0, 9999))
    ELSE ARRAY(SELECT generate_series(q.yr - ` + dupYears + `, q.yr + ` + dupYears + `)) || 0 END AS years) y
CROSS JOIN LATERAL (
  SELECT v.score, k.person_id
  FROM (SELECT v.alias, v.name,
          (CASE WHEN v.alias THEN word_similarity(q.name, v.name) ELSE similarity(v.name, q.name) END)::float8 AS score
        FROM person_names v
        WHERE v.nationality = q.nat AND ((NOT v.alias AND v.name % q.name) OR (v.alias AND q.name <% v.name))
        ORDER BY score DESC, v.name LIMIT ?) v
  CROSS JOIN LATERAL (SELECT k.person_id, k.birth_key FROM person_name_keys k
        WHERE k.nationality = q.nat AND k.alias = v.alias AND k.name = v.name AND k.birth_key = ANY(y.years)
        ORDER BY k.birth_key = 0, abs(k.birth_key - q.yr), k.person_id LIMIT ?) k
  ORDER BY v.score DESC, k.birth_key = 0, abs(k.birth_key - q.yr), k.person_id LIMIT ?) c
JOIN persons p ON p.id = c.person_id`

// dupSettingsSQL sets, for this transaction, the thresholds of % and <%, and steers the planner
// to the indexes (then back): pg_trgm's operators are costed like plain comparisons, so the
// planner may prefer to compute a similarity for every name of the nationality — with a sequential
// scan, or, in the generic plan of the prepared statement (which cannot see how short the arrays
// are), a hash join — many times slower, and slower still as the store grows.
const dupSettingsSQL = `SELECT set_config('pg_trgm.similarity_threshold', ?, true),
       set_config('pg_trgm.word_similarity_threshold', ?, true), set_config('enable_seqscan', ?, true),
       set_config('plan_cache_mode', ?, true)`

// nameKey is one distinct name look-up: a name of a nationality, for a birth year (0: unknown).
type nameKey struct {
	nat, name string
	year      int
}

// dupKeys are the distinct look-ups of a batch, each with the rows (indexes of the batch) that ask it.
type dupKeys struct {
	names    []nameKey
	nameRows [][]int
	docs     BytesList
	docRows  [][]int
	nameAt   map[nameKey]int
	docAt    map[string]int
}

// add puts new person i (its index in the whole batch) into the look-ups: its document blind
// indexes and each of its names, once each however many rows share them.
func (d *dupKeys) add(i int, p *Person, now time.Time) {
	if d.nameAt == nil {
		d.nameAt, d.docAt = map[nameKey]int{}, map[string]int{}
	}
	for _, b := range p.DocumentBidxs {
		k, ok := d.docAt[string(b)]
		if !ok {
			k, d.docAt[string(b)] = len(d.docs), len(d.docs)
			d.docs, d.docRows = append(d.docs, b), append(d.docRows, nil)
		}
		d.docRows[k] = appendOnce(d.docRows[k], i)
	}
	year := birthYear(p.BirthDate, p.AgeEstimate, p.CreatedAt, now)
	for _, n := range p.names() {
		key := nameKey{p.Nationality, n, year}
		k, ok := d.nameAt[key]
		if !ok {
			k, d.nameAt[key] = len(d.names), len(d.names)
			d.names, d.nameRows = append(d.names, key), append(d.nameRows, nil)
		}
		d.nameRows[k] = appendOnce(d.nameRows[k], i)
	}
}

func appendOnce(rows []int, i int) []int {
	if len(rows) > 0 && rows[len(rows)-1] == i {
		return rows
	}
	return append(rows, i)
}

// birthYear is the year a person was born in, by birth date or by age (estimate at intake, or the
// age at now of a person not yet stored), 0 when neither is known: person_birth_key's rule.
func birthYear(birth *time.Time, age *int, recorded, now time.Time) int {
	switch {
	case birth != nil:
		return birth.Year()
	case age != nil && recorded.IsZero():
		return now.UTC().Year() - *age
	case age != nil:
		return recorded.UTC().Year() - *age
	}
	return 0
}

// storeCandidates looks up the stored persons each new person may be, dupBatch distinct keys a
// statement, and hands every candidate row to keep as it is read, once for each row that asked.
func storeCandidates(tx *gorm.DB, persons []*Person, now time.Time, keep func(candidate)) error {
	th := strconv.FormatFloat(NameSimilarity, 'f', -1, 64)
	if err := tx.Exec(dupSettingsSQL, th, th, "off", "force_custom_plan").Error; err != nil {
		return err
	}
	var d dupKeys
	for i, p := range persons {
		d.add(i, p, now)
	}
	for from := 0; from < len(d.docs); from += dupBatch {
		to := min(from+dupBatch, len(d.docs))
		if err := scanCandidates(tx, ReasonDocument, d.docRows, keep, dupDocsSQL, intRange(from, to), d.docs[from:to], dupPerRow); err != nil {
			return err
		}
	}
	for from := 0; from < len(d.names); from += dupBatch {
		to := min(from+dupBatch, len(d.names))
		var nats, names TextList
		var years []int
		for _, k := range d.names[from:to] {
			nats, names, years = append(nats, k.nat), append(names, k.name), append(years, k.year)
		}
		if err := scanCandidates(tx, ReasonName, d.nameRows, keep, dupNamesSQL, intRange(from, to), nats, names, intList(years),
			dupPerRow, dupPerRow, dupPerRow); err != nil {
			return err
		}
	}
	return tx.Exec(dupSettingsSQL, th, th, "on", "auto").Error
}

// intRange is the key indexes from to to (excluded).
func intRange(from, to int) intList {
	out := make([]int, 0, to-from)
	for k := from; k < to; k++ {
		out = append(out, k)
	}
	return out
}

// scanCandidates runs one look-up and scans its rows by hand, one at a time, handing each to keep
// for every row of the batch that asked its key.
func scanCandidates(tx *gorm.DB, reason string, rowsOf [][]int, keep func(candidate), sql string, args ...any) error {
	rows, err := tx.Raw(sql, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k int
		c := candidate{Reason: reason}
		if err := rows.Scan(&k, &c.Score, &c.ID, &c.MergedInto, &c.BirthDate, &c.AgeEstimate, &c.CreatedAt); err != nil {
			return err
		}
		for _, i := range rowsOf[k] {
			c.RowIndex = i
			keep(c)
		}
	}
	return rows.Err()
}
