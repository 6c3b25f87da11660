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

// dupYears is the half width, in birth years, of the window a name's look-up keeps: wide enough
// for closeInAge's rules (birth dates within 365 days; ages within 2 years, from an estimate
// recorded in another year), which then rule exactly in Go.
const dupYears = 5

// dupDocsSQL looks up the stored persons that hold a document blind index of the batch (the GIN
// index on document_bidxs), dupPerRow at most a blind index. OFFSET 0 keeps the GIN probe first:
// without it, at 1M persons the planner walked persons in id order testing @> on each row (a
// whole-table walk per new document number, found by the 1M benchmark). Parameters: key indexes,
// blind indexes, the limit.
const dupDocsSQL = `SELECT q.k AS key_index, 2.0::float8 AS score, d.id, d.merged_into, d.birth_date, d.age_estimate, d.created_at
FROM unnest(?::int[], ?::bytea[]) AS q(k, bidx)
CROSS JOIN LATERAL (SELECT * FROM (SELECT p.id, p.merged_into, p.birth_date, p.age_estimate, p.created_at
  FROM persons p WHERE p.document_bidxs @> ARRAY[q.bidx] OFFSET 0) h ORDER BY h.id LIMIT ?) d`

// dupNamesSQL looks up, for each distinct (nationality, name, birth year) of the batch, the stored
// persons of that nationality whose full name is similar to the name (pg_trgm %, similarity) or
// who bear an alias the name is similar to (<%, word similarity), born within dupYears of that
// year or of no known age. In two steps (migration 00034), each an index probe limited per key:
//
//   - sim: once per distinct name of the batch, the similar names among the store's distinct names
//     (the GIN trigram index on person_names), the dupPerRow closest, as arrays closest first;
//   - per key, the persons bearing each similar name, closest name first, in the year window (the
//     btree of person_name_keys, index only: the years at and above the key's upward, those below
//     downward, then the persons of no known age), stopping at the key's dupPerRow'th person: a
//     common name's look-up reads its first similar name only.
//
// persons itself is not read. Parameters: name indexes, nationalities, names; the limit; key
// indexes, their name index, nationality, birth year (0 for none) and year window (lo, hi); half
// the limit three times; the limit.
const dupNamesSQL = `WITH sim AS MATERIALIZED (
  SELECT n.i, array_agg(v.alias ORDER BY v.score DESC, v.name) AS aliases,
         array_agg(v.name ORDER BY v.score DESC, v.name) AS names, array_agg(v.score ORDER BY v.score DESC, v.name) AS scores
  FROM unnest(?::int[], ?::text[], ?::text[]) AS n(i, nat, name)
  CROSS JOIN LATERAL (SELECT v.alias, v.name,
      (CASE WHEN v.alias THEN word_similarity(n.name, v.name) ELSE similarity(v.name, n.name) END)::float8 AS score
    FROM person_names v
    WHERE v.nationality = n.nat AND ((NOT v.alias AND v.name % n.name) OR (v.alias AND n.name <% v.name))
    ORDER BY score DESC, v.name LIMIT ?) v
  GROUP BY n.i)
SELECT q.k AS key_index, c.score, c.person_id, c.merged_into, c.birth_date, c.age_estimate, c.created_at
FROM unnest(?::int[], ?::int[], ?::text[], ?::int[], ?::int[], ?::int[]) AS q(k, i, nat, yr, lo, hi)
JOIN sim s ON s.i = q.i
CROSS JOIN LATERAL (
  SELECT v.score, p.person_id, p.merged_into, p.birth_date, p.age_estimate, p.created_at
  FROM unnest(s.aliases, s.names, s.scores) AS v(alias, name, score)
  CROSS JOIN LATERAL (
    (SELECT k.person_id, k.merged_into, k.birth_date, k.age_estimate, k.created_at FROM person_name_keys k
      WHERE k.nationality = q.nat AND k.alias = v.alias AND k.name = v.name AND k.birth_key BETWEEN q.yr AND q.hi
      ORDER BY k.birth_key, k.person_id LIMIT ?)
    UNION ALL
    (SELECT k.person_id, k.merged_into, k.birth_date, k.age_estimate, k.created_at FROM person_name_keys k
      WHERE k.nationality = q.nat AND k.alias = v.alias AND k.name = v.name AND k.birth_key >= q.lo AND k.birth_key < q.yr
      ORDER BY k.birth_key DESC, k.person_id DESC LIMIT ?)
    UNION ALL
    (SELECT k.person_id, k.merged_into, k.birth_date, k.age_estimate, k.created_at FROM person_name_keys k
      WHERE k.nationality = q.nat AND k.alias = v.alias AND k.name = v.name AND k.birth_key = 0
      ORDER BY k.person_id LIMIT ?)) p
  LIMIT ?) c`

// dupSettingsSQL sets, for this transaction, the thresholds of % and <%, and steers the planner
// to the indexes (then back): pg_trgm's operators are costed like plain comparisons, so the
// planner may prefer to compute a similarity for every name of the nationality — with a sequential
// scan, or, in the generic plan of the prepared statement (which cannot see how short the arrays
// are), a hash join — many times slower, and slower still as the store grows. JIT is off: the
// look-up's estimated cost is high, but its work is a few index probes a key, which compiling
// (hundreds of milliseconds) would only slow.
const dupSettingsSQL = `SELECT set_config('pg_trgm.similarity_threshold', ?, true),
       set_config('pg_trgm.word_similarity_threshold', ?, true), set_config('enable_seqscan', ?, true),
       set_config('plan_cache_mode', ?, true), set_config('jit', 'off', true)`

// personName is a name of a nationality.
type personName struct{ nat, name string }

// nameKey is one distinct name look-up: a name of a nationality, for a birth year (0: unknown).
type nameKey struct {
	personName
	year int
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
		key := nameKey{personName{p.Nationality, n}, year}
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
		if err := scanCandidates(tx, ReasonName, d.nameRows, keep, dupNamesSQL, nameArgs(d.names, from, to)...); err != nil {
			return err
		}
	}
	return tx.Exec(dupSettingsSQL, th, th, "on", "auto").Error
}

// nameArgs are dupNamesSQL's parameters for keys from to to (excluded): each distinct name once,
// then every key with its name's index and year window.
func nameArgs(keys []nameKey, from, to int) []any {
	var nIdx, kIdx, kName, years, lo, hi []int
	var nNats, nNames, kNats TextList
	at := map[personName]int{}
	for k := from; k < to; k++ {
		key := keys[k]
		i, ok := at[key.personName]
		if !ok {
			i, at[key.personName] = len(nIdx), len(nIdx)
			nIdx, nNats, nNames = append(nIdx, i), append(nNats, key.nat), append(nNames, key.name)
		}
		l, h := key.year-dupYears, key.year+dupYears
		if key.year == 0 { // no age known: every age
			l, h = 1, 9999
		}
		kIdx, kName, kNats = append(kIdx, k), append(kName, i), append(kNats, key.nat)
		years, lo, hi = append(years, key.year), append(lo, l), append(hi, h)
	}
	return []any{intList(nIdx), nNats, nNames, dupPerRow, intList(kIdx), intList(kName), kNats, intList(years),
		intList(lo), intList(hi), dupPerRow / 2, dupPerRow / 2, dupPerRow / 2, dupPerRow}
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
