package auditlog_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/audit"
	"homeward/internal/auditlog"
	"homeward/internal/problem"
	"homeward/internal/testdb"
)

// TestDetailNeverShowsNames: whatever key a detail holds a name under, the console shows the key
// and never the name; codes under known keys stay readable.
func TestDetailNeverShowsNames(t *testing.T) {
	detail := `{"name":"Somchai Jaidee","given_name":"สมชาย","family_name":"សុខា","to":"Dara Sok","stage":"recovery",` +
		`"reason":"met sokha at the border","rows":3,"paged":true,"sections":["identity","screening"],` +
		`"purpose":"ដារា","addr":"203.0.113.9","route":"/cases/:id/notes","Bad Key":"x","class":["Somchai"]}`
	got := auditlog.DetailText(auditlog.Summarize(detail))
	for _, name := range []string{"Somchai", "Jaidee", "สมชาย", "សុខា", "Dara", "sokha", "ដារា", "Bad Key"} {
		if strings.Contains(got, name) {
			t.Errorf("summary %q shows %q", got, name)
		}
	}
	for _, want := range []string{"name", "given_name", "stage: recovery", "rows: 3", "paged: true", "sections: identity,screening",
		"addr: 203.0.113.9", "route: /cases/:id/notes", "reason", "to", "purpose", "class"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary %q lacks %q", got, want)
		}
	}
	for _, d := range []string{"", "not json", `["Somchai"]`, `"Somchai"`} {
		if s := auditlog.Summarize(d); len(s) != 0 {
			t.Errorf("Summarize(%q) = %v, want nothing", d, s)
		}
	}
}

