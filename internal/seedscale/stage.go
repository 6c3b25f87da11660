package seedscale

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The fill draws every row in SQL, one statement per table over generate_series, into temporary
// staging tables (seed_*) that carry the plaintexts of the sealed fields; Go then seals those
// plaintexts row by row (seal.go) and the final INSERT … SELECT joins the ciphertexts in. Draws use
// random() after setseed (Options.Seed), so the same seed gives the same persons, stages and
// dates; ids are UUIDv7 of their row's time with random bits (pg_temp.seed_v7).

// v7SQL is the SQL expression of a UUIDv7 of the timestamptz expression ts (the app's ids are UUIDv7
// of their creation): pg_temp.seed_v7, which createV7 defines for the fill's session.
func v7SQL(ts string) string { return "pg_temp.seed_v7(" + ts + ")" }

// createV7 defines pg_temp.seed_v7(ts): the UUIDv7 of ts, its milliseconds since the epoch, the
// version nibble, then 12 and 62 bits drawn by random() (seeded: Options.Seed) XOR salt (drawn per
// fill, so that two fills with one seed never share an id), with the RFC 4122 variant. SQL, so
// the planner inlines it. gen_random_uuid() draws from the kernel's CSPRNG and cost about ten
// times the rest of the expression: a fifth of the staging's CPU.
func createV7(ctx context.Context, tx pgx.Tx, salt int64) error {
	_, err := tx.Exec(ctx, fmt.Sprintf(`CREATE OR REPLACE FUNCTION pg_temp.seed_v7(ts timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS $$
SELECT encode(int8send((floor(extract(epoch FROM ts) * 1000)::bigint << 16) | 28672 | floor(random() * 4096)::bigint)
  || int8send(((((floor(random() * 2147483648)::bigint << 31) | floor(random() * 2147483648)::bigint) # (%d)) & 4611686018427387903)
     | (1::bigint << 63)), 'hex')::uuid
$$`, salt))
	if err != nil {
		return fmt.Errorf("seedscale: seed_v7: %w", err)
	}
	return nil
}

// maxSteps is the longest route a case takes (stage changes after reception).
const maxSteps = 7

// stepSecondsSQL is the SQL expression of the wait before moving to stage expression s, in seconds:
// stepDays' minimum days, random extra hours and seconds (NULL when s is NULL).
func stepSecondsSQL(s string) string {
	var b strings.Builder
	b.WriteString("(CASE " + s)
	for _, st := range []string{"screening", "identification", "recovery", "return_preparation", "handover", "reintegration", "closed"} {
		d := stepDaysByName[st]
		fmt.Fprintf(&b, " WHEN '%s' THEN %d + floor(random() * %d) * 3600", st, d[0]*86400, d[1]*24+1)
	}
	b.WriteString(" END + floor(random() * 3600))")
	return b.String()
}

// stepDaysByName is how long a case typically waits before moving to a stage (min days, extra
// random days).
var stepDaysByName = map[string][2]int{
	"screening": {1, 5}, "identification": {3, 12}, "recovery": {5, 25}, "return_preparation": {20, 60},
	"handover": {7, 30}, "reintegration": {1, 10}, "closed": {30, 150},
}

