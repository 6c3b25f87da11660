package audit_test

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/audit"
	"homeward/internal/cases"
	"homeward/internal/testdb"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const worker = "caseworker@th-msdhs-sakaeo.demo"

func actions(t *testing.T, db *gorm.DB, after int64) []string {
	t.Helper()
	var out []string
	if err := db.Raw(`SELECT action FROM audit_log WHERE id > ? ORDER BY id`, after).Scan(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

func lastID(t *testing.T, db *gorm.DB) int64 {
	t.Helper()
	var id int64
	if err := db.Raw(`SELECT coalesce(max(id), 0) FROM audit_log`).Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

// TestEveryReadAndWriteIsAudited checks one audit row per service call, in the actor's store only.
func TestEveryReadAndWriteIsAudited(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	a := env.Actor(t, worker)
	th, _ := env.App.Stores.For("TH")
	kh, _ := env.App.Stores.For("KH")
	khBefore := lastID(t, kh.DB)
	age := 25
	steps := []struct {
		name   string
		call   func() error
		action string
	}{
		{"intake", func() error {
			_, _, err := env.App.Cases.Intake(ctx, a, cases.IntakeInput{GivenName: "Dara", Sex: "male", AgeEstimate: &age, Nationality: "KH"})
			return err
		}, "case.intake"},
		{"list", func() error { _, err := env.App.Cases.List(ctx, a, cases.ListQuery{}); return err }, "case.list"},
	}
	for _, s := range steps {
		before := lastID(t, th.DB)
		if err := s.call(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := actions(t, th.DB, before); len(got) != 1 || got[0] != s.action {
			t.Errorf("%s: audit rows %v, want [%s]", s.name, got, s.action)
		}
	}
	page, err := env.App.Cases.List(ctx, a, cases.ListQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	id := page.Items[0].ID
	before := lastID(t, th.DB)
	if _, err := env.App.Cases.Get(ctx, a, id); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Cases.Transition(ctx, a, id, cases.TransitionInput{To: cases.StageScreening, Version: page.Items[0].Version}); err != nil {
		t.Fatal(err)
	}
	if got := actions(t, th.DB, before); len(got) != 2 || got[0] != "case.read" || got[1] != "case.transition" {
		t.Errorf("read+transition audit rows = %v", got)
	}
	if got := actions(t, kh.DB, khBefore); len(got) != 0 {
		t.Errorf("KH store got audit rows for TH work: %v", got)
	}
	if err := audit.Verify(ctx, th.DB); err != nil {
		t.Fatalf("chain after normal work: %v", err)
	}
}

// TestVerifyDetectsTampering edits, inserts and deletes rows as a superuser would.
func TestVerifyDetectsTampering(t *testing.T) {
	tampers := map[string]string{
		"edit detail":   `UPDATE audit_log SET detail = '{"sections":["cases"]}' WHERE id = 5`,
		"edit action":   `UPDATE audit_log SET action = 'case.list' WHERE id = 3`,
		"delete middle": `DELETE FROM audit_log WHERE id = 4`,
		"delete last":   `DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)`,
		"insert":        `INSERT INTO audit_log (id, at, action, prev_hash, hash) SELECT max(id) + 1, now(), 'case.read', '\x00', '\x00' FROM audit_log`,
		"rehash edited": `UPDATE audit_log SET detail = '', hash = sha256(prev_hash) WHERE id = 2`,
		"edit section":  `UPDATE audit_log SET section = 'audit' WHERE id = (SELECT max(id) FROM audit_log WHERE section <> '')`,
		"clear section": `UPDATE audit_log SET section = '' WHERE id = (SELECT max(id) FROM audit_log WHERE section <> '')`,
		"reorder": `UPDATE audit_log SET seq = -3 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4;
			UPDATE audit_log SET seq = 4 WHERE seq = -3`,
		"hash without position": `SET session_replication_role = replica; UPDATE audit_log SET seq = NULL WHERE seq = 2`,
	}
	for name, sql := range tampers {
		t.Run(name, func(t *testing.T) {
			env := apptest.New(t)
			th, _ := env.App.Stores.For("TH")
			ctx := context.Background()
			if err := audit.Verify(ctx, th.DB); err != nil {
				t.Fatalf("fresh chain: %v", err)
			}
			testdb.Exec(t, env.Databases["TH"], sql)
			err := audit.Verify(ctx, th.DB)
			if !errors.Is(err, audit.ErrBroken) {
				t.Fatalf("Verify after %s = %v, want broken", name, err)
			}
			var b *audit.Break
			if !errors.As(err, &b) || b.ID == 0 {
				t.Fatalf("no row named: %v", err)
			}
		})
	}
}

func TestHubAuditsSignIn(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	before := lastID(t, env.App.Hub)
	if _, err := env.App.Directory.SignIn(ctx, worker, "wrong", "10.0.0.1"); err == nil {
		t.Fatal("wrong password accepted")
	}
	if _, err := env.App.Directory.SignIn(ctx, worker, "homeward-demo", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if got := actions(t, env.App.Hub, before); len(got) != 2 || got[0] != "auth.signin_failed" || got[1] != "auth.signin" {
		t.Errorf("hub audit = %v", got)
	}
	if err := audit.Verify(ctx, env.App.Hub); err != nil {
		t.Fatal(err)
	}
}
