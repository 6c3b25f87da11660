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

const thPoliceSupervisor = "supervisor@th-pct.demo"

// caseworkerCheck is the membership check the web layer passes: the directory's.
func caseworkerCheck(env *apptest.Env) cases.CaseworkerCheck {
	return func(ctx context.Context, agencyID, userID string) (bool, error) {
		return env.App.Directory.HasMember(ctx, agencyID, userID, string(authz.RoleCaseworker))
	}
}

// teamAgency looks a demo agency up as the web layer does.
func teamAgency(t *testing.T, env *apptest.Env, slug string) cases.TeamAgency {
	t.Helper()
	ag, err := env.App.Directory.AgencyBySlug(context.Background(), slug)
	if err != nil {
		t.Fatalf("agency %s: %v", slug, err)
	}
	out := cases.TeamAgency{ID: ag.ID, Kind: ag.Kind}
	if ag.Country != nil {
		out.Country = *ag.Country
	}
	return out
}

func TestAssignOnlyACaseworkerOfTheOwner(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	c := intake(t, env, thWorker)
	sup := env.Actor(t, thSupervisor)
	check := caseworkerCheck(env)

	for _, tt := range []struct{ name, email string }{
		{"supervisor, not a caseworker", thSupervisor},
		{"investigator of another agency", thPolice},
		{"caseworker of the other store", khWorker},
		{"auditor of the owner agency", thAuditor},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.App.Cases.Assign(ctx, sup, c.ID, cases.AssignInput{UserID: env.Actor(t, tt.email).UserID, Version: c.Version}, check)
			if inv, ok := problem.AsInvalid(err); !ok || inv.Fields["user_id"] != "team.error.not_caseworker" {
				t.Fatalf("assign %s: %v, want team.error.not_caseworker", tt.email, err)
			}
		})
	}
	if _, err := env.App.Cases.Assign(ctx, sup, c.ID, cases.AssignInput{UserID: "not-a-uuid", Version: c.Version}, check); err == nil {
		t.Fatal("assigned a malformed user id")
	}
	if _, err := env.App.Cases.Assign(ctx, sup, c.ID, cases.AssignInput{UserID: env.Actor(t, thWorker).UserID, Version: c.Version}, nil); err == nil {
		t.Fatal("assigned without a membership check")
	}

	worker := env.Actor(t, thWorker)
	got, err := env.App.Cases.Assign(ctx, sup, c.ID, cases.AssignInput{UserID: worker.UserID, Version: c.Version}, check)
	if err != nil {
		t.Fatal(err)
	}
	if got.AssignedUserID == nil || *got.AssignedUserID != worker.UserID || got.Version != c.Version+1 {
		t.Fatalf("assigned case = %+v", got)
	}
	// The same version again is stale.
	if _, err := env.App.Cases.Assign(ctx, sup, c.ID, cases.AssignInput{Version: c.Version}, check); !errors.Is(err, problem.ErrConflict) {
		t.Fatalf("stale assign: %v, want conflict", err)
	}
	team, err := env.App.Cases.Team(ctx, worker, c.ID)
	if err != nil || team.AssignedUserID == nil || *team.AssignedUserID != worker.UserID {
		t.Fatalf("team = %+v, %v", team, err)
	}
	// Taking the assignment away.
	got, err = env.App.Cases.Assign(ctx, sup, c.ID, cases.AssignInput{Version: got.Version}, check)
	if err != nil || got.AssignedUserID != nil {
		t.Fatalf("unassign: %+v, %v", got, err)
	}
}

