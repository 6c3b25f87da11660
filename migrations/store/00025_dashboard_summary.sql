-- +goose Up
-- Dashboard summaries (issue 12): the counts the per-role dashboards show, read instead of scanning
-- cases. Kept exact by the triggers below, in the transaction of the change, the way the report
-- summary of 00013 is; derived from cases, case_team, screenings, identification_decisions and
-- closure_requests only, so dashboard_rebuild() recomputes them from those tables at any time.
--
--   dashboard_cases   one row per case: the agencies that see it (its owner and its case team:
--                     authz.Scope.CaseFilter), its assigned user (the nil uuid for none) and its
--                     items: its stage and the flags of the work waiting on it
--                     (screening_pending, decision_returned, decision_proposed, closure_requested),
--                     and one 'step_due:YYYY-MM-DD' per open repatriation step of a case in recovery or
--                     return preparation and one 'visit_due:YYYY-MM-DD' per scheduled visit of a case
--                     not closed (a list by date sums the days up to its bound).
--   dashboard_counts  counts per (agency, assigned user, item). Writers only INSERT delta rows, so
--                     two transactions never wait on a shared counter row; a writer that gets a
--                     key's advisory lock without waiting (pg_try_advisory_xact_lock) also folds that
--                     key's rows into one. A count is sum(n) over its rows.
--
-- A change to a case's related rows (team, screening, decision, closure request) first locks the
-- case row (FOR NO KEY UPDATE, as an UPDATE of the case does), so every refresh of one case sees the
-- last committed state of the others and their deltas chain exactly.
CREATE TABLE dashboard_cases (
    case_id  uuid PRIMARY KEY,
    agencies uuid[] NOT NULL, -- sorted, distinct
    user_id  uuid NOT NULL,
    items    text[] NOT NULL  -- the stage first, then the flags
);

CREATE TABLE dashboard_counts (
    agency_id uuid NOT NULL,
    user_id   uuid NOT NULL, -- the nil uuid: cases assigned to nobody
    item      text NOT NULL, -- a stage, or a flag of dashboard_cases.items
    n         integer NOT NULL
);
CREATE INDEX dashboard_counts_key_idx ON dashboard_counts (agency_id, item, user_id) INCLUDE (n);

-- dashboard_facts_of derives the dashboard_cases rows of the cases ids from the base tables.
-- decision_returned mirrors the caseworker's list: in identification, the latest decision returned.
-- +goose StatementBegin
CREATE FUNCTION dashboard_facts_of(ids uuid[])
RETURNS TABLE (case_id uuid, agencies uuid[], user_id uuid, items text[])
LANGUAGE sql STABLE AS $$
SELECT c.id,
       ARRAY(SELECT DISTINCT a FROM (SELECT c.owner_agency_id UNION ALL
                                     SELECT ct.agency_id FROM case_team ct WHERE ct.case_id = c.id) x (a) ORDER BY a),
       coalesce(c.assigned_user_id, '00000000-0000-0000-0000-000000000000'::uuid),
       ARRAY[c.stage]
       || CASE WHEN c.stage = 'screening' AND NOT EXISTS (SELECT 1 FROM screenings s WHERE s.case_id = c.id)
               THEN ARRAY['screening_pending'] ELSE '{}'::text[] END
       || CASE WHEN c.stage = 'identification' AND (SELECT d.status FROM identification_decisions d WHERE d.case_id = c.id
                                                    ORDER BY d.proposed_at DESC, d.id DESC LIMIT 1) = 'returned'
               THEN ARRAY['decision_returned'] ELSE '{}'::text[] END
       || CASE WHEN EXISTS (SELECT 1 FROM identification_decisions d WHERE d.case_id = c.id AND d.status = 'proposed')
               THEN ARRAY['decision_proposed'] ELSE '{}'::text[] END
       || CASE WHEN EXISTS (SELECT 1 FROM closure_requests r WHERE r.case_id = c.id AND r.status = 'requested')
               THEN ARRAY['closure_requested'] ELSE '{}'::text[] END
       || ARRAY(SELECT 'step_due:' || to_char(s.due_on, 'YYYY-MM-DD') FROM repatriation_steps s
                WHERE s.case_id = c.id AND NOT s.done AND c.stage IN ('recovery', 'return_preparation') ORDER BY 1)
       || ARRAY(SELECT 'visit_due:' || to_char(v.visit_date, 'YYYY-MM-DD') FROM follow_up_visits v
                WHERE v.case_id = c.id AND v.status = 'scheduled' AND c.stage <> 'closed' ORDER BY 1)
