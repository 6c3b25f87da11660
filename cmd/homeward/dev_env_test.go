package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"homeward/internal/pgcluster"
)

// TestDevEnvPrintsEveryVariable runs `homeward dev env` on a fresh data directory: it prints the
// DSNs and the master key file (which now exists, mode 0600), so a shell that loads the lines runs
// every other command; the cluster lives under the data directory and is removed with it.
func TestDevEnvPrintsEveryVariable(t *testing.T) {
	dataDir := t.TempDir()
	for _, k := range []string{"HOMEWARD_HUB_DSN", "HOMEWARD_STORE_TH_DSN", "HOMEWARD_STORE_KH_DSN", "HOMEWARD_MASTER_KEY_FILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("HOMEWARD_DATA_DIR", dataDir)
	t.Cleanup(func() {
		if err := pgcluster.New(filepath.Join(dataDir, "pg")).Remove(); err != nil {
			t.Error(err)
		}
	})
	code, err, out := capture(t, "dev", "env")
	if code != 0 || err != nil {
		t.Fatalf("dev env: code %d, err %v, out %q", code, err, out)
	}
	for _, name := range []string{"HOMEWARD_HUB_DSN", "HOMEWARD_STORE_TH_DSN", "HOMEWARD_STORE_KH_DSN", "HOMEWARD_ADMIN_DSN", "HOMEWARD_MASTER_KEY_FILE"} {
		if !strings.Contains(out, "export "+name+"=") {
			t.Errorf("dev env does not print %s:\n%s", name, out)
		}
	}
	key := filepath.Join(dataDir, "master.key")
	if !strings.Contains(out, "export HOMEWARD_MASTER_KEY_FILE='"+key+"'\n") {
		t.Errorf("master key file not %s:\n%s", key, out)
	}
	fi, err := os.Stat(key)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("master key file: %v %v", fi, err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "pg", "data", "PG_VERSION")); err != nil {
		t.Errorf("cluster not under the data directory: %v", err)
	}
}
