-- +goose Up
-- Report summaries (issue 6): what the store dashboard, the joint report and operation progress read
-- instead of joining and scanning every case. They are derived from cases, persons, screenings,
-- stage_changes and identification_decisions only, by the triggers below, in the transaction of the
-- change (so a report never sees a change the base tables do not show, nor the reverse). They are
-- not audit or security hooks: dropping them loses nothing a recomputation cannot rebuild.
--
--   case_facts     one narrow row per case: its current stage, its person's nationality, sex, minor
--                  flag and operation, and the dates the durations and overdue steps need.
--   case_steps     one row per flow event (screened, identified, returned, closed) with the time of
--                  the case's previous event of the same step (prev_at), so "distinct cases with an
--                  event in [from, to)" is "events in the period minus events whose previous one is
--                  also in it" — no DISTINCT over the period's rows.
--   report_counts  counts per UTC day: the breakdown dimensions by reception day (from case_facts),
--                  flow events by event day and repeated events by the day of the previous event
--                  (from case_steps). Writers only ever INSERT delta rows, so two transactions never
--                  wait on a shared counter row (no lock queue, no deadlock); a writer that gets the
--                  day's advisory lock without waiting (pg_try_advisory_xact_lock) also folds the
--                  day's rows of the keys it touched into one. A count is always sum(n) over its
--                  rows. (Writers run at READ COMMITTED, as every store transaction does.)
--
-- A report reads whole days from report_counts and the partial days at either end of its period
-- from case_facts and case_steps (internal/reports/figures.go).
CREATE TABLE case_facts (
    case_id         uuid PRIMARY KEY,
    stage           text NOT NULL,
    nationality     text NOT NULL,
    sex             text NOT NULL,
    minor           boolean NOT NULL,
    operation_id    uuid,
    received_at     timestamptz NOT NULL,          -- cases.created_at
    screened        boolean NOT NULL,              -- a screening, or a stage change into identification
    identified      boolean NOT NULL,              -- an approved decision "identified"
    decided_at      timestamptz,                   -- first approved decision
    decision_days   double precision,              -- received_at to decided_at, days
    returned_at     timestamptz,                   -- first stage change into handover or reintegration
    return_days     double precision,              -- decided_at to returned_at, days (decided first)
    screening_since timestamptz,                   -- last stage change into screening
    pending_since   timestamptz                    -- proposed_at of the proposal awaiting approval
);
CREATE INDEX case_facts_received_idx ON case_facts (received_at);
CREATE INDEX case_facts_decided_idx ON case_facts (decided_at) INCLUDE (decision_days) WHERE decided_at IS NOT NULL;
CREATE INDEX case_facts_returned_idx ON case_facts (returned_at) INCLUDE (return_days) WHERE return_days IS NOT NULL;
CREATE INDEX case_facts_screening_idx ON case_facts ((coalesce(screening_since, received_at))) INCLUDE (received_at)
    WHERE stage = 'screening';
CREATE INDEX case_facts_pending_idx ON case_facts (pending_since) INCLUDE (received_at, stage, screening_since)
    WHERE pending_since IS NOT NULL;
CREATE INDEX case_facts_operation_idx ON case_facts (operation_id)
    INCLUDE (nationality, stage, screened, identified, returned_at) WHERE operation_id IS NOT NULL;

CREATE TABLE case_steps (
    source    text NOT NULL CHECK (source IN ('screening', 'stage_change', 'decision')),
    source_id uuid NOT NULL,
    case_id   uuid NOT NULL,
    step      text NOT NULL CHECK (step IN ('screened', 'identified', 'returned', 'closed')),
    at        timestamptz NOT NULL,
    prev_at   timestamptz, -- at of the case's previous event of this step, in (at, source, source_id) order
    PRIMARY KEY (source, source_id)
);
CREATE INDEX case_steps_case_idx ON case_steps (case_id);
CREATE INDEX case_steps_at_idx ON case_steps (at) INCLUDE (step, prev_at);
CREATE INDEX case_steps_repeat_idx ON case_steps (prev_at) INCLUDE (at, step) WHERE prev_at IS NOT NULL;

