package cases_test

import (
	"context"
	"errors"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/problem"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const (
	thWorker     = "caseworker@th-msdhs-sakaeo.demo"
	thSupervisor = "supervisor@th-msdhs-sakaeo.demo"
	thPolice     = "investigator@th-pct.demo"
	khWorker     = "caseworker@kh-mosvy-poipet.demo"
	thAdmin      = "country_admin@th-msdhs-sakaeo.demo"
	thAuditor    = "auditor@th-msdhs-sakaeo.demo"
	thAnalyst    = "analyst@th-msdhs-sakaeo.demo"
	embassy      = "embassy_officer@th-embassy-pnh.demo"
	ngo          = "ngo_worker@ngo-kh-shelter.demo"
)

func intake(t *testing.T, env *apptest.Env, email string) *cases.Case {
	t.Helper()
	age := 30
	_, c, err := env.App.Cases.Intake(context.Background(), env.Actor(t, email), cases.IntakeInput{
		GivenName: "Sokha", FamilyName: "Chan", Sex: "female", AgeEstimate: &age, Nationality: "KH",
		DocumentNumber: "N 0123-456", Contact: "+855 12 345 678", Languages: []string{"km"}})
	if err != nil {
		t.Fatalf("intake: %v", err)
	}
	return c
}

func TestIntakeAndGet(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	c := intake(t, env, thWorker)
	if c.Stage != cases.StageReception || c.Version != 1 {
		t.Fatalf("new case = %+v", c)
	}
	v, err := env.App.Cases.Get(ctx, env.Actor(t, thWorker), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Identity == nil || v.Identity.DocumentNumber != "N 0123-456" || v.Identity.Contact != "+855 12 345 678" {
		t.Fatalf("identity = %+v", v.Identity)
	}
	// The document number is sealed at rest and found through the blind index only.
	var enc []byte
	st, _ := env.App.Stores.For("TH")
	if err := st.DB.Raw(`SELECT document_number_enc FROM persons WHERE id = ?`, c.PersonID).Row().Scan(&enc); err != nil {
		t.Fatal(err)
	}
	if len(enc) == 0 || containsBytes(enc, []byte("0123")) {
		t.Fatalf("document number not encrypted at rest: %q", enc)
	}
	page, err := env.App.Cases.List(ctx, env.Actor(t, thWorker), cases.ListQuery{Q: "n0123456"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].ID != c.ID {
		t.Fatalf("search by document number: %+v", page.Items)
	}
}

func containsBytes(haystack, needle []byte) bool {
	for i := 0; i+len(needle) <= len(haystack); i++ {
		if string(haystack[i:i+len(needle)]) == string(needle) {
			return true
		}
	}
	return false
}

// TestIsolation: a case is not found for another store, another agency, and roles without the section.
func TestIsolation(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	c := intake(t, env, thWorker)
	for _, email := range []string{khWorker, thPolice, thAdmin, thAuditor, thAnalyst, embassy, ngo} {
		t.Run(email, func(t *testing.T) {
			a := env.Actor(t, email)
			if _, err := env.App.Cases.Get(ctx, a, c.ID); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Get = %v, want not found", err)
			}
			if _, err := env.App.Cases.Transition(ctx, a, c.ID, cases.TransitionInput{To: cases.StageScreening, Version: 1}); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Transition = %v, want not found", err)
			}
			page, err := env.App.Cases.List(ctx, a, cases.ListQuery{Limit: cases.MaxLimit})
			if err == nil {
				for _, it := range page.Items {
					if it.ID == c.ID {
						t.Errorf("List shows the case")
					}
				}
			} else if !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("List = %v", err)
			}
		})
	}
	// The KH caseworker's list holds only KH cases.
	page, err := env.App.Cases.List(ctx, env.Actor(t, khWorker), cases.ListQuery{Limit: cases.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) == 0 {
		t.Fatal("KH caseworker sees no cases")
	}
	for _, it := range page.Items {
		if it.Reference[:3] != "KH-" {
			t.Errorf("KH list shows %s", it.Reference)
		}
	}
}

func TestTransitions(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	worker, sup := env.Actor(t, thWorker), env.Actor(t, thSupervisor)
	c := intake(t, env, thWorker)

	_, err := env.App.Cases.Transition(ctx, worker, c.ID, cases.TransitionInput{To: cases.StageRecovery, Version: 1})
	if _, ok := problem.AsInvalid(err); !ok {
		t.Fatalf("reception -> recovery = %v, want invalid", err)
	}
	moved, err := env.App.Cases.Transition(ctx, worker, c.ID, cases.TransitionInput{To: cases.StageScreening, Version: 1})
	if err != nil || moved.Version != 2 || moved.Stage != cases.StageScreening {
		t.Fatalf("reception -> screening = %+v, %v", moved, err)
	}
	if _, err := env.App.Cases.Transition(ctx, worker, c.ID, cases.TransitionInput{To: cases.StageIdentification, Version: 1}); !errors.Is(err, problem.ErrConflict) {
		t.Fatalf("stale version = %v, want conflict", err)
	}
	_, err = env.App.Cases.Transition(ctx, worker, c.ID, cases.TransitionInput{To: cases.StageClosed, Reason: "left", Version: 2})
	if _, ok := problem.AsInvalid(err); !ok {
		t.Fatalf("caseworker closing = %v, want invalid", err)
	}
	if _, err := env.App.Cases.Transition(ctx, sup, c.ID, cases.TransitionInput{To: cases.StageClosed, Reason: "left the shelter", Version: 2}); err != nil {
		t.Fatalf("supervisor closing: %v", err)
	}
}

// TestTransitionTable checks every pair of stages both ways against the table of DOMAIN.md.
func TestTransitionTable(t *testing.T) {
	allowed := map[[2]cases.Stage]bool{
		{"reception", "screening"}: true, {"reception", "closed"}: true,
		{"screening", "identification"}: true, {"screening", "reception"}: true, {"screening", "closed"}: true,
		{"identification", "recovery"}: true, {"identification", "screening"}: true, {"identification", "closed"}: true,
		{"recovery", "return_preparation"}: true, {"recovery", "reintegration"}: true, {"recovery", "closed"}: true,
		{"return_preparation", "handover"}: true, {"return_preparation", "recovery"}: true, {"return_preparation", "closed"}: true,
		{"handover", "reintegration"}: true, {"handover", "closed"}: true,
		{"reintegration", "closed"}: true,
		{"closed", "recovery"}:      true, {"closed", "reintegration"}: true,
	}
	for _, from := range cases.Stages {
		for _, to := range cases.Stages {
			if got, want := cases.CanMove(from, to), allowed[[2]cases.Stage{from, to}]; got != want {
				t.Errorf("CanMove(%s, %s) = %v, want %v", from, to, got, want)
			}
		}
	}
}

func TestIntakeInvalid(t *testing.T) {
	env := apptest.New(t)
	_, _, err := env.App.Cases.Intake(context.Background(), env.Actor(t, thWorker), cases.IntakeInput{
		Sex: "x", Nationality: "XX", BirthDate: "2030-01-01"})
	inv, ok := problem.AsInvalid(err)
	if !ok {
		t.Fatalf("err = %v, want invalid", err)
	}
	for _, f := range []string{"given_name", "sex", "nationality", "birth_date"} {
		if inv.Fields[f] == "" {
			t.Errorf("no message for %s: %v", f, inv.Fields)
		}
	}
}