FROM unnest(ids) u (id) JOIN cases c ON c.id = u.id
$$;
-- +goose StatementEnd

-- dashboard_add adds count deltas (parallel arrays). Keys whose advisory lock this transaction gets
-- without waiting are folded with their rows into one; other deltas are appended (a later writer
-- folds them). A statement of more than 64 keys only appends, so one statement never holds an
-- unbounded number of locks.
-- +goose StatementBegin
CREATE FUNCTION dashboard_add(agencies uuid[], users uuid[], items text[], ns integer[]) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  locked text[] := '{}';
BEGIN
  IF agencies IS NULL OR cardinality(agencies) = 0 THEN
    RETURN;
  END IF;
  IF cardinality(agencies) <= 64 THEN
    locked := ARRAY(SELECT k FROM (SELECT DISTINCT a::text || u::text || i AS k FROM unnest(agencies, users, items) t (a, u, i)) x
                    WHERE pg_try_advisory_xact_lock(1919250032, hashtext(k)));
  END IF;
  WITH delta AS (SELECT * FROM unnest(agencies, users, items, ns) AS t (agency_id, user_id, item, n)),
  gone AS (
    DELETE FROM dashboard_counts r
    USING (SELECT DISTINCT agency_id, user_id, item FROM delta
           WHERE agency_id::text || user_id::text || item = ANY (locked)) k
    WHERE r.agency_id = k.agency_id AND r.item = k.item AND r.user_id = k.user_id
    RETURNING r.agency_id, r.user_id, r.item, r.n)
  INSERT INTO dashboard_counts (agency_id, user_id, item, n)
  SELECT agency_id, user_id, item, sum(n) FROM (SELECT * FROM delta UNION ALL SELECT * FROM gone) x
  GROUP BY agency_id, user_id, item HAVING sum(n) <> 0;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION dashboard_cases_counted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  agencies uuid[]; users uuid[]; items text[]; ns integer[];
BEGIN
  -- Each row weighs +1 (new) or -1 (old) on every (agency, user, item) it spans.
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(k.a), array_agg(k.u), array_agg(k.i), array_agg(k.n) INTO agencies, users, items, ns
    FROM (SELECT a, r.user_id AS u, i, count(*)::integer AS n FROM new_rows r, unnest(r.agencies) a, unnest(r.items) i
          GROUP BY 1, 2, 3) k;
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT array_agg(k.a), array_agg(k.u), array_agg(k.i), array_agg(k.n) INTO agencies, users, items, ns
    FROM (SELECT a, r.user_id AS u, i, sum(r.w)::integer AS n
          FROM (SELECT n.agencies, n.user_id, n.items, 1 AS w FROM new_rows n
                UNION ALL SELECT o.agencies, o.user_id, o.items, -1 FROM old_rows o) r,
          unnest(r.agencies) a, unnest(r.items) i
          GROUP BY 1, 2, 3 HAVING sum(r.w) <> 0) k;
  ELSE
    SELECT array_agg(k.a), array_agg(k.u), array_agg(k.i), array_agg(k.n) INTO agencies, users, items, ns
    FROM (SELECT a, r.user_id AS u, i, -count(*)::integer AS n FROM old_rows r, unnest(r.agencies) a, unnest(r.items) i
          GROUP BY 1, 2, 3) k;
  END IF;
  PERFORM dashboard_add(agencies, users, items, ns);
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- dashboard_refresh brings dashboard_cases of the cases ids in line with the base tables, writing
-- only rows that differ (their triggers add the count deltas). With lock, it first locks the cases
-- (the caller changed a related row, not the case).
-- +goose StatementBegin
CREATE FUNCTION dashboard_refresh(ids uuid[], lock boolean) RETURNS void LANGUAGE plpgsql SET jit = off AS $$
BEGIN
  ids := ARRAY(SELECT DISTINCT x FROM unnest(ids) x WHERE x IS NOT NULL ORDER BY x);
  IF cardinality(ids) = 0 THEN
    RETURN;
  END IF;
  IF lock THEN
    PERFORM 1 FROM cases c WHERE c.id = ANY (ids) ORDER BY c.id FOR NO KEY UPDATE;
  END IF;
  DELETE FROM dashboard_cases d
  WHERE d.case_id = ANY (ids) AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = d.case_id);
  INSERT INTO dashboard_cases AS d (case_id, agencies, user_id, items)
  SELECT * FROM dashboard_facts_of(ids)
  ON CONFLICT (case_id) DO UPDATE SET agencies = excluded.agencies, user_id = excluded.user_id, items = excluded.items
  WHERE (d.agencies, d.user_id, d.items) IS DISTINCT FROM (excluded.agencies, excluded.user_id, excluded.items);
