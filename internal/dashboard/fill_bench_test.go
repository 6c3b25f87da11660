package dashboard_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"homeward/internal/apptest"
	"homeward/internal/seedscale"
	"homeward/internal/testdb"
)

// fillSQL adds persons and cases to a store in the shape seed-scale gives them (one case in ten
// owned by the police, four in five assigned to one of the owner's workers, one welfare case in
// twenty with the police on its team, cases over every stage received over three years), plus the
// work the dashboards list: a screening for half the cases in screening, a decision for most in
// identification (waiting, returned or approved), closure requests, follow-up visits and
// repatriation deadlines around today. It writes with the triggers off, as seed-scale does, then
// rebuilds the dashboard summary (dashboard_rebuild). %[1]d is the count; %[2]s, %[3]s the
// welfare and police agencies; %[4]s, %[5]s their workers (uuid[] literals); %[6]s a supervisor.
const fillSQL = `
SET session_replication_role = replica;
SET maintenance_work_mem = '256MB';
CREATE TEMP TABLE fill AS
SELECT i, md5('dash-p-' || i)::uuid AS pid, md5('dash-c-' || i)::uuid AS cid,
  abs(hashint4(i)) %% 10 = 9 AS police,
  (ARRAY['reception','screening','identification','recovery','return_preparation','handover','reintegration','closed',
         'closed','reintegration','recovery','closed'])[1 + abs(hashint4(-i)) %% 12] AS stage,
  abs(hashint4(i + 1000000)) AS h,
  now() - (i::bigint * 94608000 / %[1]d) * interval '1 second' AS at
FROM generate_series(1, %[1]d) i;
INSERT INTO persons (id, given_name, family_name, sex, age_estimate, nationality, created_at, updated_at)
SELECT pid, 'Dash', 'Person ' || i, (ARRAY['female','male'])[1 + i %% 2], 16 + i %% 40, 'KH', at, at FROM fill;
INSERT INTO cases (id, reference, person_id, owner_agency_id, assigned_user_id, stage, created_at, updated_at)
SELECT cid, 'DASH-' || i, pid, CASE WHEN police THEN '%[3]s'::uuid ELSE '%[2]s'::uuid END,
  CASE WHEN h %% 100 < 80 THEN
    CASE WHEN police THEN w.p[1 + h / 100 %% cardinality(w.p)] ELSE w.w[1 + h / 100 %% cardinality(w.w)] END END,
  stage, at, at + interval '1 day'
FROM fill, (SELECT '%[4]s'::uuid[] AS w, '%[5]s'::uuid[] AS p) w;
INSERT INTO case_team (case_id, agency_id, added_at) SELECT cid, '%[3]s', at FROM fill WHERE NOT police AND i %% 20 = 0;
INSERT INTO screenings (id, case_id, interview_date, interviewer, language, created_by, created_at, updated_at)
SELECT md5('dash-s-' || i)::uuid, cid, at::date, 'Interviewer', 'km', '%[6]s', at, at FROM fill
WHERE stage = 'screening' AND i %% 2 = 0 OR stage NOT IN ('reception', 'screening');
INSERT INTO identification_decisions (id, case_id, decision, status, proposed_by, proposed_at, decided_by, decided_at, comment)
SELECT md5('dash-d-' || i)::uuid, cid, 'identified',
  CASE WHEN stage <> 'identification' OR i %% 10 < 2 THEN 'approved' WHEN i %% 10 < 4 THEN 'returned' END,
  '%[6]s', at + interval '2 days', md5('dash-sup')::uuid, at + interval '3 days', ''
FROM fill WHERE stage NOT IN ('reception', 'screening') AND (stage <> 'identification' OR i %% 10 < 4);
INSERT INTO identification_decisions (id, case_id, decision, status, proposed_by, proposed_at)
SELECT md5('dash-d2-' || i)::uuid, cid, 'identified', 'proposed', '%[6]s', at + interval '4 days'
FROM fill WHERE stage = 'identification' AND i %% 10 BETWEEN 4 AND 9;
INSERT INTO closure_requests (id, case_id, reason, status, requested_by, requested_at)
SELECT md5('dash-r-' || i)::uuid, cid, 'reintegrated', 'requested', '%[6]s', at + interval '5 days'
FROM fill WHERE stage = 'reintegration' AND i %% 4 = 0;
INSERT INTO follow_up_visits (id, case_id, status, visit_date, location_kind, created_by, created_at, updated_at)
SELECT md5('dash-v-' || i)::uuid, cid, CASE WHEN i %% 3 = 0 THEN 'scheduled' ELSE 'missed' END,
  current_date + (i %% 400) - 200, 'home', '%[6]s', at, at
FROM fill WHERE stage = 'reintegration';
INSERT INTO repatriations (case_id, opened_on, updated_at) SELECT cid, at::date, at FROM fill WHERE stage IN ('recovery', 'return_preparation');
INSERT INTO repatriation_steps (case_id, step, due_on, done, active, owner_agency_id)
SELECT cid, s, current_date + (i %% 300) - 150, i %% 5 < 3, true, CASE WHEN police THEN '%[3]s'::uuid ELSE '%[2]s'::uuid END
FROM fill, unnest(ARRAY['nationality', 'travel_document', 'family_tracing']) s
WHERE stage IN ('recovery', 'return_preparation');
RESET session_replication_role;
SELECT dashboard_rebuild();
`

// uuids is a uuid[] literal.
func uuids(ids []string) string { return "{" + strings.Join(ids, ",") + "}" }

// fillStore returns an environment whose TH store holds the demo data and n more persons filled by
// fillSQL, analysed. (apptest.Scale, seed-scale's own fill, is the reference shape; at a million
// persons it takes half an hour on this shared machine, and its template clone times out.)
func fillStore(b *testing.B, n int) *apptest.Env {
	env := apptest.New(b)
	ctx := context.Background()
	dir, err := seedscale.DirectoryFromHub(ctx, env.App.Hub, "TH")
	if err != nil {
		b.Fatal(err)
	}
	// An agency has many caseworkers: the demo's and nineteen more (ids only: no one signs in).
	for k := range 19 {
		dir.Welfare.Workers = append(dir.Welfare.Workers, fmt.Sprintf("00000000-0000-4000-8000-%012d", k+1))
	}
	start := time.Now()
	conn, err := pgx.Connect(ctx, testdb.DSN(b, env.Databases["TH"]))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	sql := fmt.Sprintf(fillSQL, n, dir.Welfare.ID, dir.Police.ID, uuids(dir.Welfare.Workers), uuids(dir.Police.Workers), dir.Welfare.Supervisors[0])
	if _, err := conn.Exec(ctx, sql); err != nil {
		b.Fatalf("fill: %v", err)
	}
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatalf("vacuum: %v", err)
	}
	b.Logf("filled %d persons in %s", n, time.Since(start).Round(time.Millisecond))
	return env
}
