package directory_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/directory"
	"homeward/internal/problem"
)

// invite makes a user without a password in the agency with slug, and an enrolment token for them.
func invite(t *testing.T, env *apptest.Env, email, name, slug string, roles ...string) (*directory.User, string) {
	t.Helper()
	ctx := context.Background()
	ag, err := env.App.Directory.AgencyBySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	u, err := env.App.Directory.CreateUser(ctx, "", email, name, "placeholder-unused-1", ag.ID, roles...)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.App.Hub.Exec(`UPDATE users SET password_hash = '' WHERE id = ?`, u.ID).Error; err != nil {
		t.Fatal(err)
	}
	token, _, err := env.App.Directory.IssueEnrolment(ctx, "", "", u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u, token
}

func fieldKey(err error, field string) string {
	inv, ok := problem.AsInvalid(err)
	if !ok {
		return ""
	}
	return inv.Fields[field]
}

func auditCount(t *testing.T, env *apptest.Env, action, entityID string) int {
	t.Helper()
	var n int
	if err := env.App.Hub.Raw(`SELECT count(*) FROM audit_log WHERE action = ? AND entity_id = ?`, action, entityID).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEnrol(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	dir := env.App.Directory
	u, token := invite(t, env, "malee.srisuk@msdhs.example", "Malee Srisuk", "th-msdhs-sakaeo", "caseworker")
	refused := map[string]string{
		"short":          "short one",
		"common":         "Password1234",
		"the email":      "malee.srisuk@msdhs.example",
		"the local part": "malee.srisuk!2026",
		"a name word":    "srisuk-ferry-lantern",
	}
	want := map[string]string{"short": "password.too_short", "common": "password.common", "the email": "password.personal",
		"the local part": "password.personal", "a name word": "password.personal"}
	for name, pw := range refused {
		if _, err := dir.Enrol(ctx, token, pw); fieldKey(err, "password") != want[name] {
			t.Errorf("%s: Enrol = %v, want %s", name, err, want[name])
		}
	}
	if _, err := dir.SignIn(ctx, u.Email, "placeholder-unused-1", "127.0.0.1"); !errors.Is(err, directory.ErrBadCredentials) {
		t.Fatalf("invited user signs in before enrolling: %v", err)
	}
	const good = "แมวสีส้ม กินปลาทู 7"
	if _, err := dir.Enrol(ctx, token, good); err != nil {
		t.Fatalf("Enrol with a good password: %v", err)
	}
	if _, err := dir.SignIn(ctx, u.Email, good, "127.0.0.1"); err != nil {
		t.Fatalf("sign in after enrolment: %v", err)
	}
	if n := auditCount(t, env, "enrolment.complete", u.ID); n != 1 {
		t.Fatalf("enrolment.complete audit rows = %d", n)
	}
	var changed *time.Time
	if err := env.App.Hub.Raw(`SELECT password_changed_at FROM users WHERE id = ?`, u.ID).Row().Scan(&changed); err != nil || changed == nil {
		t.Fatalf("password_changed_at not set: %v", err)
	}
	for name, tok := range map[string]string{"used": token, "forged": "he_forged", "empty": ""} {
		if _, err := dir.Enrol(ctx, tok, "another good passphrase"); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s token: Enrol = %v, want not found", name, err)
		}
	}
}

func TestChangePassword(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	dir := env.App.Directory
	a := env.Actor(t, "caseworker@th-msdhs-sakaeo.demo")
	keep, err := dir.StartSession(ctx, a.UserID, a.AgencyID, "Firefox", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	other, err := dir.StartSession(ctx, a.UserID, a.AgencyID, "Chrome", "127.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	if err := dir.ChangePassword(ctx, a, "wrong", "river stone harbour 9", keep); fieldKey(err, "current_password") != "password.current_wrong" {
		t.Fatalf("wrong current password: %v", err)
	}
	if err := dir.ChangePassword(ctx, a, "homeward-demo", "123456789012", keep); fieldKey(err, "password") != "password.common" {
		t.Fatalf("common new password: %v", err)
	}
	if err := dir.ChangePassword(ctx, a, "homeward-demo", "river stone harbour 9", keep); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{keep: true, other: false} {
		if live, err := dir.SessionLive(ctx, a.UserID, id); err != nil || live != want {
			t.Errorf("session %s live = %v, %v; want %v", id, live, err, want)
		}
	}
	if _, err := dir.SignIn(ctx, a.Email, "river stone harbour 9", "127.0.0.1"); err != nil {
		t.Fatalf("sign in with the new password: %v", err)
	}
	if n := auditCount(t, env, "password.change", a.UserID); n != 1 {
		t.Fatalf("password.change audit rows = %d", n)
	}
}

func TestOwnSessions(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	clock := time.Now()
	dir := env.App.Directory.WithClock(func() time.Time { return clock })
	a := env.Actor(t, "caseworker@th-msdhs-sakaeo.demo")
	b := env.Actor(t, "caseworker@kh-mosvy-poipet.demo")
	id, err := dir.StartSession(ctx, a.UserID, a.AgencyID, "Firefox", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if live, err := dir.SessionLive(ctx, b.UserID, id); live || err != nil {
		t.Fatalf("another user's session is live for them: %v %v", live, err)
	}
	clock = clock.Add(2 * time.Minute)
	if live, err := dir.SessionLive(ctx, a.UserID, id); !live || err != nil {
		t.Fatalf("SessionLive = %v %v", live, err)
	}
	list, err := dir.Sessions(ctx, a.UserID, 30*time.Minute)
	if err != nil || len(list) != 1 || !list[0].LastSeenAt.After(list[0].CreatedAt) {
		t.Fatalf("Sessions = %+v, %v (last seen not recorded?)", list, err)
	}
	clock = clock.Add(time.Hour)
	if list, err := dir.Sessions(ctx, a.UserID, 30*time.Minute); err != nil || len(list) != 0 {
		t.Fatalf("Sessions after an hour idle = %+v, %v; want none", list, err)
	}
	clock = clock.Add(-time.Hour)
	for _, bad := range []string{"", "not-an-id", "00000000-0000-7000-8000-000000000000"} {
		if err := dir.EndSession(ctx, a, bad); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("EndSession(%q) = %v", bad, err)
		}
	}
	if err := dir.EndSession(ctx, b, id); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("another user ends the session: %v", err)
	}
	if err := dir.EndSession(ctx, a, id); err != nil {
		t.Fatal(err)
	}
	if live, _ := dir.SessionLive(ctx, a.UserID, id); live {
		t.Fatal("ended session still live")
	}
	if n := auditCount(t, env, "session.end", id); n != 1 {
		t.Fatalf("session.end audit rows = %d", n)
	}
}

func TestOwnTokens(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	clock := time.Now()
	dir := env.App.Directory.WithClock(func() time.Time { return clock })
	a := env.Actor(t, "caseworker@th-msdhs-sakaeo.demo")
	b := env.Actor(t, "caseworker@kh-mosvy-poipet.demo")
	for _, tc := range []struct {
		label      string
		days       int
		field, key string
	}{
		{"", 30, "label", "form.error.required"},
		{"ok", 91, "days", "token.days_range"},
		{"ok", -3, "days", "token.days_range"},
	} {
		if _, _, err := dir.CreateOwnToken(ctx, a, tc.label, tc.days); fieldKey(err, tc.field) != tc.key {
			t.Errorf("CreateOwnToken(%q, %d) = %v, want %s on %s", tc.label, tc.days, err, tc.key, tc.field)
		}
	}
	tok, rec, err := dir.CreateOwnToken(ctx, a, "reports", 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := rec.ExpiresAt.Sub(clock); d != directory.DefaultTokenLifetime {
		t.Fatalf("default lifetime = %v", d)
	}
	short, _, err := dir.CreateOwnToken(ctx, a, "one day", 1)
	if err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(25 * time.Hour)
	if _, err := dir.TokenActor(ctx, short); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("expired token = %v", err)
	}
	if _, err := dir.TokenActor(ctx, tok); err != nil {
		t.Fatalf("live token = %v", err)
	}
	list, err := dir.Tokens(ctx, a.UserID)
	if err != nil || len(list) != 2 || list[1].Status(clock) != directory.TokenActive || list[0].Status(clock) != directory.TokenExpired ||
		list[1].LastUsedAt == nil || len(list[0].TokenHash) != 0 {
		t.Fatalf("Tokens = %+v, %v", list, err)
	}
	if err := dir.RevokeOwnToken(ctx, b, rec.ID); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("another user revokes the token: %v", err)
	}
	if err := dir.RevokeOwnToken(ctx, a, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.TokenActor(ctx, tok); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("revoked token = %v", err)
	}
	if n := auditCount(t, env, "token.revoke", rec.ID); n != 1 {
		t.Fatalf("token.revoke audit rows = %d", n)
	}
}
