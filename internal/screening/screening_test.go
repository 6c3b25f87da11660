package screening_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/problem"
	"homeward/internal/screening"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const (
	thWorker     = "caseworker@th-msdhs-sakaeo.demo"
	thSupervisor = "supervisor@th-msdhs-sakaeo.demo"
	thPolice     = "investigator@th-pct.demo"
	thPoliceSup  = "supervisor@th-pct.demo"
	thAuditor    = "auditor@th-msdhs-sakaeo.demo"
	khWorker     = "caseworker@kh-mosvy-poipet.demo"
	khSupervisor = "supervisor@kh-mosvy-poipet.demo"
	embassy      = "embassy_officer@th-embassy-pnh.demo"
	ngo          = "ngo_worker@ngo-kh-shelter.demo"

	hostile = `<script>alert("x")</script> & <b>bold</b>`
)

// fixture is a TH case of the welfare agency, moved to stage, with the services.
type fixture struct {
	env *apptest.Env
	svc *screening.Service
	c   *cases.Case
}

// newFixture takes a person in as the TH caseworker and moves the case on to stage (screening or
// identification), without recording anything.
func newFixture(tb testing.TB, stage cases.Stage) *fixture {
	tb.Helper()
	env := apptest.New(tb)
	ctx := context.Background()
	w := env.Actor(tb, thWorker)
	age := 27
	_, c, err := env.App.Cases.Intake(ctx, w, cases.IntakeInput{GivenName: "Sreymom", FamilyName: "Keo", Sex: "female",
		AgeEstimate: &age, Nationality: "KH", Languages: []string{"km"}})
	if err != nil {
		tb.Fatalf("intake: %v", err)
	}
	f := &fixture{env: env, svc: screening.New(env.App.Stores), c: c}
	f.move(tb, thWorker, cases.StageScreening)
	if stage == cases.StageIdentification {
		f.record(tb, validInput())
		f.move(tb, thWorker, cases.StageIdentification)
	}
	return f
}

// move transitions the fixture's case, failing the test on an error.
func (f *fixture) move(tb testing.TB, email string, to cases.Stage) {
	tb.Helper()
	c, err := f.tryMove(tb, email, to)
	if err != nil {
		tb.Fatalf("move %s -> %s: %v", f.c.Stage, to, err)
	}
	f.c = c
}

// tryMove transitions the fixture's case at its version and keeps the moved case.
func (f *fixture) tryMove(tb testing.TB, email string, to cases.Stage) (*cases.Case, error) {
	tb.Helper()
	a := f.env.Actor(tb, email)
	c, err := f.env.App.Cases.Transition(context.Background(), a, f.c.ID,
		cases.TransitionInput{To: to, Reason: "test move", Version: f.c.Version})
	if err == nil {
		f.c = c
	}
	return c, err
}

func (f *fixture) actor(tb testing.TB, email string) *authz.Actor {
	tb.Helper()
	return f.env.Actor(tb, email)
}

func (f *fixture) record(tb testing.TB, in screening.Input) *screening.Screening {
	tb.Helper()
	sc, err := f.svc.RecordScreening(context.Background(), f.actor(tb, thWorker), f.c.ID, in)
	if err != nil {
		tb.Fatalf("record screening: %v", err)
	}
	return sc
}

func (f *fixture) propose(tb testing.TB, email, decision string) *screening.Decision {
	tb.Helper()
	d, err := f.svc.ProposeDecision(context.Background(), f.actor(tb, email), f.c.ID,
		screening.ProposalInput{Decision: decision, LegalBasis: "Anti-Trafficking in Persons Act B.E. 2551, section 6"})
	if err != nil {
		tb.Fatalf("propose %s: %v", decision, err)
	}
	return d
}