// stagePersonsSQL draws persons $1 … $1+$2-1 of a fill of $3::bigint with their case: identity, plaintexts
// to seal (doc, contact, urgent), the stage, its route and the dates of each step (ats). Parameters:
// $1 first index, $2 count, $3::bigint total, $4::timestamptz now, $5::float8 span (seconds), $6::bigint reference base, $7::text country,
// $8 operations, $9::uuid welfare agency, $10 its workers, $11 its supervisors, $12::uuid police agency,
// $13 its workers, $14 its supervisors, $15 group thresholds, $16 relations, $17 urgent needs.
func stagePersonsSQL() string {
	var d, cum, ats []string
	for k := 1; k <= maxSteps; k++ {
		d = append(d, fmt.Sprintf("coalesce(%s, 0) AS d%d", stepSecondsSQL(fmt.Sprintf("route[%d]", k)), k))
		terms := make([]string, k)
		for j := range k {
			terms[j] = fmt.Sprintf("d%d", j+1)
		}
		cum = append(cum, fmt.Sprintf("%s AS c%d", strings.Join(terms, " + "), k))
		ats = append(ats, fmt.Sprintf("received + make_interval(secs => c%d * scale)", k))
	}
	return `CREATE TEMP TABLE seed_p ON COMMIT DROP AS
SELECT i, gi, pid, cid, received, sex, given, family, aliases, birth_date, age_estimate, nationality, languages, age < 18 AS minor,
       doc, contact, urgent, op, stage, route, (ARRAY[` + strings.Join(ats, ", ") + `])[1:cardinality(route)] AS ats,
       owner, police, worker, super, assigned, team, reference, lang0
FROM (
  SELECT *, CASE WHEN cardinality(route) > 0 AND received + make_interval(secs => (ARRAY[c1, c2, c3, c4, c5, c6, c7])[cardinality(route)]) >= $4::timestamptz
                 THEN extract(epoch FROM $4::timestamptz - received) / (ARRAY[c1, c2, c3, c4, c5, c6, c7])[cardinality(route)] * 0.98 ELSE 1 END AS scale
  FROM (
    SELECT *, ` + strings.Join(cum, ", ") + `
    FROM (
      SELECT *, ` + strings.Join(d, ", ") + `
      FROM (
        SELECT *,
          CASE stage WHEN 'reception' THEN '{}'::text[]
            WHEN 'reintegration' THEN CASE WHEN rroute < 0.5 THEN '{screening,identification,recovery,reintegration}'::text[]
              ELSE '{screening,identification,recovery,return_preparation,handover,reintegration}' END
            WHEN 'closed' THEN CASE WHEN rroute < 0.1 THEN '{closed}'::text[] WHEN rroute < 0.3 THEN '{screening,closed}'
              WHEN rroute < 0.4 THEN '{screening,identification,recovery,closed}'
              ELSE '{screening,identification,recovery,return_preparation,handover,reintegration,closed}' END
            ELSE ('{screening,identification,recovery,return_preparation,handover}'::text[])[1:array_position(
              '{screening,identification,recovery,return_preparation,handover}'::text[], stage)] END AS route
        FROM (
          SELECT r.i, g.gi, r.received, ` + v7SQL("r.received") + ` AS pid, ` + v7SQL("r.received") + ` AS cid,
            CASE WHEN r.rsex < 0.4 THEN 'female' ELSE 'male' END AS sex,
            CASE WHEN r.rsex < 0.4 THEN g.female[1 + floor(r.rgiven * cardinality(g.female))::int]
                 ELSE g.male[1 + floor(r.rgiven * cardinality(g.male))::int] END AS given,
            CASE WHEN r.rhasfam * 100 >= g.no_family THEN g.family[1 + floor(r.rfam * cardinality(g.family))::int] ELSE '' END AS family,
            CASE WHEN g.amale IS NOT NULL AND r.ralias < 0.3 THEN ARRAY[
              CASE WHEN r.rsex < 0.4 THEN g.afemale[1 + floor(r.rgiven * cardinality(g.female))::int]
                   ELSE g.amale[1 + floor(r.rgiven * cardinality(g.male))::int] END
              || CASE WHEN r.rhasfam * 100 >= g.no_family THEN ' ' || g.afamily[1 + floor(r.rfam * cardinality(g.family))::int] ELSE '' END]
              ELSE '{}'::text[] END AS aliases,
            r.age,
            CASE WHEN r.rbirth < 0.5 THEN make_date(extract(year FROM r.received)::int - r.age - 1, 1 + floor(r.rmonth * 12)::int,
              1 + floor(r.rday * 28)::int) END AS birth_date,
            CASE WHEN r.rbirth >= 0.5 THEN r.age END AS age_estimate,
            g.nationality, string_to_array(g.langs[1 + floor(r.rlang * cardinality(g.langs))::int], ',') AS languages, g.lang0,
            CASE WHEN r.rdoc < 0.4 THEN g.doc_prefix || lpad(floor(r.rdocn * 10 ^ g.doc_digits)::bigint::text, g.doc_digits, '0') END AS doc,
            CASE WHEN r.rcontact < 0.35 THEN ($16::text[])[1 + floor(r.rrel * cardinality($16::text[]))::int] || ': ' || g.phone || ' '
              || lpad(floor(r.rc3 * 1000)::int::text, 3, '0') || ' ' || lpad(floor(r.rc4 * 10000)::int::text, 4, '0') END AS contact,
            CASE WHEN r.rurgent < 0.1 THEN ($17::text[])[1 + floor(r.rneed * cardinality($17::text[]))::int] END AS urgent,
            CASE WHEN r.rop < 0.6 THEN ($8::uuid[])[1 + least(cardinality($8::uuid[]) - 1, r.i::bigint * cardinality($8::uuid[]) / $3::bigint)] END AS op,
            CASE WHEN $4::timestamptz - r.received < interval '21 days' THEN
                CASE WHEN r.rstage < 0.35 THEN 'reception' WHEN r.rstage < 0.70 THEN 'screening' WHEN r.rstage < 0.95 THEN 'identification' ELSE 'closed' END
              ELSE CASE WHEN r.rstage < 0.02 THEN 'reception' WHEN r.rstage < 0.04 THEN 'screening' WHEN r.rstage < 0.07 THEN 'identification'
                WHEN r.rstage < 0.27 THEN 'recovery' WHEN r.rstage < 0.38 THEN 'return_preparation' WHEN r.rstage < 0.44 THEN 'handover'
                WHEN r.rstage < 0.64 THEN 'reintegration' ELSE 'closed' END END AS stage,
            r.rroute,
            CASE WHEN r.rpolice < 0.1 THEN $12::uuid ELSE $9::uuid END AS owner, r.rpolice < 0.1 AS police,
            CASE WHEN r.rpolice < 0.1 THEN ($13::uuid[])[1 + floor(r.rworker * cardinality($13::uuid[]))::int]
                 ELSE ($10::uuid[])[1 + floor(r.rworker * cardinality($10::uuid[]))::int] END AS worker,
            CASE WHEN r.rpolice < 0.1 THEN ($14::uuid[])[1 + floor(r.rsuper * cardinality($14::uuid[]))::int]
                 ELSE ($11::uuid[])[1 + floor(r.rsuper * cardinality($11::uuid[]))::int] END AS super,
            r.rassigned < 0.8 AS assigned, r.rpolice >= 0.1 AND r.rteam < 0.05 AS team,
            $7::text || '-' || extract(year FROM r.received)::int || '-' || lpad(($6::bigint + r.i)::text, greatest(6, length(($6::bigint + r.i)::text)), '0') AS reference
          FROM (
            SELECT i, $4::timestamptz - make_interval(secs => $5::float8) + make_interval(secs => $5::float8 * (i + random()) / $3::bigint) AS received,
              CASE WHEN random() < 0.12 THEN 14 + floor(random() * 4)::int ELSE 19 + floor(random() * 27)::int END AS age,
              width_bucket(random(), $15::float8[]) AS gbucket,
              random() AS rsex, random() AS rgiven, random() AS rhasfam, random() AS rfam, random() AS ralias, random() AS rbirth,
              random() AS rmonth, random() AS rday, random() AS rlang, random() AS rdoc, random() AS rdocn, random() AS rcontact,
              random() AS rrel, random() AS rc3, random() AS rc4, random() AS rurgent, random() AS rneed, random() AS rop,
              random() AS rstage, random() AS rroute, random() AS rpolice, random() AS rworker, random() AS rsuper,
              random() AS rassigned, random() AS rteam
            FROM generate_series($1::int, $1::int + $2::int - 1) i
          ) r JOIN seed_groups g ON g.gi = r.gbucket
        ) a
      ) b
    ) c
  ) e
) f`
}
