package dashboard_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/closure"
	"homeward/internal/handover"
	"homeward/internal/handover/handovertest"
	"homeward/internal/reintegration"
	"homeward/internal/screening"
	"homeward/internal/testdb"
)

// directCountsSQL counts, from the base tables alone and as the dashboard queries did before the
// summary of migration 00025, every (agency, assigned user, item): the cases each agency sees (owner
// or case team) by stage, and the work waiting on them. The reference the summary must equal.
const directCountsSQL = `
WITH seen AS (
  SELECT c.id, c.owner_agency_id AS agency_id, c.assigned_user_id, c.stage FROM cases c
  UNION
  SELECT c.id, ct.agency_id, c.assigned_user_id, c.stage FROM cases c JOIN case_team ct ON ct.case_id = c.id
), items AS (
  SELECT s.agency_id, s.assigned_user_id, s.stage AS item FROM seen s
  UNION ALL
  SELECT s.agency_id, s.assigned_user_id, 'screening_pending' FROM seen s
  WHERE s.stage = 'screening' AND NOT EXISTS (SELECT 1 FROM screenings x WHERE x.case_id = s.id)
  UNION ALL
  SELECT s.agency_id, s.assigned_user_id, 'decision_returned'
  FROM seen s JOIN identification_decisions d ON d.case_id = s.id
  WHERE d.status = 'returned' AND s.stage = 'identification'
    AND NOT EXISTS (SELECT 1 FROM identification_decisions n WHERE n.case_id = d.case_id
                    AND (n.proposed_at, n.id) > (d.proposed_at, d.id))
  UNION ALL
  SELECT s.agency_id, s.assigned_user_id, 'decision_proposed'
  FROM seen s JOIN identification_decisions d ON d.case_id = s.id WHERE d.status = 'proposed'
  UNION ALL
  SELECT s.agency_id, s.assigned_user_id, 'closure_requested'
  FROM seen s JOIN closure_requests r ON r.case_id = s.id WHERE r.status = 'requested'
  UNION ALL
  SELECT s.agency_id, s.assigned_user_id, 'step_due:' || to_char(r.due_on, 'YYYY-MM-DD')
  FROM seen s JOIN repatriation_steps r ON r.case_id = s.id WHERE NOT r.done AND s.stage IN ('recovery', 'return_preparation')
  UNION ALL
  SELECT s.agency_id, s.assigned_user_id, 'visit_due:' || to_char(v.visit_date, 'YYYY-MM-DD')
  FROM seen s JOIN follow_up_visits v ON v.case_id = s.id WHERE v.status = 'scheduled' AND s.stage <> 'closed'
)
SELECT agency_id::text || ' ' || coalesce(assigned_user_id::text, '-') || ' ' || item AS key, count(*) AS n
FROM items GROUP BY 1`

// summaryCountsSQL reads the same keys from the summary.
const summaryCountsSQL = `
SELECT agency_id::text || ' ' || CASE WHEN user_id = '00000000-0000-0000-0000-000000000000' THEN '-' ELSE user_id::text END
       || ' ' || item AS key, sum(n) AS n
FROM dashboard_counts GROUP BY 1 HAVING sum(n) <> 0`

// countsOf runs a counting query of (key, n) rows.
func countsOf(t testing.TB, db *gorm.DB, sql string) map[string]int {
	t.Helper()
	var rows []struct {
		Key string
		N   int
	}
	if err := db.Raw(sql).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Key] = r.N
	}
	return out
}

// checkSummary fails when the summary of db differs from the direct counts.
func checkSummary(t testing.TB, db *gorm.DB, step string) {
	t.Helper()
	want, got := countsOf(t, db, directCountsSQL), countsOf(t, db, summaryCountsSQL)
	if len(want) == 0 {
		t.Fatalf("%s: no cases counted", step)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s: summary counts (-direct +summary):\n%s", step, d)
	}
}

