package apptest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"homeward/internal/pgcluster"
	"homeward/internal/provision"
	"homeward/internal/testdb"
)

// StoreOnOwnCluster copies the env's store of country cc (schema, keys, demo data) into a new
// PostgreSQL cluster of its own, durable (fsync and synchronous commit on, unlike the shared test
// cluster), and returns the cluster and the store's app-role DSN there. A test that stops or kills
// that server (Cluster.Kill) touches no other test's databases. The cluster is stopped and removed
// when the test ends, whatever its outcome; until then it is the test's to stop and start.
func (e *Env) StoreOnOwnCluster(tb testing.TB, cc string) (*pgcluster.Cluster, string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "homeward-testdb-own-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil { // the server user (when we are root) enters it
		tb.Fatal(err)
	}
	c := pgcluster.New(filepath.Join(dir, "pg"))
	tb.Cleanup(func() {
		if err := c.Remove(); err != nil {
			tb.Errorf("remove the store's own cluster: %v", err)
		}
	})
	if err := c.Start(ctx); err != nil {
		tb.Fatalf("start a cluster for the %s store: %v", cc, err)
	}
	admin, err := sql.Open("pgx", c.AdminDSN("postgres"))
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	d := provision.StoreDatabase(cc)
	d.Name = e.Databases[cc]
	if err := provision.RestrictServer(ctx, admin); err != nil {
		tb.Fatal(err)
	}
	for _, role := range []string{d.Owner, d.App} {
		if err := provision.EnsureRole(ctx, admin, role, rolePassword); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := admin.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %q OWNER %q ENCODING 'UTF8' TEMPLATE template0`, d.Name, d.Owner)); err != nil {
		tb.Fatal(err)
	}
	if err := provision.Lockdown(ctx, admin, d); err != nil {
		tb.Fatal(err)
	}
	if err := copyDatabase(ctx, testdb.DSN(tb, d.Name), c.AdminDSN(d.Name)); err != nil {
		tb.Fatalf("copy the %s store: %v", cc, err)
	}
	srv := provision.Server{Host: "127.0.0.1", Port: c.Port()}
	return c, srv.RoleDSN(d.App, rolePassword, d.Name)
}

// copyDatabase copies a database with pg_dump | pg_restore as superuser, owners and grants kept.
func copyDatabase(ctx context.Context, from, to string) error {
	bin, err := pgcluster.FindBinDir()
	if err != nil {
		return err
	}
	dump := exec.CommandContext(ctx, filepath.Join(bin, "pg_dump"), "--format=custom", "--dbname="+from)
	restore := exec.CommandContext(ctx, filepath.Join(bin, "pg_restore"), "--exit-on-error", "--dbname="+to)
	pipe, err := dump.StdoutPipe()
	if err != nil {
		return err
	}
	restore.Stdin = pipe
	var dumpErr, restoreErr limitedBuffer
	dump.Stderr, restore.Stderr = &dumpErr, &restoreErr
	if err := dump.Start(); err != nil {
		return err
	}
	if err := restore.Run(); err != nil {
		_ = dump.Wait()
		return fmt.Errorf("pg_restore: %w: %s", err, restoreErr.String())
	}
	if err := dump.Wait(); err != nil {
		return fmt.Errorf("pg_dump: %w: %s", err, dumpErr.String())
	}
	return nil
}

// limitedBuffer keeps the first 4 KiB written to it (a tool's error output).
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := 4096 - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return strconv.Quote(string(l.b)) }
