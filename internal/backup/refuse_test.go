package backup_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/backup"
	"homeward/internal/vault"
)

// copyDir copies a backup directory, so a test can tamper with the copy.
func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := filepath.Join(t.TempDir(), "copy")
	if err := os.Mkdir(to, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{backup.DumpFile, backup.KeysetsFile, backup.ManifestFile} {
		b, err := os.ReadFile(filepath.Join(from, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// flipByte changes one byte in the middle of a file.
func flipByte(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x01
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestRestoreRefusals checks that each refusal names its reason and leaves the target untouched.
func TestRestoreRefusals(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	th := takeBackup(t, env, "TH")
	hub := takeBackup(t, env, "hub")
	tamperedDump := copyDir(t, th)
	flipByte(t, filepath.Join(tamperedDump, backup.DumpFile))
	tamperedKeys := copyDir(t, th)
	flipByte(t, filepath.Join(tamperedKeys, backup.KeysetsFile))
	m := master(t, env)

	emptyKH, emptyTH := emptyTarget(t, "KH"), emptyTarget(t, "TH")
	live := envTarget(t, env, "TH")
	liveRelations := relations(t, live.Name)
	var audits int64
	st, _ := env.App.Stores.For("TH")
	st.DB.Raw(`SELECT count(*) FROM audit_log`).Scan(&audits)

	cases := []struct {
		name     string
		database string
		from     string
		to       target
		want     error
	}{
		{"a TH backup into KH", "KH", th, emptyKH, backup.ErrWrongDatabase},
		{"a hub backup into a store", "TH", hub, emptyTH, backup.ErrWrongDatabase},
		{"a TH backup as the hub", "hub", th, emptyTH, backup.ErrWrongDatabase},
		{"a non-empty target", "TH", th, live, backup.ErrNotEmpty},
		{"a tampered dump", "TH", tamperedDump, emptyTH, backup.ErrTampered},
		{"tampered keysets", "TH", tamperedKeys, emptyTH, backup.ErrTampered},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := relations(t, c.to.Name)
			_, err := backup.Restore(ctx, backup.RestoreOptions{Database: c.database, From: c.from, OwnerDSN: c.to.OwnerDSN, AppRole: c.to.App, Master: m})
			if !errors.Is(err, c.want) {
				t.Fatalf("restore: %v, want %v", err, c.want)
			}
			if after := relations(t, c.to.Name); after != before {
				t.Fatalf("target changed: %d relations, then %d", before, after)
			}
		})
	}
	if relations(t, live.Name) != liveRelations {
		t.Fatal("the live store's schema changed")
	}
	var after int64
	st.DB.Raw(`SELECT count(*) FROM audit_log`).Scan(&after)
	if after != audits {
		t.Fatalf("the live store's audit log went from %d to %d rows", audits, after)
	}
	// A master key that did not wrap the keysets opens nothing: refused before the target is touched.
	other := filepath.Join(t.TempDir(), "other.key")
	if err := vaultGenerate(other); err != nil {
		t.Fatal(err)
	}
	om := loadKey(t, other)
	if _, err := backup.Restore(ctx, backup.RestoreOptions{Database: "TH", From: th, OwnerDSN: emptyTH.OwnerDSN, AppRole: emptyTH.App, Master: om}); err == nil {
		t.Fatal("restore with another master key")
	}
	if relations(t, emptyTH.Name) != 0 {
		t.Fatal("the target changed after a refusal")
	}
}

func vaultGenerate(path string) error { return vault.GenerateMasterKeyFile(path) }

func loadKey(t *testing.T, path string) *vault.MasterKey {
	t.Helper()
	m, err := vault.LoadMasterKey(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
