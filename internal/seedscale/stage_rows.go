package seedscale

// The stage changes of each case's route, read from seed_p where they are needed (the final table
// and the audit rows): u.k is the change's place in the route (the case's version after it), the
// stage before it the route's previous one (reception first), the actor the supervisor who
// closes or the caseworker.
const (
	stepsOfSeedP = `seed_p p, LATERAL unnest(p.route, p.ats) WITH ORDINALITY u (to_stage, at, k)`
	stepFrom     = `coalesce(p.route[u.k::int - 1], 'reception')`
	stepActor    = `CASE WHEN u.to_stage = 'closed' THEN p.super ELSE p.worker END`
	v7At         = `pg_temp.seed_v7(u.at)`
)

// The staging of everything else that hangs off seed_p, one statement per table: the screening
// before identification (or half the cases waiting in screening), the approved decision before recovery (or 60 % of the cases waiting in
// identification, proposed), the repatriation packet before handover and some referrals, and the
// audit rows the app writes for each of them, given their ids from audit_log's identity sequence
// table by table (every intake, then every transition, …): ordering millions of audit rows by
// their time would sort gigabytes for no reader's benefit (the chain follows ids, not times).
const (
	// screeningsSQL: $1 welfare workers, $2 interviewers, $3 lures, $4 compounds, $5 tasks.
	screeningsSQL = `CREATE TEMP TABLE seed_scr ON COMMIT DROP AS
SELECT x.*, pg_temp.seed_v7(x.at) AS id,
       x.a1::int + x.a2::int + x.a3::int + x.a4::int AS present
FROM (
  SELECT p.cid, p.lang0,
         date_trunc('microseconds', CASE WHEN p.k IS NOT NULL THEN p.ats[p.k - 1] + (p.ats[p.k] - p.ats[p.k - 1]) / 3
              ELSE p.ats[1] + make_interval(hours => 1 + floor(random() * 48)::int) END) AS at,
         format('%s answered an advertisement for %s. The recruiter paid the travel. At the %s compound the passport was taken and %s was made to run %s, twelve to sixteen hours a day, and was beaten for missing the quota.',
           p.given, ($3::text[])[1 + floor(random() * cardinality($3::text[]))::int], ($4::text[])[1 + floor(random() * cardinality($4::text[]))::int],
           p.given, ($5::text[])[1 + floor(random() * cardinality($5::text[]))::int]) AS narrative,
         ($1::uuid[])[1 + floor(random() * cardinality($1::uuid[]))::int] AS worker,
         ($2::text[])[1 + floor(random() * cardinality($2::text[]))::int] AS interviewer,
         CASE WHEN p.lang0 NOT IN ('th', 'km') THEN 'Interpreter ' || lpad(floor(random() * 100)::int::text, 2, '0') ELSE '' END AS interpreter,
         floor(random() * 10)::int AS start, random() >= 0.2 AS a1, random() >= 0.2 AS a2, random() >= 0.2 AS a3, random() >= 0.2 AS a4,
         floor(random() * 5)::int AS channel
  FROM (SELECT p.*, array_position(p.route, 'identification') AS k FROM seed_p p) p
  WHERE p.k IS NOT NULL OR (p.stage = 'screening' AND random() < 0.5)
) x`

	// decisionsSQL: $1 now, $2 welfare workers, $3 welfare supervisors, $4 legal bases.
	decisionsSQL = `CREATE TEMP TABLE seed_dec ON COMMIT DROP AS
SELECT x.*, pg_temp.seed_v7(x.proposed) AS id,
       ($2::uuid[])[1 + floor(random() * cardinality($2::uuid[]))::int] AS worker,
       ($3::uuid[])[1 + floor(random() * cardinality($3::uuid[]))::int] AS super,
       ($4::text[])[1 + floor(random() * cardinality($4::text[]))::int] AS basis
FROM (
  SELECT p.cid, date_trunc('microseconds', p.ats[p.k - 1] + (p.ats[p.k] - p.ats[p.k - 1]) / 3) AS proposed,
         date_trunc('microseconds', p.ats[p.k - 1] + (p.ats[p.k] - p.ats[p.k - 1]) / 2) AS decided
  FROM (SELECT p.*, array_position(p.route, 'recovery') AS k FROM seed_p p) p WHERE p.k IS NOT NULL
  UNION ALL
  SELECT y.cid, y.proposed, NULL FROM (
    SELECT p.cid, p.ats[cardinality(p.ats)] + make_interval(hours => 1 + floor(random() * 72)::int) AS proposed
    FROM seed_p p WHERE p.stage = 'identification' AND random() < 0.6) y
  WHERE y.proposed < $1
) x`

	// packetsSQL: $1 welfare workers.
	packetsSQL = `CREATE TEMP TABLE seed_pk ON COMMIT DROP AS
SELECT x.*, pg_temp.seed_v7(x.at) AS id,
       ($1::uuid[])[1 + floor(random() * cardinality($1::uuid[]))::int] AS worker
FROM (
  SELECT p.cid, 'repatriation' AS kind, date_trunc('microseconds', p.ats[p.k - 1] + (p.ats[p.k] - p.ats[p.k - 1]) / 2) AS at
  FROM (SELECT p.*, array_position(p.route, 'handover') AS k FROM seed_p p) p WHERE p.k IS NOT NULL
  UNION ALL
  SELECT p.cid, 'referral', date_trunc('microseconds', p.ats[p.k - 1] + (p.ats[p.k] - p.ats[p.k - 1]) / 2)
  FROM (SELECT p.*, array_position(p.route, 'reintegration') AS k FROM seed_p p) p WHERE p.k IS NOT NULL AND random() < 0.2
) x`

	// auditRowsSQL selects the audit rows in the order of their ids (table by table; each id is
	// drawn from the identity sequence as the row is read, so a cursor over it streams them to the
	// chain without writing them to a staging table first), their details as the app's
	// json.Marshal of a map writes them (keys sorted, no spaces; no value here needs escaping).
	// $1 welfare agency; $2… the actions' names and sections: intake, transition, screening,
	// propose, approve, packet (name, section each: $2 … $13); $14 audit_log's id sequence (looked
	// up once, not per row).
	auditRowsSQL = `SELECT nextval($14::regclass) AS id, (extract(epoch FROM e.at) * 1000000)::bigint AS at_us, e.actor_user_id::text, e.actor_agency_id::text, e.action,
       e.section, e.entity_id::text, e.detail
FROM (
  SELECT p.received AS at, p.worker AS actor_user_id, p.owner AS actor_agency_id, $2::text AS action, $3::text AS section, p.cid AS entity_id,
         '{"person_id":"' || p.pid || '","possible_duplicates":0,"reference":"' || p.reference || '"}' AS detail
  FROM seed_p p
  UNION ALL
  SELECT u.at, ` + stepActor + `, p.owner, $4, $5, p.cid, '{"from":"' || ` + stepFrom + ` || '","to":"' || u.to_stage || '","version":' || u.k || '}'
  FROM ` + stepsOfSeedP + `
  UNION ALL
  SELECT x.at, x.worker, $1::uuid, $6, $7, x.cid, '{"events":0,"present":' || x.present || ',"version":1}' FROM seed_scr x
  UNION ALL
  SELECT d.proposed, d.worker, $1::uuid, $8, $9, d.cid, '{"decision":"identified","decision_id":"' || d.id || '"}' FROM seed_dec d
  UNION ALL
  SELECT d.decided, d.super, $1::uuid, $10, $11, d.cid, '{"decision":"identified","decision_id":"' || d.id || '","version":2}'
  FROM seed_dec d WHERE d.decided IS NOT NULL
  UNION ALL
  SELECT k.at, k.worker, $1::uuid, $12, $13, k.cid, '{"kind":"' || k.kind || '","packet_id":"' || k.id || '"}' FROM seed_pk k
) e`
)

