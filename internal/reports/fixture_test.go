package reports_test

import (
	"fmt"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/testdb"
)

// Period of the hand-counted fixture: March 2020, long before the demo data.
var (
	fxFrom = time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	fxTo   = time.Date(2020, 4, 1, 0, 0, 0, 0, time.UTC)
)

// fxCase is one fixture case: its person, stage, reception, and what happened to it.
type fxCase struct {
	n           int
	nationality string
	sex         string
	minor       bool
	op          string // "A", "B" or ""
	stage       string
	created     string
	changes     [][3]string // from, to, at
	screening   string      // created_at of its screening, "" for none
	decision    [3]string   // decision, status, at (decided_at when approved, proposed_at when proposed)
}

// fixture is hand-counted in figures_test.go.
var fixture = []fxCase{
	{n: 1, nationality: "KH", sex: "female", op: "A", stage: "closed", created: "2020-02-10",
		changes: [][3]string{{"reception", "screening", "2020-02-11"}, {"screening", "identification", "2020-03-02"},
			{"return_preparation", "handover", "2020-03-20"}, {"handover", "closed", "2020-03-25"}},
		decision: [3]string{"identified", "approved", "2020-03-05"}},
	{n: 2, nationality: "KH", sex: "male", minor: true, op: "A", stage: "identification", created: "2020-03-03",
		changes: [][3]string{{"screening", "identification", "2020-03-10"}}, screening: "2020-03-04",
		decision: [3]string{"identified", "proposed", "2020-03-12"}},
	{n: 3, nationality: "MM", sex: "female", op: "B", stage: "screening", created: "2020-03-05",
		changes: [][3]string{{"reception", "screening", "2020-03-06"}}},
	{n: 4, nationality: "TH", sex: "female", minor: true, stage: "screening", created: "2020-03-20",
		changes: [][3]string{{"reception", "screening", "2020-03-25"}}},
	{n: 5, nationality: "KH", sex: "male", op: "A", stage: "reintegration", created: "2020-01-01",
		changes:  [][3]string{{"return_preparation", "reintegration", "2020-03-15"}},
		decision: [3]string{"identified", "approved", "2020-02-01"}},
	{n: 6, nationality: "KH", sex: "female", op: "B", stage: "reception", created: "2020-04-15"},
	{n: 7, nationality: "VN", sex: "male", stage: "recovery", created: "2020-03-08",
		decision: [3]string{"not_identified", "approved", "2020-03-18"}},
}

// fxID is a stable uuid for a fixture row.
func fxID(kind string, n int) string {
	k := map[string]int{"op": 1, "person": 2, "case": 3, "sc": 4, "scr": 5, "dec": 6}[kind]
	return fmt.Sprintf("0f1c000%d-0000-4000-8000-%012d", k, n)
}

// fxOperation returns the fixture operation id of a letter.
func fxOperation(letter string) string {
	if letter == "A" {
		return fxID("op", 1)
	}
	return fxID("op", 2)
}

// seedFixture writes the fixture cases into one store database; agency and user are any uuids of
// that store (stage changes and decisions need an actor).
func seedFixture(t testing.TB, db string, agency, user, other string, rows []fxCase) {
	t.Helper()
	testdb.Exec(t, db, `INSERT INTO operations (id, name, operation_date, lead_agency_id) VALUES
		($1, 'Fixture A', '2020-02-20', $3), ($2, 'Fixture B', '2020-03-01', $3)`, fxID("op", 1), fxID("op", 2), agency)
	for _, c := range rows {
		var op any
		if c.op != "" {
			op = fxOperation(c.op)
		}
		pid, cid := fxID("person", c.n), fxID("case", c.n)
		testdb.Exec(t, db, `INSERT INTO persons (id, given_name, sex, nationality, minor, operation_id, created_at)
			VALUES ($1, 'Fixture', $2, $3, $4, $5, $6::timestamptz)`, pid, c.sex, c.nationality, c.minor, op, c.created+"T00:00:00Z")
		testdb.Exec(t, db, `INSERT INTO cases (id, reference, person_id, owner_agency_id, stage, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $6::timestamptz)`, cid, fmt.Sprintf("FX-%d", c.n), pid, agency, c.stage, c.created+"T00:00:00Z")
		for i, ch := range c.changes {
			testdb.Exec(t, db, `INSERT INTO stage_changes (id, case_id, from_stage, to_stage, actor_user_id, at)
				VALUES ($1, $2, $3, $4, $5, $6::timestamptz)`, fxID("sc", c.n*10+i), cid, ch[0], ch[1], user, ch[2]+"T00:00:00Z")
		}
		if c.screening != "" {
			testdb.Exec(t, db, `INSERT INTO screenings (id, case_id, interview_date, interviewer, created_by, created_at, updated_at)
				VALUES ($1, $2, $3::date, 'Fixture', $4, $3::timestamptz, $3::timestamptz)`, fxID("scr", c.n), cid, c.screening, user)
		}
		switch d := c.decision; d[1] {
		case "approved":
			testdb.Exec(t, db, `INSERT INTO identification_decisions (id, case_id, decision, status, proposed_by, proposed_at, decided_by, decided_at)
				VALUES ($1, $2, $3, 'approved', $4, $6::timestamptz, $5, $6::timestamptz)`, fxID("dec", c.n), cid, d[0], user, other, d[2]+"T00:00:00Z")
		case "proposed":
			testdb.Exec(t, db, `INSERT INTO identification_decisions (id, case_id, decision, status, proposed_by, proposed_at)
				VALUES ($1, $2, $3, 'proposed', $4, $5::timestamptz)`, fxID("dec", c.n), cid, d[0], user, d[2]+"T00:00:00Z")
		}
	}
}

// seedStores seeds the fixture into TH and two cases into KH, returning the environment.
func seedStores(t testing.TB) *apptest.Env {
	t.Helper()
	env := apptest.New(t)
	th, thSup := env.Actor(t, thWorker), env.Actor(t, thSupervisor)
	seedFixture(t, env.Databases["TH"], th.AgencyID, th.UserID, thSup.UserID, fixture)
	kh, khSup := env.Actor(t, khWorker), env.Actor(t, khSupervisor)
	seedFixture(t, env.Databases["KH"], kh.AgencyID, kh.UserID, khSup.UserID, khFixture)
	return env
}

// khFixture is the KH store's fixture: two Thai nationals received in the period.
var khFixture = []fxCase{
	{n: 1, nationality: "TH", sex: "male", op: "A", stage: "screening", created: "2020-03-10"},
	{n: 2, nationality: "TH", sex: "female", op: "A", stage: "reception", created: "2020-03-11"},
}