CREATE TABLE report_counts (
    day date NOT NULL, -- UTC day of reception (dimensions), of the event ('step'), of the previous one ('repeat')
    dim text NOT NULL CHECK (dim IN ('stage', 'nationality', 'sex', 'minor', 'operation', 'step', 'repeat')),
    key text NOT NULL, -- stage, nationality code, sex, 'true'/'false', operation id, step
    n   integer NOT NULL
);
CREATE INDEX report_counts_day_idx ON report_counts (day, dim, key) INCLUDE (n);

-- report_facts_of derives the case_facts rows of the cases ids from the base tables.
-- +goose StatementBegin
CREATE FUNCTION report_facts_of(ids uuid[])
RETURNS TABLE (case_id uuid, stage text, nationality text, sex text, minor boolean, operation_id uuid,
               received_at timestamptz, screened boolean, identified boolean, decided_at timestamptz,
               decision_days double precision, returned_at timestamptz, return_days double precision,
               screening_since timestamptz, pending_since timestamptz)
LANGUAGE sql STABLE AS $$
SELECT c.id, c.stage, p.nationality, p.sex, p.minor, p.operation_id, c.created_at,
       coalesce(sc.identification, false) OR EXISTS (SELECT 1 FROM screenings s WHERE s.case_id = c.id),
       coalesce(d.identified, false),
       d.decided_at, extract(epoch FROM d.decided_at - c.created_at) / 86400,
       sc.returned_at,
       CASE WHEN d.decided_at <= sc.returned_at THEN extract(epoch FROM sc.returned_at - d.decided_at) / 86400 END,
       sc.screening_since, d.pending_since
FROM unnest(ids) u (id)
JOIN cases c ON c.id = u.id
JOIN persons p ON p.id = c.person_id
LEFT JOIN (SELECT x.case_id, min(x.decided_at) FILTER (WHERE x.status = 'approved') AS decided_at,
                  bool_or(x.status = 'approved' AND x.decision = 'identified') AS identified,
                  min(x.proposed_at) FILTER (WHERE x.status = 'proposed') AS pending_since
           FROM unnest(ids) u (id) JOIN identification_decisions x ON x.case_id = u.id GROUP BY x.case_id) d
  ON d.case_id = c.id
LEFT JOIN (SELECT x.case_id, min(x.at) FILTER (WHERE x.to_stage IN ('handover', 'reintegration')) AS returned_at,
                  max(x.at) FILTER (WHERE x.to_stage = 'screening') AS screening_since,
                  bool_or(x.to_stage = 'identification') AS identification
           FROM unnest(ids) u (id) JOIN stage_changes x ON x.case_id = u.id GROUP BY x.case_id) sc
  ON sc.case_id = c.id
$$;
-- +goose StatementEnd

-- report_steps_of derives the case_steps rows of the cases ids from the base tables.
-- +goose StatementBegin
CREATE FUNCTION report_steps_of(ids uuid[])
RETURNS TABLE (source text, source_id uuid, case_id uuid, step text, at timestamptz, prev_at timestamptz)
LANGUAGE sql STABLE AS $$
SELECT e.source, e.source_id, e.case_id, e.step, e.at,
       lag(e.at) OVER (PARTITION BY e.case_id, e.step ORDER BY e.at, e.source, e.source_id)
FROM (
  SELECT 'screening'::text, s.id, s.case_id, 'screened'::text, s.created_at
  FROM unnest(ids) u (id) JOIN screenings s ON s.case_id = u.id
  UNION ALL
  SELECT 'stage_change', c.id, c.case_id,
         CASE c.to_stage WHEN 'identification' THEN 'screened' WHEN 'closed' THEN 'closed' ELSE 'returned' END, c.at
  FROM unnest(ids) u (id) JOIN stage_changes c ON c.case_id = u.id
  WHERE c.to_stage IN ('identification', 'handover', 'reintegration', 'closed')
  UNION ALL
  SELECT 'decision', d.id, d.case_id, 'identified', d.decided_at
  FROM unnest(ids) u (id) JOIN identification_decisions d ON d.case_id = u.id
  WHERE d.status = 'approved' AND d.decision = 'identified'
) e (source, source_id, case_id, step, at)
$$;
-- +goose StatementEnd

