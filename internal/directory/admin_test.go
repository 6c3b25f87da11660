package directory_test

import (
	"context"
	"errors"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/directory"
	"homeward/internal/problem"
)

const (
	thAdmin = "country_admin@th-msdhs-sakaeo.demo"
	khAdmin = "country_admin@kh-mosvy-poipet.demo"
)

// userID returns a demo user's id.
func userID(t *testing.T, env *apptest.Env, email string) string {
	t.Helper()
	var id string
	if err := env.App.Hub.Raw(`SELECT id FROM users WHERE email = ?`, email).Scan(&id).Error; err != nil || id == "" {
		t.Fatalf("no user %s: %v", email, err)
	}
	return id
}

func agencyID(t *testing.T, env *apptest.Env, slug string) string {
	t.Helper()
	ag, err := env.App.Directory.AgencyBySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return ag.ID
}

func TestAdminSeesOnlyTheirCountry(t *testing.T) {
	env := apptest.New(t)
	ctx, dir := context.Background(), env.App.Directory
	th, kh := env.Actor(t, thAdmin), env.Actor(t, khAdmin)

	ags, err := dir.AdminAgencies(ctx, th)
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, a := range ags {
		slugs = append(slugs, a.Slug)
	}
	// The Cambodian embassy in Bangkok is hosted by Thailand: the Thai admin runs it.
	if want := "kh-embassy-bkk ngo-th-legal th-msdhs-sakaeo th-pct"; joinSpace(slugs) != want {
		t.Errorf("TH admin's agencies = %v, want %s", slugs, want)
	}
	page, err := dir.AdminUsers(ctx, th, directory.AdminUserQuery{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for cursor := ""; ; {
		page, err = dir.AdminUsers(ctx, th, directory.AdminUserQuery{Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Items {
			if seen[u.Email] {
				t.Errorf("%s on two pages", u.Email)
			}
			seen[u.Email] = true
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	for _, email := range []string{thAdmin, "investigator@th-pct.demo", "embassy_officer@kh-embassy-bkk.demo", "ngo_worker@ngo-th-legal.demo"} {
		if !seen[email] {
			t.Errorf("TH admin does not see %s", email)
		}
	}
	for _, email := range []string{khAdmin, "caseworker@kh-mosvy-poipet.demo", "embassy_officer@th-embassy-pnh.demo"} {
		if seen[email] {
			t.Errorf("TH admin sees %s", email)
		}
	}
	found, err := dir.AdminUsers(ctx, th, directory.AdminUserQuery{Q: "investigator@th"})
	if err != nil || len(found.Items) != 1 || found.Items[0].Email != "investigator@th-pct.demo" || len(found.Items[0].Roles) != 1 {
		t.Fatalf("search = %+v, %v", found, err)
	}
	if none, err := dir.AdminUsers(ctx, th, directory.AdminUserQuery{Q: "kh-mosvy"}); err != nil || len(none.Items) != 0 {
		t.Fatalf("search for KH users = %+v, %v", none, err)
	}
	if _, err := dir.AdminUsers(ctx, th, directory.AdminUserQuery{Cursor: "!!"}); !isInvalid(err) {
		t.Errorf("bad cursor = %v", err)
	}

	khUser := userID(t, env, "caseworker@kh-mosvy-poipet.demo")
	thUser := userID(t, env, "caseworker@th-msdhs-sakaeo.demo")
	for name, err := range map[string]error{
		"read":        second(dir.AdminUser(ctx, th, khUser)),
		"disable":     dir.AdminSetDisabled(ctx, th, khUser, true),
		"add role":    dir.AdminAddMembership(ctx, th, khUser, agencyID(t, env, "th-pct"), "caseworker"),
		"sign out":    second(dir.AdminEndSessions(ctx, th, khUser)),
		"tokens":      second(dir.AdminRevokeTokens(ctx, th, khUser)),
		"reset":       dir.AdminResetFactors(ctx, th, khUser),
		"KH reads TH": second(dir.AdminUser(ctx, kh, thUser)),
	} {
		if !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s across the border = %v, want not found", name, err)
		}
	}
	if _, _, err := dir.AdminIssueEnrolment(ctx, th, khUser); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("enrolment across the border = %v", err)
	}
	// Every other role: not found.
	for _, email := range []string{"auditor@th-msdhs-sakaeo.demo", "caseworker@th-msdhs-sakaeo.demo", "supervisor@th-msdhs-sakaeo.demo",
		"analyst@th-msdhs-sakaeo.demo", "embassy_officer@th-embassy-pnh.demo", "ngo_worker@ngo-th-legal.demo"} {
		if _, err := dir.AdminUsers(ctx, env.Actor(t, email), directory.AdminUserQuery{}); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s lists users: %v", email, err)
		}
		if _, err := dir.AdminUser(ctx, env.Actor(t, email), thUser); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s reads a user: %v", email, err)
		}
	}
}

func TestAdminRefusesOwnAccountAndBadInput(t *testing.T) {
	env := apptest.New(t)
	ctx, dir := context.Background(), env.App.Directory
	th := env.Actor(t, thAdmin)
	self := userID(t, env, thAdmin)
	welfare, police := agencyID(t, env, "th-msdhs-sakaeo"), agencyID(t, env, "th-pct")
	if err := dir.AdminAddMembership(ctx, th, self, police, "country_admin"); !errors.Is(err, problem.ErrForbidden) {
		t.Errorf("granting themselves a role = %v", err)
	}
	if err := dir.AdminSetDisabled(ctx, th, self, true); !errors.Is(err, problem.ErrForbidden) {
		t.Errorf("disabling themselves = %v", err)
	}
	me, err := dir.AdminUser(ctx, th, self)
	if err != nil || !me.Self {
		t.Fatalf("own account = %+v, %v", me, err)
	}
	if _, err := dir.AdminRemoveMembership(ctx, th, me.Memberships[0].ID); !errors.Is(err, problem.ErrForbidden) {
		t.Errorf("removing their own role = %v", err)
	}
	for name, c := range map[string]struct {
		in    directory.Invite
		field string
	}{
		"bad email":     {directory.Invite{Email: "nobody", Name: "N", AgencyID: welfare, Role: "caseworker"}, "email"},
		"taken email":   {directory.Invite{Email: "Caseworker@kh-mosvy-poipet.demo", Name: "N", AgencyID: welfare, Role: "caseworker"}, "email"},
		"unknown role":  {directory.Invite{Email: "n@example.org", Name: "N", AgencyID: welfare, Role: "root"}, "role"},
		"role for kind": {directory.Invite{Email: "n@example.org", Name: "N", AgencyID: welfare, Role: "ngo_worker"}, "role"},
		"KH agency":     {directory.Invite{Email: "n@example.org", Name: "N", AgencyID: agencyID(t, env, "kh-cnp-aht"), Role: "caseworker"}, "agency_id"},
		"hosted abroad": {directory.Invite{Email: "n@example.org", Name: "N", AgencyID: agencyID(t, env, "th-embassy-pnh"), Role: "embassy_officer"}, "agency_id"},
		"no name":       {directory.Invite{Email: "n@example.org", Name: " ", AgencyID: welfare, Role: "caseworker"}, "name"},
		"not an agency": {directory.Invite{Email: "n@example.org", Name: "N", AgencyID: "x", Role: "caseworker"}, "agency_id"},
	} {
		_, err := dir.AdminInvite(ctx, th, c.in)
		inv, ok := problem.AsInvalid(err)
		if !ok || inv.Fields[c.field] == "" {
			t.Errorf("%s: %v, want invalid %s", name, err, c.field)
		}
	}
	var n int64
	env.App.Hub.Raw(`SELECT count(*) FROM users WHERE email = 'n@example.org'`).Scan(&n)
	if n != 0 {
		t.Error("a refused invitation created a user")
	}
}

func TestAdminUserWithTwoCountries(t *testing.T) {
	env := apptest.New(t)
	ctx, dir := context.Background(), env.App.Directory
	th, kh := env.Actor(t, thAdmin), env.Actor(t, khAdmin)
	inv, err := dir.AdminInvite(ctx, th, directory.Invite{Email: "both@example.org", Name: "Both", AgencyID: agencyID(t, env, "th-pct"), Role: "investigator"})
	if err != nil {
		t.Fatal(err)
	}
	id := inv.User.ID
	if _, err := dir.AdminUser(ctx, kh, id); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("KH admin sees a TH-only user: %v", err)
	}
	if err := dir.AdminAddMembership(ctx, th, id, agencyID(t, env, "kh-cnp-aht"), "investigator"); !isInvalid(err) {
		t.Fatalf("TH admin adds a KH role: %v", err)
	}
	if _, _, err := dir.AdminIssueEnrolment(ctx, th, id); err != nil {
		t.Fatal(err)
	}
	// The KH admin cannot reach the user to add a KH role: a TH admin's user stays TH. Give it from the hub.
	if _, err := dir.InviteFromCommandLine(ctx, "both@example.org", "", "kh-cnp-aht", "investigator"); err != nil {
		t.Fatal(err)
	}
	u, err := dir.AdminUser(ctx, kh, id)
	if err != nil || u.Sole || len(u.Memberships) != 2 {
		t.Fatalf("KH admin's view = %+v, %v", u, err)
	}
	var thMembership, khMembership string
	for _, m := range u.Memberships {
		if m.Here {
			khMembership = m.ID
		} else {
			thMembership = m.ID
		}
	}
	if _, err := dir.AdminRemoveMembership(ctx, kh, thMembership); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("KH admin removes a TH role: %v", err)
	}
	if _, _, err := dir.AdminIssueEnrolment(ctx, kh, id); !errors.Is(err, problem.ErrForbidden) {
		t.Errorf("KH admin issues a link for a user also in TH: %v", err)
	}
	if err := dir.AdminResetFactors(ctx, kh, id); !errors.Is(err, problem.ErrForbidden) {
		t.Errorf("KH admin resets factors of a user also in TH: %v", err)
	}
	// Protective actions: either admin.
	if err := dir.AdminSetDisabled(ctx, kh, id, true); err != nil {
		t.Fatalf("KH admin disables: %v", err)
	}
	if err := dir.AdminSetDisabled(ctx, kh, id, false); !errors.Is(err, problem.ErrForbidden) {
		t.Errorf("KH admin enables a user also in TH: %v", err)
	}
	if _, err := dir.AdminRemoveMembership(ctx, kh, khMembership); err != nil {
		t.Fatalf("KH admin removes the KH role: %v", err)
	}
	if err := dir.AdminSetDisabled(ctx, th, id, false); err != nil {
		t.Fatalf("TH admin enables a TH-only user: %v", err)
	}
	u, err = dir.AdminUser(ctx, th, id)
	if err != nil || !u.Sole || len(u.Memberships) != 1 {
		t.Fatalf("after: %+v %v", u, err)
	}
	if _, err := dir.AdminRemoveMembership(ctx, th, u.Memberships[0].ID); !isInvalid(err) {
		t.Errorf("removing the last membership = %v", err)
	}
}

