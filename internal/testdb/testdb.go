// Package testdb is the PostgreSQL harness for tests. It uses the server named by
// $HOMEWARD_TEST_DSN (a superuser DSN) or, without it, starts one throwaway
// pgcluster per test process. Tests never skip for lack of a database.
//
// A package whose tests use it calls Main from TestMain:
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
//
// and each test takes its own database:
//
//	db := testdb.CreateDatabase(t, "cases", template, "")
//	conn := ... testdb.DSN(t, db) ...
package testdb

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"homeward/internal/pgcluster"
)

// EnvDSN names the environment variable with a superuser DSN to test against.
const EnvDSN = "HOMEWARD_TEST_DSN"

// startTimeout bounds initdb and the first start of the throwaway cluster.
const startTimeout = 3 * time.Minute

var (
	serverOnce sync.Once
	serverDSN  string
	serverErr  error
	cluster    *pgcluster.Cluster
	clusterTmp string // the MkdirTemp directory holding the throwaway cluster

	mainMu      sync.Mutex
	mainRunning bool // Main is running the tests, so it will stop the cluster

	poolOnce sync.Once
	pool     *pgxpool.Pool
	poolErr  error
)

// Server returns a superuser DSN (URL or keyword form) for a running PostgreSQL:
// $HOMEWARD_TEST_DSN if set, else the throwaway cluster it starts once per process.
// It fails the test when the server cannot be had. The package must run its tests
// through Main, which stops the throwaway cluster.
func Server(tb testing.TB) string {
	tb.Helper()
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return dsn
	}
	mainMu.Lock()
	inMain := mainRunning
	mainMu.Unlock()
	if !inMain {
		tb.Fatal("testdb: the package's TestMain must call testdb.Main(m), which stops the throwaway PostgreSQL cluster")
	}
	serverOnce.Do(startCluster)
	if serverErr != nil {
		tb.Fatalf("testdb: %v", serverErr)
	}
	return serverDSN
}

// startCluster starts the throwaway cluster in a fresh temporary directory.
func startCluster() {
	dir, err := os.MkdirTemp("", "homeward-testdb-")
	if err != nil {
		serverErr = fmt.Errorf("temp dir for the test cluster: %w", err)
		return
	}
	// The directory is ours; let the server user (when we are root) traverse it.
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		serverErr = fmt.Errorf("chmod %s: %w", dir, err)
		return
	}
	c := pgcluster.New(filepath.Join(dir, "pg"))
	c.Fast = true
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		_ = c.Remove()
		os.RemoveAll(dir)
		serverErr = fmt.Errorf("start the throwaway PostgreSQL cluster: %w", err)
		return
	}
	cluster, clusterTmp = c, dir
	serverDSN = c.AdminDSN("postgres")
	if err := startWatchdog(c.Root(), dir); err != nil {
		_ = c.Remove()
		os.RemoveAll(dir)
		cluster, clusterTmp, serverDSN = nil, "", ""
		serverErr = fmt.Errorf("start the test cluster's watchdog: %w", err)
	}
}

// atExit holds what Main runs after the tests, before the cluster goes (AtExit).
var atExit []func() error

// AtExit registers f to run when Main ends, after the tests and before the throwaway cluster is
// removed: test helpers remove their temporary files with it. An error fails the run.
func AtExit(f func() error) {
	mainMu.Lock()
	defer mainMu.Unlock()
	atExit = append(atExit, f)
}