-- report_refresh brings case_facts and case_steps of the cases ids in line with the base tables,
-- writing only rows that differ (their triggers then add the count deltas). JIT is off (these are
-- short statements the planner overestimates on large batches) and large batches sort in memory.
-- +goose StatementBegin
CREATE FUNCTION report_refresh(ids uuid[]) RETURNS void LANGUAGE plpgsql SET jit = off SET work_mem = '64MB' AS $$
BEGIN
  ids := ARRAY(SELECT DISTINCT x FROM unnest(ids) x WHERE x IS NOT NULL);
  IF cardinality(ids) = 0 THEN
    RETURN;
  END IF;
  WITH want AS MATERIALIZED (SELECT * FROM report_steps_of(ids)),
  gone AS (
    DELETE FROM case_steps s USING unnest(ids) u (id)
    WHERE s.case_id = u.id AND NOT EXISTS (SELECT 1 FROM want w WHERE w.source = s.source AND w.source_id = s.source_id))
  INSERT INTO case_steps AS s (source, source_id, case_id, step, at, prev_at)
  SELECT * FROM want
  ON CONFLICT (source, source_id) DO UPDATE
    SET case_id = excluded.case_id, step = excluded.step, at = excluded.at, prev_at = excluded.prev_at
    WHERE (s.case_id, s.step, s.at, s.prev_at) IS DISTINCT FROM (excluded.case_id, excluded.step, excluded.at, excluded.prev_at);

  DELETE FROM case_facts f USING unnest(ids) u (id)
  WHERE f.case_id = u.id AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = f.case_id);
  INSERT INTO case_facts AS f
  SELECT * FROM report_facts_of(ids)
  ON CONFLICT (case_id) DO UPDATE
    SET stage = excluded.stage, nationality = excluded.nationality, sex = excluded.sex, minor = excluded.minor,
        operation_id = excluded.operation_id, received_at = excluded.received_at, screened = excluded.screened,
        identified = excluded.identified, decided_at = excluded.decided_at, decision_days = excluded.decision_days,
        returned_at = excluded.returned_at, return_days = excluded.return_days,
        screening_since = excluded.screening_since, pending_since = excluded.pending_since
    WHERE (f.stage, f.nationality, f.sex, f.minor, f.operation_id, f.received_at, f.screened, f.identified,
           f.decided_at, f.decision_days, f.returned_at, f.return_days, f.screening_since, f.pending_since)
      IS DISTINCT FROM
          (excluded.stage, excluded.nationality, excluded.sex, excluded.minor, excluded.operation_id,
           excluded.received_at, excluded.screened, excluded.identified, excluded.decided_at,
           excluded.decision_days, excluded.returned_at, excluded.return_days, excluded.screening_since,
           excluded.pending_since);
END $$;
-- +goose StatementEnd

-- report_add adds count deltas (parallel arrays). Rows of days whose advisory lock this transaction
-- gets without waiting are merged with the deltas into one row per key; other deltas are appended
-- (a later writer folds them). Statements spanning more than 1,000 days only append, so that one
-- statement never holds an unbounded number of locks.
-- +goose StatementBegin
CREATE FUNCTION report_add(days date[], dims text[], keys text[], ns integer[]) RETURNS void LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  locked date[] := '{}';
BEGIN
  IF days IS NULL OR cardinality(days) = 0 THEN
    RETURN;
  END IF;
  IF (SELECT count(DISTINCT d) FROM unnest(days) d) <= 1000 THEN
    locked := ARRAY(SELECT d FROM (SELECT DISTINCT d FROM unnest(days) d) u
                    WHERE pg_try_advisory_xact_lock(1919250031, d - date '2000-01-01'));
  END IF;
  WITH delta AS (SELECT * FROM unnest(days, dims, keys, ns) AS t (day, dim, key, n)),
  gone AS (
    DELETE FROM report_counts r
    USING (SELECT DISTINCT day, dim, key FROM delta WHERE day = ANY (locked)) k
    WHERE r.day = k.day AND r.dim = k.dim AND r.key = k.key
    RETURNING r.day, r.dim, r.key, r.n)
  INSERT INTO report_counts (day, dim, key, n)
  SELECT day, dim, key, sum(n) FROM (SELECT * FROM delta UNION ALL SELECT * FROM gone) x
  GROUP BY day, dim, key HAVING sum(n) <> 0;
