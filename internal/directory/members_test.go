package directory_test

import (
	"context"
	"testing"

	"homeward/internal/apptest"
)

func TestMembersAndNames(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	dir := env.App.Directory
	worker := env.Actor(t, "caseworker@th-msdhs-sakaeo.demo")
	sup := env.Actor(t, "supervisor@th-msdhs-sakaeo.demo")

	users, err := dir.Members(ctx, worker.AgencyID, "caseworker")
	if err != nil || len(users) != 1 || users[0].ID != worker.UserID || users[0].PasswordHash != "" {
		t.Fatalf("caseworkers = %+v, %v; want the one demo caseworker, without a password hash", users, err)
	}
	if users, err := dir.Members(ctx, "not-an-id", "caseworker"); err != nil || len(users) != 0 {
		t.Fatalf("members of a malformed agency id = %v, %v", users, err)
	}
	for _, tt := range []struct {
		agency, user, role string
		want               bool
	}{
		{worker.AgencyID, worker.UserID, "caseworker", true},
		{worker.AgencyID, sup.UserID, "caseworker", false},
		{env.Actor(t, "caseworker@kh-mosvy-poipet.demo").AgencyID, worker.UserID, "caseworker", false},
		{worker.AgencyID, "x", "caseworker", false},
	} {
		if got, err := dir.HasMember(ctx, tt.agency, tt.user, tt.role); err != nil || got != tt.want {
			t.Errorf("HasMember(%s, %s, %s) = %v, %v; want %v", tt.agency, tt.user, tt.role, got, err, tt.want)
		}
	}
	names, err := dir.UserNames(ctx, []string{worker.UserID, sup.UserID, "bogus", ""})
	if err != nil || len(names) != 2 || names[worker.UserID] != worker.Name {
		t.Fatalf("names = %v, %v", names, err)
	}
	ags, err := dir.StoreAgencies(ctx, "TH")
	if err != nil || len(ags) != 2 {
		t.Fatalf("TH store agencies = %d, %v; want th-msdhs-sakaeo and th-pct", len(ags), err)
	}
	for _, ref := range []string{"th-pct", ags[0].ID} {
		if ag, err := dir.AgencyByRef(ctx, ref); err != nil || ag.ID == "" {
			t.Errorf("AgencyByRef(%s) = %v, %v", ref, ag, err)
		}
	}
}