// TestSummaryFollowsEveryChange changes both demo stores through every path that moves a case's
// stage, owner, assignment, team or waiting work (intake, transitions, screening, decisions
// proposed, returned and approved, assignment, case team, closure requested, returned and approved,
// a merge, a handover across the border) and through plain SQL, and after each step checks that the
// summary equals the direct counts.
func TestSummaryFollowsEveryChange(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	th, _ := env.App.Stores.For("TH")
	kh, _ := env.App.Stores.For("KH")
	w, sup := env.Actor(t, thWorker), env.Actor(t, thSupervisor)
	checkSummary(t, th.DB, "TH demo store")
	checkSummary(t, kh.DB, "KH demo store")

	age := 30
	var ids []string
	for i := range 6 {
		r, err := env.App.Cases.Register(ctx, w, cases.IntakeInput{GivenName: fmt.Sprintf("Dash%c", 'A'+i), FamilyName: "Count",
			Sex: "female", AgeEstimate: &age, Nationality: "KH"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.Case.ID)
	}
	checkSummary(t, th.DB, "intake")

	version := func(id string) int {
		t.Helper()
		v, err := env.App.Cases.Get(ctx, sup, id)
		if err != nil {
			t.Fatal(err)
		}
		return v.Case.Version
	}
	move := func(id string, to cases.Stage, as string) {
		t.Helper()
		if _, err := env.App.Cases.Transition(ctx, env.Actor(t, as), id, cases.TransitionInput{To: to, Version: version(id), Reason: "dashboard test"}); err != nil {
			t.Fatalf("move %s to %s: %v", id, to, err)
		}
	}
	for _, id := range ids[:5] {
		move(id, cases.StageScreening, thWorker)
	}
	checkSummary(t, th.DB, "screening pending")

	yes := func(context.Context, string, string) (bool, error) { return true, nil }
	other := env.Actor(t, "caseworker@th-msdhs-sakaeo.demo")
	if _, err := env.App.Cases.Assign(ctx, sup, ids[0], cases.AssignInput{UserID: other.UserID, Version: version(ids[0])}, yes); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Cases.Assign(ctx, sup, ids[1], cases.AssignInput{UserID: sup.UserID, Version: version(ids[1])}, yes); err != nil {
		t.Fatal(err)
	}
	checkSummary(t, th.DB, "assignment")

	police := env.Actor(t, "supervisor@th-pct.demo")
	if err := env.App.Cases.AddTeamAgency(ctx, sup, ids[1], cases.TeamAgency{ID: police.AgencyID, Kind: "police", Country: "TH"}); err != nil {
		t.Fatal(err)
	}
	if err := env.App.Cases.AddTeamAgency(ctx, sup, ids[2], cases.TeamAgency{ID: police.AgencyID, Kind: "police", Country: "TH"}); err != nil {
		t.Fatal(err)
	}
	checkSummary(t, th.DB, "team added")

	sc := screening.New(env.App.Stores)
	for _, id := range ids[:4] {
		if _, err := sc.RecordScreening(ctx, w, id, screening.Input{InterviewDate: "2025-06-20", Interviewer: "Malee S.", Language: "km"}); err != nil {
			t.Fatal(err)
		}
		move(id, cases.StageIdentification, thWorker)
	}
	checkSummary(t, th.DB, "screenings recorded")
	decide := func(id, decision string, approve bool) {
		t.Helper()
		d, err := sc.ProposeDecision(ctx, w, id, screening.ProposalInput{Decision: decision, LegalBasis: "ACTIP art. 14"})
		if err != nil {
			t.Fatal(err)
		}
		if approve {
			_, err = sc.Approve(ctx, sup, d.ID, screening.ReviewInput{Version: d.Version})
		} else {
			_, err = sc.Return(ctx, sup, d.ID, screening.ReviewInput{Version: d.Version, Comment: "more detail"})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	decide(ids[0], "identified", true)
	decide(ids[1], "not_identified", false)
	decide(ids[2], "identified", false)
	if _, err := sc.ProposeDecision(ctx, w, ids[3], screening.ProposalInput{Decision: "identified", LegalBasis: "x"}); err != nil {
		t.Fatal(err)
	}
	checkSummary(t, th.DB, "decisions proposed, returned, approved")
	decide(ids[2], "identified", true) // a new proposal after the returned one
	checkSummary(t, th.DB, "decision proposed again")

	// Repatriation deadlines of a case in recovery: opened, one done, one moved.
	move(ids[0], cases.StageRecovery, thWorker)
	for _, q := range []string{
		`INSERT INTO repatriations (case_id, opened_on, updated_at) VALUES ('` + ids[0] + `', current_date, now())`,
		`INSERT INTO repatriation_steps (case_id, step, due_on, owner_agency_id) VALUES ('` + ids[0] + `', 'route', current_date + 3, '` + w.AgencyID + `'),
		   ('` + ids[0] + `', 'escort', current_date - 2, '` + w.AgencyID + `'), ('` + ids[0] + `', 'nationality', current_date + 3, '` + w.AgencyID + `')`,
		`UPDATE repatriation_steps SET done = true WHERE step = 'escort' AND case_id = '` + ids[0] + `'`,
		`UPDATE repatriation_steps SET due_on = due_on + 1 WHERE step = 'route' AND case_id = '` + ids[0] + `'`,
	} {
		if err := th.DB.Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	checkSummary(t, th.DB, "repatriation deadlines")
	move(ids[0], cases.StageReturnPreparation, thWorker)
	checkSummary(t, th.DB, "repatriation deadlines in return preparation")
	// Follow-up visits, one on a case about to be closed.
	rein := reintegration.New(env.App.Stores)
	for _, id := range []string{ids[4], ids[3], ids[3]} {
		if _, err := rein.AddVisit(ctx, w, id, reintegration.VisitInput{Status: "scheduled",
			VisitDate: time.Now().AddDate(0, 0, 2).Format(time.DateOnly), LocationKind: "home"}); err != nil {
			t.Fatal(err)
		}
	}
	checkSummary(t, th.DB, "visits scheduled")
	if err := env.App.Cases.RemoveTeamAgency(ctx, sup, ids[1], police.AgencyID); err != nil {
		t.Fatal(err)
	}
	checkSummary(t, th.DB, "team removed")

	cl := closure.New(env.App.Stores, env.App.Cases, env.App.Exchange)
	r0, err := cl.RequestClosure(ctx, w, ids[0], closure.RequestInput{Reason: "declined_help"})
	if err != nil {
		t.Fatal(err)
	}
	r4, err := cl.RequestClosure(ctx, w, ids[4], closure.RequestInput{Reason: "lost_contact"})
	if err != nil {
		t.Fatal(err)
	}
	checkSummary(t, th.DB, "closures requested")
	if _, _, err := cl.Approve(ctx, sup, r4.ID, "agreed"); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Return(ctx, sup, r0.ID, "try again"); err != nil {
		t.Fatal(err)
	}
	checkSummary(t, th.DB, "closure approved and returned")

	// A merge: ids[5]'s person into ids[3]'s.
	var merged, kept string
	th.DB.Raw(`SELECT person_id::text FROM cases WHERE id = ?`, ids[5]).Scan(&merged)
	th.DB.Raw(`SELECT person_id::text FROM cases WHERE id = ?`, ids[3]).Scan(&kept)
	if _, err := env.App.Cases.Merge(ctx, sup, merged, cases.MergeInput{Into: kept, Reason: "same person"}); err != nil {
		t.Fatal(err)
	}
	checkSummary(t, th.DB, "merge")

	// A handover of two Thai nationals from KH to TH: the KH cases move to handover, the TH
	// supervisor accepts one (a new TH case) and declines the other.
	hids := handovertest.Ready(t, env, khWorker, "supervisor@kh-mosvy-poipet.demo", "TH", 2)
	checkSummary(t, kh.DB, "cases made ready for a handover")
	hs := handover.New(env.App.Hub, env.App.Stores, env.App.Exchange, env.App.Directory)
	in := handover.BatchInput{Recipient: "th-msdhs-sakaeo", Checkpoint: "poipet_aranyaprathet",
		HandoverAt: time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339), SendingOfficials: "Sok Dara, MoSVY Poipet"}
	for _, id := range hids {
		in.Persons = append(in.Persons, handover.PersonInput{CaseID: id})
	}
	b, err := hs.Create(ctx, env.Actor(t, khWorker), in)
	if err != nil {
		t.Fatalf("handover: %v", err)
	}
	if _, err := hs.Approve(ctx, env.Actor(t, "supervisor@kh-mosvy-poipet.demo"), b.ID, b.Version); err != nil {
		t.Fatalf("handover approve: %v", err)
	}
	checkSummary(t, kh.DB, "handover sent")
	rb, err := hs.Get(ctx, sup, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hs.Accept(ctx, sup, b.ID, handover.AcceptInput{Accept: []string{rb.Persons[0].PacketID},
		Decline:            []handover.Decline{{ID: rb.Persons[1].PacketID, Reason: "Family tracing not complete"}},
		ReceivingOfficials: "Somsak P., MSDHS"}); err != nil {
		t.Fatalf("handover accept: %v", err)
	}
	checkSummary(t, th.DB, "handover received")

	// Plain SQL: a bulk move, an owner change, a reassignment, deletions.
	for _, q := range []string{
		`UPDATE cases SET stage = 'screening' WHERE stage = 'reception'`,
		`UPDATE cases SET owner_agency_id = '` + police.AgencyID + `' WHERE id = '` + ids[2] + `'`,
		`UPDATE cases SET assigned_user_id = NULL WHERE id IN ('` + ids[0] + `', '` + ids[1] + `')`,
		`DELETE FROM identification_decisions WHERE case_id = '` + ids[3] + `'`,
		`DELETE FROM screenings WHERE case_id = '` + ids[1] + `'`,
		`UPDATE cases SET stage = 'screening' WHERE id = '` + ids[1] + `'`,
		`DELETE FROM case_team WHERE case_id = '` + ids[2] + `'`,
		`UPDATE follow_up_visits SET visit_date = visit_date - 9 WHERE case_id = '` + ids[3] + `'`,
		`UPDATE follow_up_visits SET status = 'missed' WHERE id = (SELECT id FROM follow_up_visits WHERE case_id = '` + ids[3] + `' LIMIT 1)`,
		`UPDATE cases SET stage = 'closed' WHERE id = '` + ids[0] + `'`,
	} {
		if err := th.DB.Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	checkSummary(t, th.DB, "plain SQL changes")
	// A rebuild from the base tables (as after a bulk load) gives the same counts.
	before := countsOf(t, th.DB, summaryCountsSQL)
	testdb.Exec(t, env.Databases["TH"], `SELECT dashboard_rebuild()`)
	if d := cmp.Diff(before, countsOf(t, th.DB, summaryCountsSQL)); d != "" {
		t.Errorf("rebuilt counts (-triggers +rebuild):\n%s", d)
	}
}
