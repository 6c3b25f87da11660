package investigation_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/investigation"
	"homeward/internal/problem"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const (
	thPolice     = "investigator@th-pct.demo"
	thPoliceSup  = "supervisor@th-pct.demo"
	thWorker     = "caseworker@th-msdhs-sakaeo.demo"
	thSupervisor = "supervisor@th-msdhs-sakaeo.demo"
	thAuditor    = "auditor@th-msdhs-sakaeo.demo"
	thAdmin      = "country_admin@th-msdhs-sakaeo.demo"
	khPolice     = "investigator@kh-cnp-aht.demo"
	khWorker     = "caseworker@kh-mosvy-poipet.demo"
	embassy      = "embassy_officer@th-embassy-pnh.demo"
)

// policeCase registers a person as the TH police and puts the TH welfare agency on the case team,
// so both agencies see the case.
func policeCase(tb testing.TB, env *apptest.Env) *cases.Case {
	tb.Helper()
	age := 27
	_, c, err := env.App.Cases.Intake(context.Background(), env.Actor(tb, thPolice), cases.IntakeInput{
		GivenName: "Dara", FamilyName: "Sok", Sex: "male", AgeEstimate: &age, Nationality: "KH"})
	if err != nil {
		tb.Fatalf("intake: %v", err)
	}
	st, _ := env.App.Stores.For("TH")
	welfare := env.Actor(tb, thWorker).AgencyID
	if err := st.DB.Exec(`INSERT INTO case_team (case_id, agency_id) VALUES (?, ?)`, c.ID, welfare).Error; err != nil {
		tb.Fatal(err)
	}
	return c
}

func valid(version int) investigation.Input {
	return investigation.Input{Status: "victim", WarrantCheck: "clear", WarrantNote: "No warrant; checked with the Sa Kaeo court.",
		NonPunishment: "granted", WillingToTestify: "undecided", Version: version}
}

func TestSaveAndGet(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := investigation.New(env.App.Stores)
	police := env.Actor(t, thPolice)
	c := policeCase(t, env)

	empty, err := svc.Get(ctx, police, c.ID)
	if err != nil || empty.Exists() || empty.CaseID != c.ID {
		t.Fatalf("Get before any record = %+v, %v", empty, err)
	}
	created, err := svc.Save(ctx, police, c.ID, valid(0))
	if err != nil || created.Version != 1 || created.UpdatedBy != police.UserID {
		t.Fatalf("create = %+v, %v", created, err)
	}
	// A second create (another investigator at the same moment) is a conflict, not an overwrite.
	if _, err := svc.Save(ctx, police, c.ID, valid(0)); !errors.Is(err, problem.ErrConflict) {
		t.Fatalf("second create = %v, want conflict", err)
	}
	in := valid(1)
	in.Status, in.WarrantCheck, in.WarrantNote = "suspect", "hit", "Warrant 12/2568 of the Aranyaprathet court."
	updated, err := svc.Save(ctx, police, c.ID, in)
	if err != nil || updated.Version != 2 {
		t.Fatalf("update = %+v, %v", updated, err)
	}
	if _, err := svc.Save(ctx, police, c.ID, valid(1)); !errors.Is(err, problem.ErrConflict) {
		t.Fatalf("stale update = %v, want conflict", err)
	}
	got, err := svc.Get(ctx, police, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(updated, got); d != "" {
		t.Errorf("Get differs from the saved record (-saved +got):\n%s", d)
	}

	// The warrant note is sealed at rest.
	st, _ := env.App.Stores.For("TH")
	var enc []byte
	if err := st.DB.Raw(`SELECT warrant_note_enc FROM legal_status WHERE case_id = ?`, c.ID).Row().Scan(&enc); err != nil {
		t.Fatal(err)
	}
	if len(enc) == 0 || bytes.Contains(enc, []byte("Aranyaprathet")) {
		t.Errorf("warrant note stored in clear: %q", enc)
	}
	// Every read and write is audited.
	var actions []string
	st.DB.Raw(`SELECT action FROM audit_log WHERE entity = 'case' AND entity_id = ? AND action LIKE 'investigation.%' ORDER BY id`, c.ID).Scan(&actions)
	want := []string{"investigation.read", "investigation.create", "investigation.update", "investigation.read"}
	if d := cmp.Diff(want, actions); d != "" {
		t.Errorf("audit (-want +got):\n%s", d)
	}
}

// TestPresence: the caseworker and supervisors outside the police learn that a legal status exists
// and when it changed, never its content, and cannot open the section itself.
func TestPresence(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := investigation.New(env.App.Stores)
	c := policeCase(t, env)
	worker := env.Actor(t, thWorker)

	p, err := svc.Presence(ctx, worker, c.ID)
	if err != nil || p.Exists || p.UpdatedAt != nil {
		t.Fatalf("Presence before = %+v, %v", p, err)
	}
	saved, err := svc.Save(ctx, env.Actor(t, thPolice), c.ID, valid(0))
	if err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{thWorker, thSupervisor} {
		p, err := svc.Presence(ctx, env.Actor(t, email), c.ID)
		if err != nil || !p.Exists || !p.UpdatedAt.Equal(*saved.UpdatedAt) {
			t.Errorf("%s: Presence = %+v, %v", email, p, err)
		}
		if _, err := svc.Get(ctx, env.Actor(t, email), c.ID); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s: Get = %v, want not found", email, err)
		}
		if _, err := svc.Save(ctx, env.Actor(t, email), c.ID, valid(1)); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s: Save = %v, want not found", email, err)
		}
	}
	// The police supervisor, like the investigator, has the section itself (a supervisor at a police
	// agency uses the police_supervisor matrix row), not the bare legal-status view.
	if got, err := svc.Get(ctx, env.Actor(t, thPoliceSup), c.ID); err != nil || got.Version != saved.Version {
		t.Errorf("police supervisor Get = %+v, %v", got, err)
	}
	if _, err := svc.Presence(ctx, env.Actor(t, thPoliceSup), c.ID); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("police supervisor Presence = %v, want not found", err)
	}
	// The investigator has the section itself, not the bare legal-status view.
	if _, err := svc.Presence(ctx, env.Actor(t, thPolice), c.ID); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("investigator Presence = %v, want not found", err)
	}
}