END $$;
-- +goose StatementEnd

-- Updates of cases that change nothing the dashboard reads (names, versions, dates) refresh nothing.
-- +goose StatementBegin
CREATE FUNCTION dashboard_cases_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM dashboard_refresh(ARRAY(SELECT n.id FROM new_rows n), false);
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM dashboard_refresh(ARRAY(
      SELECT coalesce(n.id, o.id) FROM new_rows n FULL JOIN old_rows o ON o.id = n.id
      WHERE n.id IS NULL OR o.id IS NULL
         OR (n.stage, n.assigned_user_id, n.owner_agency_id) IS DISTINCT FROM (o.stage, o.assigned_user_id, o.owner_agency_id)),
      false);
  ELSE
    PERFORM dashboard_refresh(ARRAY(SELECT o.id FROM old_rows o), false);
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- dashboard_related_changed refreshes the cases of the related rows inserted, deleted, or updated
-- in a column the dashboard reads (a trigger cannot both name columns and see transition tables).
-- +goose StatementBegin
CREATE FUNCTION dashboard_related_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM dashboard_refresh(ARRAY(SELECT n.case_id FROM new_rows n), true);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM dashboard_refresh(ARRAY(SELECT o.case_id FROM old_rows o), true);
  ELSIF TG_TABLE_NAME = 'case_team' THEN
    PERFORM dashboard_refresh(ARRAY(SELECT n.case_id FROM new_rows n UNION SELECT o.case_id FROM old_rows o), true);
  ELSIF TG_TABLE_NAME = 'screenings' THEN
    PERFORM dashboard_refresh(ARRAY(
      SELECT unnest(ARRAY[n.case_id, o.case_id]) FROM new_rows n FULL JOIN old_rows o ON o.id = n.id
      WHERE n.case_id IS DISTINCT FROM o.case_id), true);
  ELSIF TG_TABLE_NAME = 'identification_decisions' THEN
    PERFORM dashboard_refresh(ARRAY(
      SELECT unnest(ARRAY[n.case_id, o.case_id]) FROM new_rows n FULL JOIN old_rows o ON o.id = n.id
      WHERE (n.case_id, n.status, n.proposed_at) IS DISTINCT FROM (o.case_id, o.status, o.proposed_at)), true);
  ELSIF TG_TABLE_NAME = 'closure_requests' THEN
    PERFORM dashboard_refresh(ARRAY(
      SELECT unnest(ARRAY[n.case_id, o.case_id]) FROM new_rows n FULL JOIN old_rows o ON o.id = n.id
      WHERE (n.case_id, n.status) IS DISTINCT FROM (o.case_id, o.status)), true);
  ELSIF TG_TABLE_NAME = 'follow_up_visits' THEN
    PERFORM dashboard_refresh(ARRAY(
      SELECT unnest(ARRAY[n.case_id, o.case_id]) FROM new_rows n FULL JOIN old_rows o ON o.id = n.id
      WHERE (n.case_id, n.status, n.visit_date) IS DISTINCT FROM (o.case_id, o.status, o.visit_date)), true);
  ELSE -- repatriation_steps (active and owner follow the case: its own trigger counts those)
    PERFORM dashboard_refresh(ARRAY(
      SELECT coalesce(n.case_id, o.case_id) FROM new_rows n FULL JOIN old_rows o ON o.case_id = n.case_id AND o.step = n.step
      WHERE (n.due_on, n.done) IS DISTINCT FROM (o.due_on, o.done)), true);
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- dashboard_rebuild recomputes both tables from the base tables, for a bulk load that bypassed the
-- triggers (seed-scale fills with session_replication_role = replica); run as the owner (it
-- truncates). Set-based, the same rows as dashboard_facts_of; the counts are written from the rows
-- whether the dashboard_cases triggers fire or not. Writers of the summary wait while it runs.
-- +goose StatementBegin
CREATE FUNCTION dashboard_rebuild() RETURNS void LANGUAGE plpgsql SET jit = off SET work_mem = '64MB' AS $$
BEGIN
  LOCK TABLE dashboard_cases, dashboard_counts IN EXCLUSIVE MODE;
  TRUNCATE dashboard_cases, dashboard_counts;
  INSERT INTO dashboard_cases (case_id, agencies, user_id, items)
  SELECT c.id,
         CASE WHEN t.agencies IS NULL THEN ARRAY[c.owner_agency_id]
              ELSE ARRAY(SELECT DISTINCT a FROM unnest(t.agencies || c.owner_agency_id) a ORDER BY a) END,
         coalesce(c.assigned_user_id, '00000000-0000-0000-0000-000000000000'::uuid),
         ARRAY[c.stage]
         || CASE WHEN c.stage = 'screening' AND s.case_id IS NULL THEN ARRAY['screening_pending'] ELSE '{}'::text[] END
         || CASE WHEN c.stage = 'identification' AND l.status = 'returned' THEN ARRAY['decision_returned'] ELSE '{}'::text[] END
         || CASE WHEN p.case_id IS NOT NULL THEN ARRAY['decision_proposed'] ELSE '{}'::text[] END
         || CASE WHEN r.case_id IS NOT NULL THEN ARRAY['closure_requested'] ELSE '{}'::text[] END
         || CASE WHEN c.stage IN ('recovery', 'return_preparation') THEN coalesce(st.items, '{}') ELSE '{}' END
         || CASE WHEN c.stage <> 'closed' THEN coalesce(vi.items, '{}') ELSE '{}' END
  FROM cases c
  LEFT JOIN (SELECT ct.case_id, array_agg(ct.agency_id) AS agencies FROM case_team ct GROUP BY ct.case_id) t ON t.case_id = c.id
  LEFT JOIN (SELECT DISTINCT x.case_id FROM screenings x) s ON s.case_id = c.id
  LEFT JOIN (SELECT DISTINCT ON (d.case_id) d.case_id, d.status FROM identification_decisions d
             ORDER BY d.case_id, d.proposed_at DESC, d.id DESC) l ON l.case_id = c.id
  LEFT JOIN (SELECT DISTINCT d.case_id FROM identification_decisions d WHERE d.status = 'proposed') p ON p.case_id = c.id
  LEFT JOIN (SELECT DISTINCT x.case_id FROM closure_requests x WHERE x.status = 'requested') r ON r.case_id = c.id
  LEFT JOIN (SELECT x.case_id, array_agg('step_due:' || to_char(x.due_on, 'YYYY-MM-DD') ORDER BY x.due_on) AS items
             FROM repatriation_steps x WHERE NOT x.done GROUP BY x.case_id) st ON st.case_id = c.id
  LEFT JOIN (SELECT x.case_id, array_agg('visit_due:' || to_char(x.visit_date, 'YYYY-MM-DD') ORDER BY x.visit_date) AS items
             FROM follow_up_visits x WHERE x.status = 'scheduled' GROUP BY x.case_id) vi ON vi.case_id = c.id;
  -- The dashboard_cases trigger (when it fired) counted the rows too: count them once, here.
  TRUNCATE dashboard_counts;
  INSERT INTO dashboard_counts (agency_id, user_id, item, n)
  SELECT a, d.user_id, i, count(*) FROM dashboard_cases d, unnest(d.agencies) a, unnest(d.items) i GROUP BY 1, 2, 3;