// Main runs the tests, then what AtExit registered, then closes the admin pool, stops and removes
// the throwaway cluster if one was started, and exits with the tests' code. Call it from TestMain.
func Main(m *testing.M) {
	mainMu.Lock()
	mainRunning = true
	mainMu.Unlock()
	code := m.Run()
	mainMu.Lock()
	cleanups := atExit
	mainMu.Unlock()
	for _, f := range cleanups {
		if err := f(); err != nil {
			fmt.Fprintf(os.Stderr, "testdb: %v\n", err)
			code = max(code, 1)
		}
	}
	if err := shutdown(); err != nil {
		fmt.Fprintf(os.Stderr, "testdb: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// shutdown closes the admin pool and removes the throwaway cluster.
func shutdown() error {
	if pool != nil {
		pool.Close()
	}
	if cluster == nil {
		return nil
	}
	if err := cluster.Remove(); err != nil {
		return fmt.Errorf("remove the throwaway cluster: %w", err)
	}
	if err := os.RemoveAll(clusterTmp); err != nil {
		return fmt.Errorf("remove %s: %w", clusterTmp, err)
	}
	return nil
}

// Cluster returns the throwaway cluster started by Server, or nil when
// $HOMEWARD_TEST_DSN is used or Server has not been called yet.
func Cluster() *pgcluster.Cluster {
	if os.Getenv(EnvDSN) != "" {
		return nil
	}
	return cluster
}

// DSN returns the superuser DSN for dbname on the test server.
func DSN(tb testing.TB, dbname string) string {
	tb.Helper()
	dsn := Server(tb)
	if c := Cluster(); c != nil {
		return c.AdminDSN(dbname)
	}
	out, err := withDBName(dsn, dbname)
	if err != nil {
		tb.Fatalf("testdb: %s: %v", EnvDSN, err)
	}
	return out
}

// withDBName returns dsn (URL or keyword/value form) pointing at dbname instead.
func withDBName(dsn, dbname string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse DSN: %w", err)
		}
		u.Path, u.RawPath = "/"+dbname, ""
		q := u.Query()
		if q.Has("dbname") {
			q.Del("dbname")
			u.RawQuery = q.Encode()
		}
		return u.String(), nil
	}
	quoted := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(dbname)
	return strings.TrimSpace(dsn) + " dbname='" + quoted + "'", nil
}

// TCPHostPort returns where the test server listens on TCP, so tests can log in as
// roles with passwords.
func TCPHostPort(tb testing.TB) (host string, port int) {
	tb.Helper()
	dsn := Server(tb)
	if c := Cluster(); c != nil {
		return "127.0.0.1", c.Port()
	}
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		tb.Fatalf("testdb: parse %s: %v", EnvDSN, err)
	}
	if !strings.HasPrefix(cfg.Host, "/") {
		return cfg.Host, int(cfg.Port)
	}
	// A unix-socket DSN: ask the server for its port and use the loopback name.
	var p string
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := adminPool(tb).QueryRow(ctx, "SHOW port").Scan(&p); err != nil {
		tb.Fatalf("testdb: SHOW port: %v", err)
	}
	if _, err := fmt.Sscan(p, &port); err != nil {
		tb.Fatalf("testdb: port %q: %v", p, err)
	}
	return "localhost", port
}

// adminPool is the process-wide superuser pool on the server's maintenance database.
func adminPool(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	dsn := Server(tb)
	poolOnce.Do(func() {
		cfg, err := pgxpool.ParseConfig(dsn)
		if err != nil {
			poolErr = fmt.Errorf("parse DSN: %w", err)
			return
		}
		cfg.MaxConns = 8
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		pool, poolErr = pgxpool.NewWithConfig(ctx, cfg)
		if poolErr == nil {
			poolErr = pool.Ping(ctx)
		}
	})
	if poolErr != nil {
		tb.Fatalf("testdb: admin connection: %v", poolErr)
	}
	return pool
}

// Exec runs SQL statements as superuser against database dbname (for test setup).
// Without args several statements may be given at once.
func Exec(tb testing.TB, dbname string, sql string, args ...any) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, DSN(tb, dbname))
	if err != nil {
		tb.Fatalf("testdb: connect to %s: %v", dbname, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		tb.Fatalf("testdb: exec on %s: %v\n%s", dbname, err, sql)
	}
}