// The final rows, from the staging tables and the ciphertexts the seal passes wrote (seed_*_enc).
const (
	insertPersonsSQL = `INSERT INTO persons (id, given_name, family_name, sex, birth_date, age_estimate, nationality, languages, minor,
  document_number_enc, document_number_bidx, contact_enc, operation_id, created_at, updated_at, version, aliases, documents_held,
  documents_missing, documents_enc, document_bidxs, urgent_needs_enc)
SELECT p.pid, p.given, p.family, p.sex, p.birth_date, p.age_estimate, p.nationality, p.languages, p.minor,
       e.doc_enc, e.doc_bidx, e.contact_enc, p.op, p.received, coalesce(p.ats[cardinality(p.ats)], p.received), 1, p.aliases,
       CASE WHEN p.doc IS NOT NULL THEN '{passport}'::text[] ELSE '{}' END, CASE WHEN p.doc IS NULL THEN '{passport}'::text[] ELSE '{}' END,
       e.docs_enc, CASE WHEN e.doc_bidx IS NOT NULL THEN ARRAY[e.doc_bidx] ELSE '{}'::bytea[] END, e.urgent_enc
FROM seed_p p LEFT JOIN seed_p_enc e ON e.id = p.pid`

	insertCasesSQL = `INSERT INTO cases (id, reference, person_id, owner_agency_id, assigned_user_id, stage, created_at, updated_at, version)
SELECT p.cid, p.reference, p.pid, p.owner, CASE WHEN p.assigned THEN p.worker END, p.stage, p.received,
       coalesce(p.ats[cardinality(p.ats)], p.received), 1 + cardinality(p.route)
FROM seed_p p`

	// insertTeamSQL: $1 the police agency.
	insertTeamSQL = `INSERT INTO case_team (case_id, agency_id, added_at) SELECT p.cid, $1::uuid, p.received + interval '1 hour' FROM seed_p p WHERE p.team`

	// insertStageChangesSQL writes the stage changes straight from each case's route (not staged:
	// the audit rows read the same routes again).
	insertStageChangesSQL = `INSERT INTO stage_changes (id, case_id, from_stage, to_stage, reason, actor_user_id, at)
SELECT ` + v7At + `, p.cid, ` + stepFrom + `, u.to_stage, '', ` + stepActor + `, u.at FROM ` + stepsOfSeedP

	insertScreeningsSQL = `INSERT INTO screenings (id, case_id, interview_date, interviewer, interpreter, language, narrative_enc, created_by,
  created_at, updated_at, version)
SELECT x.id, x.cid, x.at::date, x.interviewer, x.interpreter, x.lang0, e.narrative_enc, x.worker, x.at, x.at, 1
FROM seed_scr x LEFT JOIN seed_scr_enc e ON e.id = x.id`

	// insertIndicatorsSQL: $1 the indicators, $2 the channels.
	insertIndicatorsSQL = `INSERT INTO screening_indicators (screening_id, indicator, answer, note_enc, channels)
SELECT x.id, ind, CASE WHEN a THEN 'present' ELSE 'unknown' END, NULL,
       CASE WHEN ind = 'recruited_online' AND a THEN ARRAY[($2::text[])[1 + x.channel]] ELSE '{}'::text[] END
FROM seed_scr x, LATERAL (SELECT ($1::text[])[1 + (x.start + k) % cardinality($1::text[])] AS ind, (ARRAY[x.a1, x.a2, x.a3, x.a4])[1 + k] AS a
  FROM generate_series(0, 3) k) i`

	insertDecisionsSQL = `INSERT INTO identification_decisions (id, case_id, decision, legal_basis, status, proposed_by, proposed_at, decided_by,
  decided_at, comment, version, legal_basis_enc, comment_enc)
SELECT d.id, d.cid, 'identified', '', CASE WHEN d.decided IS NULL THEN 'proposed' ELSE 'approved' END, d.worker, d.proposed,
       CASE WHEN d.decided IS NOT NULL THEN d.super END, d.decided, '', CASE WHEN d.decided IS NULL THEN 1 ELSE 2 END, e.basis_enc, e.comment_enc
FROM seed_dec d LEFT JOIN seed_dec_enc e ON e.id = d.id`

	insertPacketsSQL = `INSERT INTO case_packets (packet_id, case_id, kind, purpose, direction, created_at)
SELECT k.id, k.cid, k.kind, '', 'out', k.at FROM seed_pk k`

	insertSeedCasesSQL = `INSERT INTO seed_cases (id) SELECT p.cid FROM seed_p p`
)