END $$;
-- +goose StatementEnd

CREATE TRIGGER dashboard_cases_counted_ins AFTER INSERT ON dashboard_cases REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_cases_counted();
CREATE TRIGGER dashboard_cases_counted_upd AFTER UPDATE ON dashboard_cases REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_cases_counted();
CREATE TRIGGER dashboard_cases_counted_del AFTER DELETE ON dashboard_cases REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_cases_counted();

SELECT dashboard_rebuild();

CREATE TRIGGER cases_dashboard_ins AFTER INSERT ON cases REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_cases_changed();
CREATE TRIGGER cases_dashboard_upd AFTER UPDATE ON cases REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_cases_changed();
CREATE TRIGGER cases_dashboard_del AFTER DELETE ON cases REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_cases_changed();

CREATE TRIGGER case_team_dashboard_ins AFTER INSERT ON case_team REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_related_changed();
CREATE TRIGGER case_team_dashboard_upd AFTER UPDATE ON case_team REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_related_changed();
CREATE TRIGGER case_team_dashboard_del AFTER DELETE ON case_team REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_related_changed();
CREATE TRIGGER screenings_dashboard_ins AFTER INSERT ON screenings REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_related_changed();
CREATE TRIGGER screenings_dashboard_upd AFTER UPDATE ON screenings REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_related_changed();
CREATE TRIGGER screenings_dashboard_del AFTER DELETE ON screenings REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_related_changed();
CREATE TRIGGER identification_decisions_dashboard_ins AFTER INSERT ON identification_decisions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_related_changed();
CREATE TRIGGER identification_decisions_dashboard_upd AFTER UPDATE ON identification_decisions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_related_changed();
CREATE TRIGGER identification_decisions_dashboard_del AFTER DELETE ON identification_decisions REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_related_changed();
CREATE TRIGGER closure_requests_dashboard_ins AFTER INSERT ON closure_requests REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_related_changed();
CREATE TRIGGER closure_requests_dashboard_upd AFTER UPDATE ON closure_requests
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_related_changed();
CREATE TRIGGER closure_requests_dashboard_del AFTER DELETE ON closure_requests REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_related_changed();

