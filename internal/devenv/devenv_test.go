package devenv

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"homeward/internal/config"
)

// TestUpProvisionsOnce starts one local environment from several goroutines at once (as parallel
// `homeward token create` calls do): every call succeeds, exactly one provisions, later calls only
// connect, and a changed stamp (new migrations) provisions again.
func TestUpProvisionsOnce(t *testing.T) {
	dataDir := t.TempDir()
	ctx := context.Background()
	var mu sync.Mutex
	var provisioned int
	var cluster *Env
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			cfg := config.Config{DataDir: dataDir}
			env, err := Up(ctx, &cfg)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			cluster = env
			if env.Provisioned {
				provisioned++
			}
		})
	}
	wg.Wait()
	if cluster == nil {
		t.Fatal("no environment came up")
	}
	t.Cleanup(func() {
		if err := cluster.Cluster.Remove(); err != nil {
			t.Error(err)
		}
	})
	if provisioned != 1 {
		t.Fatalf("%d of 4 concurrent calls provisioned, want 1", provisioned)
	}

	cfg := config.Config{DataDir: dataDir}
	env, err := Up(ctx, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if env.Provisioned {
		t.Error("a later call provisioned again")
	}
	if want := filepath.Join(dataDir, "master.key"); cfg.MasterKeyFile != want {
		t.Errorf("master key file %q, want %q", cfg.MasterKeyFile, want)
	}
	db, err := sql.Open("pgx", cfg.StoreDSNs["TH"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM persons`).Scan(&n); err != nil {
		t.Fatalf("the TH app role cannot read its store after a connect-only Up: %v", err)
	}

	if err := os.WriteFile(filepath.Join(env.Cluster.Root(), stampName), []byte("older migrations\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env, err = Up(ctx, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !env.Provisioned {
		t.Error("a stale stamp did not provision")
	}
}