func TestUnusualAccessReport(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := env.App.Audit
	auditor, worker, police := env.Actor(t, thAuditor), env.Actor(t, thWorker), env.Actor(t, "investigator@th-pct.demo")
	var ids []string
	if err := storeDB(t, env, "TH").Raw(`SELECT c.id FROM cases c WHERE c.owner_agency_id = ?
		AND NOT EXISTS (SELECT 1 FROM case_team ct WHERE ct.case_id = c.id) ORDER BY c.reference LIMIT 4`, worker.AgencyID).Scan(&ids).Error; err != nil || len(ids) < 4 {
		t.Fatalf("cases: %v %v", ids, err)
	}
	loc := auditlog.Zone("TH")
	day := time.Date(2026, 5, 10, 0, 0, 0, 0, loc)
	// 10:00-10:59 Bangkok: the caseworker reads 4 cases; the police read one case of sakaeo's (not on its team).
	for i, id := range ids {
		appendAt(t, env, "TH", day.Add(10*time.Hour+time.Duration(i)*time.Minute), audit.ByActor(worker, audit.CaseRead, "case", id, nil))
	}
	appendAt(t, env, "TH", day.Add(10*time.Hour+30*time.Minute), audit.ByActor(police, audit.ScreeningRead, "case", ids[0], nil))
	// 23:10 and 05:50 Bangkok: night reads; 21:59 is not night.
	appendAt(t, env, "TH", day.Add(23*time.Hour+10*time.Minute), audit.ByActor(worker, audit.ScreeningRead, "case", ids[1], nil))
	appendAt(t, env, "TH", day.Add(29*time.Hour+50*time.Minute), audit.ByActor(worker, audit.AttachmentDownload, "case", ids[2], nil))
	appendAt(t, env, "TH", day.Add(21*time.Hour+59*time.Minute), audit.ByActor(worker, audit.CaseRead, "case", ids[3], nil))
	env.App.Audit.WithClock(func() time.Time { return day.Add(12 * time.Hour) })
	if err := svc.RecordRefused(ctx, worker, "/cases/:id", "0190f000-0000-7000-8000-000000000001"); err != nil {
		t.Fatal(err)
	}

	r, err := svc.Unusual(ctx, auditor, auditlog.ReportQuery{From: "2026-05-10", To: "2026-05-11", PerHour: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Bursts) != 1 || r.Bursts[0].Actor.Email != thWorker || r.Bursts[0].Cases != 4 || r.Bursts[0].Hour.Hour() != 10 {
		t.Errorf("bursts = %+v, want the caseworker with 4 cases at 10:00", r.Bursts)
	}
	if len(r.OutsideTeam) != 1 || r.OutsideTeam[0].Actor.Email != "investigator@th-pct.demo" || r.OutsideTeam[0].CaseRef == "" {
		t.Errorf("outside team = %+v, want the police read", r.OutsideTeam)
	}
	var night []string
	for _, e := range r.Night {
		night = append(night, e.Action)
	}
	if strings.Join(night, ",") != "attachment.download,screening.read" {
		t.Errorf("night = %v, want the 05:50 download and the 23:10 read", night)
	}
	if len(r.Refused) != 1 || r.Refused[0].Actor.Email != thWorker || auditlog.DetailText(r.Refused[0].Detail) != "route: /cases/:id" {
		t.Errorf("refused = %+v", r.Refused)
	}
	// The default threshold (50) finds no burst.
	if r, err := svc.Unusual(ctx, auditor, auditlog.ReportQuery{From: "2026-05-10", To: "2026-05-11"}); err != nil || len(r.Bursts) != 0 || r.PerHour != 50 {
		t.Errorf("default threshold: %v %+v", err, r)
	}
	for _, c := range []struct {
		q     auditlog.ReportQuery
		field string
	}{
		{auditlog.ReportQuery{PerHour: -1}, "per_hour"},
		{auditlog.ReportQuery{From: "2026-01-01", To: "2026-12-31"}, "from"},
		{auditlog.ReportQuery{From: "soon"}, "from"},
	} {
		_, err := svc.Unusual(ctx, auditor, c.q)
		if inv, ok := problem.AsInvalid(err); !ok || inv.Fields[c.field] == "" {
			t.Errorf("%+v: %v, want invalid %s", c.q, err, c.field)
		}
	}
}

func TestRefusedRowsAreCapped(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	worker := env.Actor(t, thWorker)
	for range 40 {
		if err := env.App.Audit.RecordRefused(ctx, worker, "/cases/:id", "not-a-uuid'; DROP"); err != nil {
			t.Fatal(err)
		}
	}
	var rows []struct{ EntityID, Detail string }
	storeDB(t, env, "TH").Raw(`SELECT entity_id, detail FROM audit_log WHERE action = ? ORDER BY id`, auditlog.ActionRefused.Name()).Scan(&rows)
	if len(rows) != 31 {
		t.Fatalf("%d refused rows after 40 refusals, want 30 and one noting the cap", len(rows))
	}
	if rows[0].EntityID != "" || !strings.Contains(rows[30].Detail, `"capped":true`) {
		t.Errorf("first %+v, last %+v", rows[0], rows[30])
	}
	// Actors without a store write nothing.
	if err := env.App.Audit.RecordRefused(ctx, env.Actor(t, "embassy_officer@th-embassy-pnh.demo"), "/cases/:id", ""); err != nil {
		t.Fatal(err)
	}
}

func TestChainCheck(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := env.App.Audit
	auditor := env.Actor(t, thAuditor)
	if s, err := svc.Chain(ctx, auditor); err != nil || s.Status != auditlog.ChainNever {
		t.Fatalf("before any check: %+v %v", s, err)
	}
	if err := svc.StartVerify(ctx, auditor); err != nil {
		t.Fatal(err)
	}
	svc.Wait()
	s, err := svc.Chain(ctx, auditor)
	if err != nil || s.Status != auditlog.ChainIntact || s.Rows == 0 || s.StartedBy == nil || s.StartedBy.Email != thAuditor || s.FinishedAt == nil {
		t.Fatalf("after a check: %+v %v", s, err)
	}

	// One check at a time.
	if err := storeDB(t, env, "TH").Exec(`INSERT INTO audit_verifications (started_at, started_by, status) VALUES (now(), ?, 'running')`, auditor.UserID).Error; err != nil {
		t.Fatal(err)
	}
	if err := svc.StartVerify(ctx, auditor); !errors.Is(err, problem.ErrConflict) {
		t.Errorf("second check while one runs: %v, want conflict", err)
	}
	if s, _ := svc.Chain(ctx, auditor); s.Status != auditlog.ChainRunning {
		t.Errorf("status %q, want running", s.Status)
	}
	storeDB(t, env, "TH").Exec(`UPDATE audit_verifications SET status = 'failed', finished_at = now() WHERE status = 'running'`)

	// An edited row (as the database's superuser: the app role cannot) is found.
	admin, err := sql.Open("pgx", testdb.DSN(t, env.Databases["TH"]))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`UPDATE audit_log SET action = 'case.list' WHERE id = 5`); err != nil {
		t.Fatal(err)
	}
	if err := svc.StartVerify(ctx, auditor); err != nil {
		t.Fatal(err)
	}
	svc.Wait()
	if s, _ := svc.Chain(ctx, auditor); s.Status != auditlog.ChainBroken || s.BrokenID != 5 || s.Reason == "" {
		t.Errorf("after an edit: %+v, want broken at 5", s)
	}
	// The KH store's check is its own.
	if s, err := svc.Chain(ctx, env.Actor(t, khAuditor)); err != nil || s.Status != auditlog.ChainNever {
		t.Errorf("KH: %+v %v", s, err)
	}
}