// validInput is a screening with hostile text in every free-text field.
func validInput() screening.Input {
	return screening.Input{InterviewDate: "2025-06-20", Interviewer: "Malee S.", Interpreter: "Dara P.", Language: "km",
		Narrative: "Recruited through Telegram.\n" + hostile,
		Indicators: []screening.AnswerInput{
			{Indicator: "deceptive_job_offer", Answer: "present", Note: "Promised a translator job. " + hostile},
			{Indicator: "recruited_online", Answer: "present", Channels: []string{"telegram", "facebook", "telegram"}},
			{Indicator: "torture", Answer: "absent"},
		},
		Events: []screening.EventInput{
			{Phase: "recruitment", Place: "Phnom Penh", Country: "kh", DateFrom: "2025-01-10", Description: "Met the recruiter online."},
			{Phase: "exploitation", Place: "Jade Garden compound", Country: "TH", DateFrom: "2025-02-01", DateTo: "2025-05-30",
				Description: "Forced to run scams. " + hostile},
		}}
}

func TestRecordGetUpdate(t *testing.T) {
	f := newFixture(t, cases.StageScreening)
	ctx := context.Background()
	w := f.actor(t, thWorker)
	sc := f.record(t, validInput())
	if sc.Version != 1 {
		t.Fatalf("version = %d", sc.Version)
	}

	v, err := f.svc.Get(ctx, w, f.c.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := v.Screening
	if got == nil || got.Narrative != validInput().Narrative || got.Interviewer != "Malee S." || got.InterviewDate.Format("2006-01-02") != "2025-06-20" {
		t.Fatalf("screening = %+v", got)
	}
	if len(got.Indicators) != len(screening.Indicators) {
		t.Fatalf("%d indicators, want every one of %d", len(got.Indicators), len(screening.Indicators))
	}
	byCode := map[string]screening.Answer{}
	for _, a := range got.Indicators {
		byCode[a.Indicator] = a
	}
	if a := byCode["deceptive_job_offer"]; a.Answer != "present" || !strings.Contains(a.Note, hostile) {
		t.Errorf("deceptive_job_offer = %+v", a)
	}
	if a := byCode["recruited_online"]; strings.Join(a.Channels, ",") != "facebook,telegram" {
		t.Errorf("channels = %v, want facebook,telegram (deduplicated, in list order)", a.Channels)
	}
	if a := byCode["isolation"]; a.Answer != "unknown" {
		t.Errorf("unanswered indicator = %q, want unknown", a.Answer)
	}
	if len(got.Events) != 2 || got.Events[0].Country == nil || *got.Events[0].Country != "KH" || !strings.Contains(got.Events[1].Description, hostile) {
		t.Errorf("events = %+v", got.Events)
	}

	// Recording a second screening is a conflict: someone recorded it first.
	if _, err := f.svc.RecordScreening(ctx, w, f.c.ID, validInput()); !errors.Is(err, problem.ErrConflict) {
		t.Errorf("second record = %v, want conflict", err)
	}
	in := validInput()
	in.Version, in.Narrative, in.Events = 1, "Second interview.", nil
	up, err := f.svc.UpdateScreening(ctx, w, f.c.ID, in)
	if err != nil || up.Version != 2 {
		t.Fatalf("update = %+v, %v", up, err)
	}
	// A stale edit is refused and changes nothing.
	in.Narrative = "stale"
	if _, err := f.svc.UpdateScreening(ctx, w, f.c.ID, in); !errors.Is(err, problem.ErrConflict) {
		t.Fatalf("stale update = %v, want conflict", err)
	}
	v, err = f.svc.Get(ctx, w, f.c.ID)
	if err != nil || v.Screening.Narrative != "Second interview." || v.Screening.Version != 2 || len(v.Screening.Events) != 0 {
		t.Fatalf("after stale update: %+v, %v", v.Screening, err)
	}
}

// TestSealedAtRest reads the rows as stored: the narrative, notes and descriptions are ciphertext.
func TestSealedAtRest(t *testing.T) {
	f := newFixture(t, cases.StageScreening)
	sc := f.record(t, validInput())
	st, _ := f.env.App.Stores.For("TH")
	var blobs [][]byte
	var narrative []byte
	if err := st.DB.Raw(`SELECT narrative_enc FROM screenings WHERE id = ?`, sc.ID).Row().Scan(&narrative); err != nil {
		t.Fatal(err)
	}
	blobs = append(blobs, narrative)
	var notes, descs [][]byte
	st.DB.Raw(`SELECT note_enc FROM screening_indicators WHERE screening_id = ? AND note_enc IS NOT NULL`, sc.ID).Scan(&notes)
	st.DB.Raw(`SELECT description_enc FROM screening_events WHERE screening_id = ?`, sc.ID).Scan(&descs)
	if len(notes) != 1 || len(descs) != 2 {
		t.Fatalf("sealed notes %d, descriptions %d; want 1 and 2", len(notes), len(descs))
	}
	blobs = append(append(blobs, notes...), descs...)
	for _, b := range blobs {
		for _, plain := range []string{"Telegram", "script", "translator", "scams"} {
			if len(b) == 0 || bytes.Contains(b, []byte(plain)) {
				t.Errorf("stored %q holds %q in clear", b, plain)
			}
		}
	}
	// The KH store's keys cannot open it.
	kh, _ := f.env.App.Stores.For("KH")
	if _, err := kh.Keys.OpenString("screenings.narrative", sc.ID, narrative); err == nil {
		t.Error("KH keys open a TH narrative")
	}
}

// TestRefusedAccess: another store, another agency, roles without the section and agencies without
// a store get not found for every method, like a case that does not exist.
func TestRefusedAccess(t *testing.T) {
	f := newFixture(t, cases.StageScreening)
	ctx := context.Background()
	f.record(t, validInput())
	d := f.propose(t, thWorker, screening.DecisionIdentified)
	for _, email := range []string{khWorker, khSupervisor, thPolice, thPoliceSup, thAuditor, embassy, ngo} {
		t.Run(email, func(t *testing.T) {
			a := f.actor(t, email)
			if _, err := f.svc.Get(ctx, a, f.c.ID); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Get = %v", err)
			}
			if _, err := f.svc.RecordScreening(ctx, a, f.c.ID, validInput()); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Record = %v", err)
			}
			in := validInput()
			in.Version = 1
			if _, err := f.svc.UpdateScreening(ctx, a, f.c.ID, in); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Update = %v", err)
			}
			if _, err := f.svc.ProposeDecision(ctx, a, f.c.ID, screening.ProposalInput{Decision: "identified", LegalBasis: "x"}); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Propose = %v", err)
			}
			if _, err := f.svc.Approve(ctx, a, d.ID, screening.ReviewInput{Version: d.Version}); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Approve = %v", err)
			}
			if _, err := f.svc.Return(ctx, a, d.ID, screening.ReviewInput{Version: d.Version, Comment: "no"}); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Return = %v", err)
			}
		})
	}
	// The caseworker holds no approvals right: approving is not found for them too.
	if _, err := f.svc.Approve(ctx, f.actor(t, thWorker), d.ID, screening.ReviewInput{Version: d.Version}); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("caseworker Approve = %v", err)
	}
	// The investigator of a police agency on the case team reads the screening but cannot write it.
	st, _ := f.env.App.Stores.For("TH")
	police := f.actor(t, thPolice)
	if err := st.DB.Exec(`INSERT INTO case_team (case_id, agency_id) VALUES (?, ?)`, f.c.ID, police.AgencyID).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Get(ctx, police, f.c.ID); err != nil {
		t.Errorf("team investigator Get = %v", err)
	}
	if _, err := f.svc.ProposeDecision(ctx, police, f.c.ID, screening.ProposalInput{Decision: "identified", LegalBasis: "x"}); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("team investigator Propose = %v", err)
	}
	for _, id := range []string{"not-a-uuid", "00000000-0000-7000-8000-000000000000"} {
		if _, err := f.svc.Approve(ctx, f.actor(t, thSupervisor), id, screening.ReviewInput{Version: 1}); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("Approve(%s) = %v", id, err)
		}
	}
}