func TestAdminDisableKillsAccessAtOnce(t *testing.T) {
	env := apptest.New(t)
	ctx, dir := context.Background(), env.App.Directory
	th := env.Actor(t, thAdmin)
	email := "caseworker@th-msdhs-sakaeo.demo"
	id := userID(t, env, email)
	tok := env.Token(t, email)
	u, err := dir.AdminUser(ctx, th, id)
	if err != nil {
		t.Fatal(err)
	}
	disabled, name := true, "  Renamed  "
	if _, err := dir.AdminUpdate(ctx, th, id, directory.AdminPatch{Disabled: &disabled, Version: u.User.Version - 1}); !errors.Is(err, problem.ErrConflict) {
		t.Fatalf("stale version = %v", err)
	}
	out, err := dir.AdminUpdate(ctx, th, id, directory.AdminPatch{Name: &name, Disabled: &disabled, Version: u.User.Version})
	if err != nil || out.DisabledAt == nil || out.Name != "Renamed" || out.Version != u.User.Version+1 {
		t.Fatalf("disable = %+v, %v", out, err)
	}
	if _, err := dir.TokenActor(ctx, tok); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("token of a disabled user = %v", err)
	}
	if _, err := dir.Actor(ctx, id, ""); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("session actor of a disabled user = %v", err)
	}
	if err := dir.AdminSetDisabled(ctx, th, id, false); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.TokenActor(ctx, tok); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("a token revoked by disabling works again after enabling: %v", err)
	}
	var n int64
	env.App.Hub.Raw(`SELECT count(*) FROM audit_log WHERE entity_id = ? AND action IN ('user.update', 'user.enable') AND actor_user_id = ?`, id, th.UserID).Scan(&n)
	if n != 2 {
		t.Errorf("audit rows = %d, want 2", n)
	}
}

func isInvalid(err error) bool { _, ok := problem.AsInvalid(err); return ok }

func second[T any](_ T, err error) error { return err }

func joinSpace(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out
}