func TestTeamAgencies(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	c := intake(t, env, thWorker)
	sup := env.Actor(t, thSupervisor)
	police := env.Actor(t, thPolice)
	if _, err := env.App.Cases.Get(ctx, police, c.ID); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("police before joining the team: %v, want not found", err)
	}

	bad := []struct {
		name string
		ag   cases.TeamAgency
		key  string
	}{
		{"unknown agency", cases.TeamAgency{}, "team.error.agency_unknown"},
		{"police of the other country", teamAgency(t, env, "kh-cnp-aht"), "team.error.other_store"},
		{"social welfare of the other country", teamAgency(t, env, "kh-mosvy-poipet"), "team.error.other_store"},
		{"embassy", teamAgency(t, env, "th-embassy-pnh"), "team.error.other_store"},
		{"NGO", teamAgency(t, env, "ngo-th-legal"), "team.error.other_store"},
		{"owner agency", teamAgency(t, env, "th-msdhs-sakaeo"), "team.error.owner"},
		{"a kind that may not join", cases.TeamAgency{ID: teamAgency(t, env, "th-pct").ID, Kind: "embassy", Country: "TH"}, "team.error.agency_kind"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			err := env.App.Cases.AddTeamAgency(ctx, sup, c.ID, tt.ag)
			if inv, ok := problem.AsInvalid(err); !ok || inv.Fields["agency"] != tt.key {
				t.Fatalf("add: %v, want %s", err, tt.key)
			}
		})
	}

	pct := teamAgency(t, env, "th-pct")
	if err := env.App.Cases.AddTeamAgency(ctx, sup, c.ID, pct); err != nil {
		t.Fatal(err)
	}
	if err := env.App.Cases.AddTeamAgency(ctx, sup, c.ID, pct); err == nil {
		t.Fatal("added the same agency twice")
	}
	if _, err := env.App.Cases.Get(ctx, police, c.ID); err != nil {
		t.Fatalf("police on the team: %v", err)
	}
	team, err := env.App.Cases.Team(ctx, police, c.ID)
	if err != nil || len(team.Members) != 1 || team.Members[0].AgencyID != pct.ID {
		t.Fatalf("team = %+v, %v", team, err)
	}
	// A team agency's supervisor sees the case but does not manage its team.
	psup := env.Actor(t, thPoliceSupervisor)
	if err := env.App.Cases.RemoveTeamAgency(ctx, psup, c.ID, pct.ID); !errors.Is(err, problem.ErrForbidden) {
		t.Fatalf("team agency removing itself: %v, want forbidden", err)
	}
	if _, err := env.App.Cases.Assign(ctx, psup, c.ID, cases.AssignInput{Version: c.Version}, caseworkerCheck(env)); !errors.Is(err, problem.ErrForbidden) {
		t.Fatalf("team agency assigning: %v, want forbidden", err)
	}

	if err := env.App.Cases.RemoveTeamAgency(ctx, sup, c.ID, pct.ID); err != nil {
		t.Fatal(err)
	}
	if err := env.App.Cases.RemoveTeamAgency(ctx, sup, c.ID, pct.ID); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("removing again: %v, want not found", err)
	}
	if _, err := env.App.Cases.Get(ctx, police, c.ID); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("police after leaving the team: %v, want not found", err)
	}
}

func TestTeamRefusedAccess(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	c := intake(t, env, thWorker)
	pct := teamAgency(t, env, "th-pct")
	for _, tt := range []struct{ name, email string }{
		{"KH supervisor, other store", "supervisor@kh-mosvy-poipet.demo"},
		{"TH police supervisor, other agency", thPoliceSupervisor},
		{"auditor, no section", thAuditor},
		{"caseworker, no team section", thWorker},
		{"embassy, no store", embassy},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := env.Actor(t, tt.email)
			if _, err := env.App.Cases.Assign(ctx, a, c.ID, cases.AssignInput{Version: c.Version}, caseworkerCheck(env)); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Assign: %v, want not found", err)
			}
			if err := env.App.Cases.AddTeamAgency(ctx, a, c.ID, pct); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("AddTeamAgency: %v, want not found", err)
			}
			if err := env.App.Cases.RemoveTeamAgency(ctx, a, c.ID, pct.ID); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("RemoveTeamAgency: %v, want not found", err)
			}
			if _, err := env.App.Cases.Timeline(ctx, a, c.ID, ""); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Timeline: %v, want not found", err)
			}
		})
	}
	// Reading the team follows the case: the caseworker of the owner agency reads it, the others not.
	if _, err := env.App.Cases.Team(ctx, env.Actor(t, thWorker), c.ID); err != nil {
		t.Fatalf("owner caseworker reads the team: %v", err)
	}
	for _, email := range []string{khWorker, thPolice, thAuditor, embassy} {
		if _, err := env.App.Cases.Team(ctx, env.Actor(t, email), c.ID); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("Team as %s: %v, want not found", email, err)
		}
	}
}

// BenchmarkAssign assigns a case back and forth: scope, ownership, membership check (a directory
// query), versioned update and audit.
func BenchmarkAssign(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	age := 30
	worker, sup := env.Actor(b, thWorker), env.Actor(b, thSupervisor)
	_, c, err := env.App.Cases.Intake(ctx, worker, cases.IntakeInput{GivenName: "Sokha", Sex: "female", AgeEstimate: &age, Nationality: "KH"})
	if err != nil {
		b.Fatal(err)
	}
	check := caseworkerCheck(env)
	version := c.Version
	b.ReportAllocs()
	for b.Loop() {
		got, err := env.App.Cases.Assign(ctx, sup, c.ID, cases.AssignInput{UserID: worker.UserID, Version: version}, check)
		if err != nil {
			b.Fatal(err)
		}
		version = got.Version
	}
}