END $$;
-- +goose StatementEnd

-- report_fact_keys are the count keys of one case_facts row: its reception day and one key per
-- dimension (no operation key for a person brought in without one).
-- +goose StatementBegin
CREATE FUNCTION report_fact_keys(received_at timestamptz, stage text, nationality text, sex text, minor boolean,
                                 operation_id uuid)
RETURNS TABLE (day date, dim text, key text) LANGUAGE sql IMMUTABLE AS $$
SELECT (received_at AT TIME ZONE 'UTC')::date, k.dim, k.key
FROM (VALUES ('stage', stage), ('nationality', nationality), ('sex', sex), ('minor', minor::text),
             ('operation', operation_id::text)) k (dim, key)
WHERE k.key IS NOT NULL
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_case_facts_counted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  days date[]; dims text[]; keys text[]; ns integer[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(k.day), array_agg(k.dim), array_agg(k.key), array_agg(k.n) INTO days, dims, keys, ns
    FROM (SELECT x.day, x.dim, x.key, count(*)::integer AS n FROM new_rows r,
          LATERAL report_fact_keys(r.received_at, r.stage, r.nationality, r.sex, r.minor, r.operation_id) x
          GROUP BY 1, 2, 3) k;
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT array_agg(k.day), array_agg(k.dim), array_agg(k.key), array_agg(k.n) INTO days, dims, keys, ns
    FROM (SELECT x.day, x.dim, x.key, sum(r.w)::integer AS n
          FROM (SELECT n.*, 1 AS w FROM new_rows n UNION ALL SELECT o.*, -1 FROM old_rows o) r,
          LATERAL report_fact_keys(r.received_at, r.stage, r.nationality, r.sex, r.minor, r.operation_id) x
          GROUP BY 1, 2, 3 HAVING sum(r.w) <> 0) k;
  ELSE
    SELECT array_agg(k.day), array_agg(k.dim), array_agg(k.key), array_agg(k.n) INTO days, dims, keys, ns
    FROM (SELECT x.day, x.dim, x.key, -count(*)::integer AS n FROM old_rows r,
          LATERAL report_fact_keys(r.received_at, r.stage, r.nationality, r.sex, r.minor, r.operation_id) x
          GROUP BY 1, 2, 3) k;
  END IF;
  PERFORM report_add(days, dims, keys, ns);
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- report_step_keys are the count keys of one case_steps row: the step on the day of the event,
-- and, for an event with a previous one of the same step, 'repeat' on the day of that previous one.
-- +goose StatementBegin
CREATE FUNCTION report_step_keys(step text, at timestamptz, prev_at timestamptz)
RETURNS TABLE (day date, dim text, key text) LANGUAGE sql IMMUTABLE AS $$
SELECT (at AT TIME ZONE 'UTC')::date, 'step', step
UNION ALL
SELECT (prev_at AT TIME ZONE 'UTC')::date, 'repeat', step WHERE prev_at IS NOT NULL
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_case_steps_counted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  days date[]; dims text[]; keys text[]; ns integer[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(k.day), array_agg(k.dim), array_agg(k.key), array_agg(k.n) INTO days, dims, keys, ns
    FROM (SELECT x.day, x.dim, x.key, count(*)::integer AS n FROM new_rows r,
          LATERAL report_step_keys(r.step, r.at, r.prev_at) x GROUP BY 1, 2, 3) k;
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT array_agg(k.day), array_agg(k.dim), array_agg(k.key), array_agg(k.n) INTO days, dims, keys, ns
    FROM (SELECT x.day, x.dim, x.key, sum(r.w)::integer AS n
          FROM (SELECT n.step, n.at, n.prev_at, 1 AS w FROM new_rows n
                UNION ALL SELECT o.step, o.at, o.prev_at, -1 FROM old_rows o) r,
          LATERAL report_step_keys(r.step, r.at, r.prev_at) x GROUP BY 1, 2, 3 HAVING sum(r.w) <> 0) k;
  ELSE
    SELECT array_agg(k.day), array_agg(k.dim), array_agg(k.key), array_agg(k.n) INTO days, dims, keys, ns
    FROM (SELECT x.day, x.dim, x.key, -count(*)::integer AS n FROM old_rows r,
          LATERAL report_step_keys(r.step, r.at, r.prev_at) x GROUP BY 1, 2, 3) k;
  END IF;
  PERFORM report_add(days, dims, keys, ns);
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- Triggers on the base tables: each statement refreshes the cases it touched. Updates that change
-- nothing the reports read (names, versions, assignments, narratives) refresh nothing.
-- +goose StatementBegin
CREATE FUNCTION report_cases_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- A new case has no history yet (screenings, stage changes and decisions refer to it).
    INSERT INTO case_facts (case_id, stage, nationality, sex, minor, operation_id, received_at, screened, identified)
    SELECT n.id, n.stage, p.nationality, p.sex, p.minor, p.operation_id, n.created_at, false, false
    FROM new_rows n JOIN persons p ON p.id = n.person_id;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM report_refresh(ARRAY(
      SELECT DISTINCT coalesce(n.id, o.id) FROM new_rows n FULL JOIN old_rows o ON o.id = n.id
      WHERE n.id IS NULL OR o.id IS NULL
         OR (n.stage, n.person_id, n.created_at) IS DISTINCT FROM (o.stage, o.person_id, o.created_at)));
  ELSE
    PERFORM report_refresh(ARRAY(SELECT o.id FROM old_rows o));
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_persons_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM report_refresh(ARRAY(
    SELECT c.id FROM cases c
    WHERE c.person_id IN (
      SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE (n.nationality, n.sex, n.minor, n.operation_id) IS DISTINCT FROM (o.nationality, o.sex, o.minor, o.operation_id))));
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- The screenings, stage_changes and identification_decisions triggers refresh the cases of the
-- rows inserted, deleted, or updated in a column the reports read.
-- +goose StatementBegin
CREATE FUNCTION report_screenings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM report_refresh(ARRAY(SELECT DISTINCT n.case_id FROM new_rows n));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM report_refresh(ARRAY(
      SELECT unnest(ARRAY[n.case_id, o.case_id]) FROM new_rows n FULL JOIN old_rows o ON o.id = n.id
      WHERE (n.case_id, n.created_at) IS DISTINCT FROM (o.case_id, o.created_at)));
  ELSE
    PERFORM report_refresh(ARRAY(SELECT DISTINCT o.case_id FROM old_rows o));
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_stage_changes_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM report_refresh(ARRAY(SELECT DISTINCT n.case_id FROM new_rows n));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM report_refresh(ARRAY(
      SELECT unnest(ARRAY[n.case_id, o.case_id]) FROM new_rows n FULL JOIN old_rows o ON o.id = n.id
      WHERE (n.case_id, n.to_stage, n.at) IS DISTINCT FROM (o.case_id, o.to_stage, o.at)));
  ELSE
    PERFORM report_refresh(ARRAY(SELECT DISTINCT o.case_id FROM old_rows o));
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_decisions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM report_refresh(ARRAY(SELECT DISTINCT n.case_id FROM new_rows n));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM report_refresh(ARRAY(
      SELECT unnest(ARRAY[n.case_id, o.case_id]) FROM new_rows n FULL JOIN old_rows o ON o.id = n.id
      WHERE (n.case_id, n.decision, n.status, n.proposed_at, n.decided_at)
            IS DISTINCT FROM (o.case_id, o.decision, o.status, o.proposed_at, o.decided_at)));
  ELSE
    PERFORM report_refresh(ARRAY(SELECT DISTINCT o.case_id FROM old_rows o));
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- Backfill, before the triggers exist.
INSERT INTO case_steps SELECT * FROM report_steps_of(ARRAY(SELECT id FROM cases));
INSERT INTO case_facts SELECT * FROM report_facts_of(ARRAY(SELECT id FROM cases));
INSERT INTO report_counts (day, dim, key, n)
SELECT k.day, k.dim, k.key, count(*) FROM case_facts f,
  LATERAL report_fact_keys(f.received_at, f.stage, f.nationality, f.sex, f.minor, f.operation_id) k
GROUP BY 1, 2, 3
UNION ALL
SELECT k.day, k.dim, k.key, count(*) FROM case_steps s, LATERAL report_step_keys(s.step, s.at, s.prev_at) k
GROUP BY 1, 2, 3;

CREATE TRIGGER case_facts_counted_ins AFTER INSERT ON case_facts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_case_facts_counted();
CREATE TRIGGER case_facts_counted_upd AFTER UPDATE ON case_facts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_case_facts_counted();
CREATE TRIGGER case_facts_counted_del AFTER DELETE ON case_facts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_case_facts_counted();
CREATE TRIGGER case_steps_counted_ins AFTER INSERT ON case_steps REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_case_steps_counted();
CREATE TRIGGER case_steps_counted_upd AFTER UPDATE ON case_steps REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_case_steps_counted();
CREATE TRIGGER case_steps_counted_del AFTER DELETE ON case_steps REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_case_steps_counted();

CREATE TRIGGER cases_report_ins AFTER INSERT ON cases REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_cases_changed();
CREATE TRIGGER cases_report_upd AFTER UPDATE ON cases REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_cases_changed();
CREATE TRIGGER cases_report_del AFTER DELETE ON cases REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_cases_changed();
CREATE TRIGGER persons_report_upd AFTER UPDATE ON persons REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_persons_changed();
CREATE TRIGGER screenings_report_ins AFTER INSERT ON screenings REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_screenings_changed();
CREATE TRIGGER screenings_report_upd AFTER UPDATE ON screenings REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_screenings_changed();
CREATE TRIGGER screenings_report_del AFTER DELETE ON screenings REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_screenings_changed();
CREATE TRIGGER stage_changes_report_ins AFTER INSERT ON stage_changes REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_stage_changes_changed();
CREATE TRIGGER stage_changes_report_upd AFTER UPDATE ON stage_changes REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_stage_changes_changed();
CREATE TRIGGER stage_changes_report_del AFTER DELETE ON stage_changes REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_stage_changes_changed();
CREATE TRIGGER identification_decisions_report_ins AFTER INSERT ON identification_decisions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_decisions_changed();
CREATE TRIGGER identification_decisions_report_upd AFTER UPDATE ON identification_decisions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_decisions_changed();
CREATE TRIGGER identification_decisions_report_del AFTER DELETE ON identification_decisions REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_decisions_changed();

-- +goose Down
DROP TABLE case_facts, case_steps, report_counts;
DROP FUNCTION report_refresh(uuid[]), report_facts_of(uuid[]), report_steps_of(uuid[]),
    report_add(date[], text[], text[], integer[]),
    report_fact_keys(timestamptz, text, text, text, boolean, uuid), report_case_facts_counted(),
    report_step_keys(text, timestamptz, timestamptz), report_case_steps_counted(), report_cases_changed(), report_persons_changed(), report_screenings_changed(),
    report_stage_changes_changed(), report_decisions_changed() CASCADE;
