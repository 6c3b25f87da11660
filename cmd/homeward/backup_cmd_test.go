package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/provision"
	"homeward/internal/testdb"
)

// TestBackupRestoreKeysCommands runs the three commands against a test environment configured
// as a deployment: app DSNs, owner DSNs and the master key file in the environment.
func TestBackupRestoreKeysCommands(t *testing.T) {
	env := apptest.New(t)
	useEnv(t, env)
	for _, k := range []string{"TH", "KH"} {
		t.Setenv("HOMEWARD_STORE_"+k+"_OWNER_DSN", env.OwnerDSN(t, k))
	}
	dir := filepath.Join(t.TempDir(), "th")
	if code, err, out := capture(t, "backup", "--db", "th", "--out", dir); code != 0 || err != nil || !strings.Contains(out, "backed up TH") {
		t.Fatalf("backup: code %d, err %v, out %q", code, err, out)
	}
	if _, err, _ := capture(t, "backup", "--db", "TH", "--out", dir); err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Fatalf("backup over a backup: %v", err)
	}
	if _, err, _ := capture(t, "backup", "--db", "hub", "--out", filepath.Join(t.TempDir(), "hub")); err == nil || !strings.Contains(err.Error(), "HOMEWARD_HUB_OWNER_DSN") {
		t.Fatalf("hub backup without its owner DSN: %v", err)
	}
	// The live store is not empty: refused; an empty database named by --target takes the backup.
	if code, err, _ := capture(t, "restore", "--db", "TH", "--from", dir); code != 1 || err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore over the live store: code %d, err %v", code, err)
	}
	d := provision.StoreDatabase("TH")
	d.Name = testdb.CreateDatabase(t, "t_cmd_restore", "", d.Owner)
	admin, err := sql.Open("pgx", testdb.DSN(t, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := provision.Lockdown(context.Background(), admin, d); err != nil {
		t.Fatal(err)
	}
	code, err, out := capture(t, "restore", "--db", "TH", "--from", dir, "--target", apptest.RoleDSN(t, d.Owner, d.Name))
	if code != 0 || err != nil || !strings.Contains(out, "audit chain intact") || !strings.Contains(out, "sealed values read back") {
		t.Fatalf("restore into an empty database: code %d, err %v, out %q", code, err, out)
	}
	if code, err, _ := capture(t, "restore", "--db", "KH", "--from", dir, "--target", apptest.RoleDSN(t, d.Owner, d.Name)); code != 1 || err == nil {
		t.Fatalf("a TH backup restored as KH: code %d, err %v", code, err)
	}

	code, err, out = capture(t, "keys", "rotate", "--db", "TH")
	if code != 0 || err != nil || !strings.Contains(out, "rotated TH: new primary key") {
		t.Fatalf("keys rotate: code %d, err %v, out %q", code, err, out)
	}
	if code, err, _ := capture(t, "keys", "rotate", "--db", "hub"); code != 2 || err == nil {
		t.Fatalf("keys rotate --db hub: code %d, err %v", code, err)
	}
	if code, _, out := capture(t, "audit", "verify", "--db", "TH"); code != 0 {
		t.Fatalf("audit after rotation: %q", out)
	}
}