CREATE TRIGGER follow_up_visits_dashboard_ins AFTER INSERT ON follow_up_visits REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_related_changed();
CREATE TRIGGER follow_up_visits_dashboard_upd AFTER UPDATE ON follow_up_visits
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_related_changed();
CREATE TRIGGER follow_up_visits_dashboard_del AFTER DELETE ON follow_up_visits REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_related_changed();
CREATE TRIGGER repatriation_steps_dashboard_ins AFTER INSERT ON repatriation_steps REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_related_changed();
CREATE TRIGGER repatriation_steps_dashboard_upd AFTER UPDATE ON repatriation_steps
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_related_changed();
CREATE TRIGGER repatriation_steps_dashboard_del AFTER DELETE ON repatriation_steps REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_related_changed();

-- +goose Down
DROP TRIGGER follow_up_visits_dashboard_ins ON follow_up_visits;
DROP TRIGGER follow_up_visits_dashboard_upd ON follow_up_visits;
DROP TRIGGER follow_up_visits_dashboard_del ON follow_up_visits;
DROP TRIGGER repatriation_steps_dashboard_ins ON repatriation_steps;
DROP TRIGGER repatriation_steps_dashboard_upd ON repatriation_steps;
DROP TRIGGER repatriation_steps_dashboard_del ON repatriation_steps;
DROP TRIGGER cases_dashboard_ins ON cases;
DROP TRIGGER cases_dashboard_upd ON cases;
DROP TRIGGER cases_dashboard_del ON cases;
DROP TRIGGER case_team_dashboard_ins ON case_team;
DROP TRIGGER case_team_dashboard_upd ON case_team;
DROP TRIGGER case_team_dashboard_del ON case_team;
DROP TRIGGER screenings_dashboard_ins ON screenings;
DROP TRIGGER screenings_dashboard_upd ON screenings;
DROP TRIGGER screenings_dashboard_del ON screenings;
DROP TRIGGER identification_decisions_dashboard_ins ON identification_decisions;
DROP TRIGGER identification_decisions_dashboard_upd ON identification_decisions;
DROP TRIGGER identification_decisions_dashboard_del ON identification_decisions;
DROP TRIGGER closure_requests_dashboard_ins ON closure_requests;
DROP TRIGGER closure_requests_dashboard_upd ON closure_requests;
DROP TRIGGER closure_requests_dashboard_del ON closure_requests;
DROP TABLE dashboard_cases, dashboard_counts;
DROP FUNCTION dashboard_rebuild(), dashboard_related_changed(), dashboard_cases_changed(), dashboard_refresh(uuid[], boolean),
    dashboard_cases_counted(), dashboard_add(uuid[], uuid[], text[], integer[]), dashboard_facts_of(uuid[]);
