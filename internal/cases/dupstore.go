package cases

import (
	"strconv"
	"time"

	"gorm.io/gorm"
)

// dupBatch is how many new persons one look-up statement covers: a file of 2,000 rows is four
// statements, and what a statement returns is bounded by dupBatch names times dupPerRow.
const dupBatch = 500

// dupPerRow bounds the stored persons one name or one document of a row may bring back, the
// closest first. Twice MaxDuplicates, so that the persons merged into one another or ruled out by
// the exact age rule (closeInAge, in Go) still leave MaxDuplicates to report.
const dupPerRow = 2 * MaxDuplicates

// dupSQL looks up, for a batch of new persons, the stored persons sharing a document blind index
// with a row (the GIN index on document_bidxs), and those whose name or aliases are similar
// (pg_trgm, any script: the GIN trigram indexes on search_name and search_aliases) to a name of the
// row, of the same nationality and a close age. Each row's look-up is its own index probe (LATERAL)
// limited to its dupPerRow closest, so nothing of the store but the candidates reaches Go.
//
// The age window is closeInAge's, one day and one year wider (the time zone of a date may differ
// between the database and Go); closeInAge then rules exactly. Parameters: rows and blind indexes;
// the limit; rows, nationalities, names, birth dates (” for none), ages at now (-1 for none); today
// (UTC) twice; the limit.
const dupSQL = `SELECT q.i AS row_index, 'document' AS reason, 2.0::float8 AS score,
       d.id, d.merged_into, d.birth_date, d.age_estimate, d.created_at
FROM unnest(?::int[], ?::bytea[]) AS q(i, bidx)
CROSS JOIN LATERAL (SELECT p.id, p.merged_into, p.birth_date, p.age_estimate, p.created_at
  FROM persons p WHERE p.document_bidxs @> ARRAY[q.bidx] ORDER BY p.id LIMIT ?) d
UNION ALL
SELECT q.i, 'name', n.score, n.id, n.merged_into, n.birth_date, n.age_estimate, n.created_at
FROM unnest(?::int[], ?::text[], ?::text[], ?::text[], ?::int[]) AS q(i, nat, name, birth, age)
CROSS JOIN LATERAL (SELECT p.id, p.merged_into, p.birth_date, p.age_estimate, p.created_at,
    greatest(similarity(p.search_name, q.name), word_similarity(q.name, p.search_aliases))::float8 AS score
  FROM persons p
  WHERE p.nationality = q.nat AND (p.search_name % q.name OR q.name <% p.search_aliases)
    AND CASE
      WHEN q.birth <> '' AND p.birth_date IS NOT NULL THEN abs(p.birth_date - q.birth::date) <= 366
      WHEN q.age < 0 THEN true
      WHEN p.birth_date IS NOT NULL THEN abs(date_part('year', age(?::date, p.birth_date)) - q.age) <= 3
      WHEN p.age_estimate IS NOT NULL THEN
        abs(p.age_estimate + date_part('year', age(?::date, p.created_at::date)) - q.age) <= 3
      ELSE true END
  ORDER BY score DESC, p.id LIMIT ?) n`

// dupSettingsSQL sets, for this transaction, the thresholds of % and <%, and steers the planner
// to the trigram indexes (then back): pg_trgm's operators are costed like plain comparisons, so
// the planner may prefer to compute a similarity for every person of the nationality — with a
// sequential scan, or, in the generic plan of the prepared statement (which cannot see how short
// the arrays are), a hash join — many times slower, and slower still as the store grows.
const dupSettingsSQL = `SELECT set_config('pg_trgm.similarity_threshold', ?, true),
       set_config('pg_trgm.word_similarity_threshold', ?, true), set_config('enable_seqscan', ?, true),
       set_config('plan_cache_mode', ?, true)`

// dupQuery is the look-up of one batch: its parameters, in dupSQL's order.
type dupQuery struct {
	docRows, nameRows, ages []int
	docs                    BytesList
	nats, names, births     TextList
}

// add puts new person i (its index in the whole batch) into the query.
func (q *dupQuery) add(i int, p *Person, now time.Time) {
	for _, b := range p.DocumentBidxs {
		q.docRows, q.docs = append(q.docRows, i), append(q.docs, b)
	}
	birth := ""
	if p.BirthDate != nil {
		birth = p.BirthDate.Format("2006-01-02")
	}
	age := -1
	if y, ok := ageAt(p.BirthDate, p.AgeEstimate, p.CreatedAt, now); ok {
		age = y
	}
	for _, n := range p.names() {
		q.nameRows, q.nats, q.names = append(q.nameRows, i), append(q.nats, p.Nationality), append(q.names, n)
		q.births, q.ages = append(q.births, birth), append(q.ages, age)
	}
}

// storeCandidates looks up the stored persons each new person may be, dupBatch persons a statement,
// and hands every candidate row to keep as it is read.
func storeCandidates(tx *gorm.DB, persons []*Person, now time.Time, keep func(candidate)) error {
	th := strconv.FormatFloat(NameSimilarity, 'f', -1, 64)
	if err := tx.Exec(dupSettingsSQL, th, th, "off", "force_custom_plan").Error; err != nil {
		return err
	}
	today := now.UTC().Format("2006-01-02")
	for from := 0; from < len(persons); from += dupBatch {
		var q dupQuery
		for i := from; i < min(from+dupBatch, len(persons)); i++ {
			q.add(i, persons[i], now)
		}
		if err := scanCandidates(tx, &q, today, keep); err != nil {
			return err
		}
	}
	return tx.Exec(dupSettingsSQL, th, th, "on", "auto").Error
}

// scanCandidates runs one batch's look-up and scans its rows by hand, one at a time.
func scanCandidates(tx *gorm.DB, q *dupQuery, today string, keep func(candidate)) error {
	rows, err := tx.Raw(dupSQL, intList(q.docRows), q.docs, dupPerRow, intList(q.nameRows), q.nats, q.names, q.births,
		intList(q.ages), today, today, dupPerRow).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.RowIndex, &c.Reason, &c.Score, &c.ID, &c.MergedInto, &c.BirthDate, &c.AgeEstimate,
			&c.CreatedAt); err != nil {
			return err
		}
		keep(c)
	}
	return rows.Err()
}