func TestHubLogOfTheCountry(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	for _, email := range []string{thWorker, khWorker} {
		if _, err := env.App.Directory.SignIn(ctx, email, "homeward-demo", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = env.App.Directory.SignIn(ctx, khWorker, "wrong", "192.0.2.2")
	_, _ = env.App.Directory.SignIn(ctx, thWorker, "wrong", "192.0.2.3")
	p, err := env.App.Audit.HubLog(ctx, env.Actor(t, thAuditor), "", 200)
	if err != nil {
		t.Fatal(err)
	}
	var signin, failed bool
	for _, e := range p.Items {
		if e.Actor != nil && e.Actor.Email == khWorker || e.EntityID == khWorker || e.Agency != nil && strings.HasPrefix(e.Agency.Slug, "kh-") {
			t.Errorf("TH auditor sees a KH hub row: %+v", e)
		}
		if e.Action == "auth.signin" && e.Actor != nil && e.Actor.Email == thWorker && auditlog.DetailText(e.Detail) == "addr: 192.0.2.1" {
			signin = true
		}
		if e.Action == "auth.signin_failed" && e.EntityID == thWorker {
			failed = true
		}
	}
	if !signin || !failed {
		t.Errorf("TH sign-in %v, failed sign-in %v; want both listed", signin, failed)
	}
}

func TestExportCSV(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	worker := env.Actor(t, thWorker)
	// A staff name a spreadsheet would run as a formula.
	if err := env.App.Hub.Exec(`UPDATE users SET name = '=HYPERLINK("http://x")' WHERE id = ?`, worker.UserID).Error; err != nil {
		t.Fatal(err)
	}
	caseID, _, ref := aCase(t, env, "TH")
	if _, err := env.App.Cases.Get(ctx, worker, caseID); err != nil {
		t.Fatal(err)
	}
	f, err := env.App.Audit.Export(ctx, env.Actor(t, thAuditor), auditlog.Filter{Case: ref})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(f.Data), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 2 || recs[0][0] != "id" || f.Rows != len(recs)-1 {
		t.Fatalf("export: %d records, %d rows", len(recs), f.Rows)
	}
	var defused bool
	for _, r := range recs[1:] {
		if r[8] != ref {
			t.Errorf("row of another case: %v", r)
		}
		if strings.HasPrefix(r[2], "=") {
			t.Errorf("formula cell: %q", r[2])
		}
		defused = defused || r[2] == `'=HYPERLINK("http://x")`
	}
	if !defused {
		t.Error("the caseworker's row is not in the export with the name neutralised")
	}
	var n int64
	storeDB(t, env, "TH").Raw(`SELECT count(*) FROM audit_log WHERE action = ? AND entity_id = ?`, auditlog.ActionExport.Name(), caseID).Scan(&n)
	if n != 1 {
		t.Errorf("%d export rows audited, want 1", n)
	}
}
