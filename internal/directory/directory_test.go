package directory_test

import (
	"context"
	"errors"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/directory"
)

func TestMain(m *testing.M) { apptest.Main(m) }

func TestTokenLifecycle(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	dir := env.App.Directory
	tok, rec, err := dir.CreateToken(ctx, "embassy_officer@id-embassy-pnh.demo", "", "integration")
	if err != nil {
		t.Fatal(err)
	}
	var stored []byte
	if err := env.App.Hub.Raw(`SELECT token_hash FROM api_tokens WHERE id = ?`, rec.ID).Row().Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if len(stored) != 32 || string(stored) == tok {
		t.Fatalf("token not stored as a hash: %q", stored)
	}
	a, err := dir.TokenActor(ctx, tok)
	if err != nil || a.AgencySlug != "id-embassy-pnh" || a.Country != "" {
		t.Fatalf("TokenActor = %+v, %v", a, err)
	}
	var used int
	if err := env.App.Hub.Raw(`SELECT count(*) FROM api_tokens WHERE id = ? AND last_used_at IS NOT NULL`, rec.ID).Scan(&used).Error; err != nil || used != 1 {
		t.Fatalf("last use not recorded: %d %v", used, err)
	}
	if err := dir.RevokeToken(ctx, "", rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.TokenActor(ctx, tok); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("revoked token = %v", err)
	}
	if err := dir.RevokeToken(ctx, "", rec.ID); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("revoking twice = %v", err)
	}
	for _, bad := range []string{"", "hw_", "hw_notatoken", "Bearer x"} {
		if _, err := dir.TokenActor(ctx, bad); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("TokenActor(%q) = %v", bad, err)
		}
	}
}

func TestSignInFailuresAreGeneric(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	for _, c := range []struct{ email, password string }{
		{"caseworker@th-msdhs-sakaeo.demo", "wrong"},
		{"nobody@nowhere.demo", "homeward-demo"},
		{"", ""},
	} {
		if _, err := env.App.Directory.SignIn(ctx, c.email, c.password, "192.0.2.1"); !errors.Is(err, directory.ErrBadCredentials) {
			t.Errorf("SignIn(%q) = %v, want ErrBadCredentials", c.email, err)
		}
	}
	u, err := env.App.Directory.SignIn(ctx, "Caseworker@TH-MSDHS-Sakaeo.demo ", "homeward-demo", "192.0.2.1")
	if err != nil || u.Email != "caseworker@th-msdhs-sakaeo.demo" {
		t.Fatalf("sign-in with mixed-case email = %v, %v", u, err)
	}
}

func TestActorOfEachKind(t *testing.T) {
	env := apptest.New(t)
	cases := []struct {
		email, country, kind string
		role                 authz.Role
	}{
		{"caseworker@kh-mosvy-poipet.demo", "KH", directory.KindSocialWelfare, authz.RoleCaseworker},
		{"investigator@th-pct.demo", "TH", directory.KindPolice, authz.RoleInvestigator},
		{"embassy_officer@kh-embassy-bkk.demo", "", directory.KindEmbassy, authz.RoleEmbassyOfficer},
		{"ngo_worker@ngo-th-legal.demo", "", directory.KindNGO, authz.RoleNGOWorker},
	}
	for _, c := range cases {
		a := env.Actor(t, c.email)
		if a.Country != c.country || a.AgencyKind != c.kind || len(a.Roles) != 1 || a.Roles[0] != c.role {
			t.Errorf("%s: %+v", c.email, a)
		}
	}
}