// TestRefused: another store, another agency, roles without the section: not found.
func TestRefused(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := investigation.New(env.App.Stores)
	c := policeCase(t, env)
	if _, err := svc.Save(ctx, env.Actor(t, thPolice), c.ID, valid(0)); err != nil {
		t.Fatal(err)
	}
	// A case of the welfare agency without the police on its team.
	age := 30
	_, own, err := env.App.Cases.Intake(ctx, env.Actor(t, thWorker), cases.IntakeInput{GivenName: "Srey", Sex: "female",
		AgeEstimate: &age, Nationality: "KH"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, email, caseID string
	}{
		{"KH investigator, TH case", khPolice, c.ID},
		{"KH caseworker, TH case", khWorker, c.ID},
		{"TH investigator, case of another agency", thPolice, own.ID},
		{"auditor", thAuditor, c.ID},
		{"country admin", thAdmin, c.ID},
		{"embassy", embassy, c.ID},
		{"investigator, no such case", thPolice, "00000000-0000-7000-8000-000000000000"},
		{"investigator, not an id", thPolice, "not-an-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := env.Actor(t, tt.email)
			if _, err := svc.Get(ctx, a, tt.caseID); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Get = %v, want not found", err)
			}
			if _, err := svc.Save(ctx, a, tt.caseID, valid(1)); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Save = %v, want not found", err)
			}
			if _, err := svc.Presence(ctx, a, tt.caseID); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Presence = %v, want not found", err)
			}
		})
	}
	// Bad input on an unseen case is still not found.
	if _, err := svc.Save(ctx, env.Actor(t, thPolice), own.ID, investigation.Input{Status: "boss"}); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("bad input on unseen case = %v, want not found", err)
	}
}

func TestBadInput(t *testing.T) {
	env := apptest.New(t)
	svc := investigation.New(env.App.Stores)
	c := policeCase(t, env)
	long := string(bytes.Repeat([]byte("ก"), 4001))
	tests := []struct {
		name   string
		in     investigation.Input
		fields map[string]string
	}{
		{"empty", investigation.Input{}, map[string]string{"status": "form.error.choose", "warrant_check": "form.error.choose",
			"non_punishment": "form.error.choose", "willing_to_testify": "form.error.choose"}},
		{"unknown values", investigation.Input{Status: "boss", WarrantCheck: "maybe", NonPunishment: "yes", WillingToTestify: "perhaps"},
			map[string]string{"status": "form.error.choose", "warrant_check": "form.error.choose",
				"non_punishment": "form.error.choose", "willing_to_testify": "form.error.choose"}},
		{"note too long", func() investigation.Input { in := valid(0); in.WarrantNote = long; return in }(),
			map[string]string{"warrant_note": "form.error.too_long"}},
		{"note not UTF-8", func() investigation.Input { in := valid(0); in.WarrantNote = "a\xffb"; return in }(),
			map[string]string{"warrant_note": "form.error.invalid"}},
		{"negative version", func() investigation.Input { in := valid(-1); return in }(),
			map[string]string{"version": "form.error.invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Save(context.Background(), env.Actor(t, thPolice), c.ID, tt.in)
			inv, ok := problem.AsInvalid(err)
			if !ok {
				t.Fatalf("err = %v, want invalid", err)
			}
			if d := cmp.Diff(tt.fields, inv.Fields); d != "" {
				t.Errorf("fields (-want +got):\n%s", d)
			}
		})
	}
}

// BenchmarkSaveAndGet is the investigator's edit: save the section at its version, then read it.
func BenchmarkSaveAndGet(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	svc := investigation.New(env.App.Stores)
	police := env.Actor(b, thPolice)
	c := policeCase(b, env)
	version := 0
	b.ReportAllocs()
	for b.Loop() {
		r, err := svc.Save(ctx, police, c.ID, valid(version))
		if err != nil {
			b.Fatal(err)
		}
		version = r.Version
		if _, err := svc.Get(ctx, police, c.ID); err != nil {
			b.Fatal(err)
		}
	}
}
