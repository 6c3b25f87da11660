package pgcluster

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// reachableDir returns a fresh directory that any user may traverse, removed at the end.
func reachableDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", "pgcluster-test-")
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// startCluster starts a Fast cluster in dir and removes it at the end of the test.
func startCluster(tb testing.TB, dir string) *Cluster {
	tb.Helper()
	c := New(dir)
	c.Fast = true
	tb.Cleanup(func() {
		if err := c.Remove(); err != nil {
			tb.Errorf("remove cluster: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		tb.Fatalf("start: %v", err)
	}
	return c
}

// queryString runs a one-value query over dsn.
func queryString(tb testing.TB, dsn, sql string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("connect %s: %v", dsn, err)
	}
	defer conn.Close(ctx)
	var s string
	if err := conn.QueryRow(ctx, sql).Scan(&s); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
	return s
}

func TestStartReuseStop(t *testing.T) {
	dir := filepath.Join(reachableDir(t), "pg")
	c := startCluster(t, dir)

	port := c.Port()
	if port == 0 || port == defaultPGPort {
		t.Fatalf("Port() = %d, want a free port other than 0 and 5432", port)
	}
	if got := readPort(filepath.Join(dir, portFileName)); got != port {
		t.Errorf("port file holds %d, want %d", got, port)
	}
	if got, want := c.SocketDir(), filepath.Join(dir, sockDirName); got != want {
		t.Errorf("SocketDir() = %q, want %q", got, want)
	}
	if c.Root() != dir {
		t.Errorf("Root() = %q, want %q", c.Root(), dir)
	}
	if _, err := os.Stat(filepath.Join(dir, dataDirName, "PG_VERSION")); err != nil {
		t.Errorf("data dir: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, logFileName)); err != nil {
		t.Errorf("log file: %v", err)
	}

	admin := c.AdminDSN("postgres")
	if got := queryString(t, admin, "SELECT current_user"); got != "postgres" {
		t.Errorf("current_user = %q, want postgres", got)
	}
	for setting, want := range map[string]string{"fsync": "off", "max_connections": "200", "shared_buffers": "128MB", "listen_addresses": "127.0.0.1"} {
		if got := queryString(t, admin, "SHOW "+setting); got != want {
			t.Errorf("SHOW %s = %q, want %q", setting, got, want)
		}
	}
	started := queryString(t, admin, "SELECT pg_postmaster_start_time()::text")

	// A role with a password reaches the server over TCP; the password needs escaping.
	password := "p@ss w/rd:?&#%"
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE ROLE app LOGIN PASSWORD '"+strings.ReplaceAll(password, "'", "''")+"'"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if got := queryString(t, c.TCPDSN("app", password, "postgres"), "SELECT current_user"); got != "app" {
		t.Errorf("TCP current_user = %q, want app", got)
	}
	if _, err := pgx.Connect(ctx, c.TCPDSN("app", "wrong", "postgres")); err == nil {
		t.Error("TCP login with a wrong password succeeded")
	}

	// A second Cluster value for the same Dir reuses the running server.
	again := New(dir)
	if err := again.Start(ctx); err != nil {
		t.Fatalf("second start: %v", err)
	}
	if again.Port() != port {
		t.Errorf("reused cluster port = %d, want %d", again.Port(), port)
	}
	if got := queryString(t, again.AdminDSN("postgres"), "SELECT pg_postmaster_start_time()::text"); got != started {
		t.Errorf("server restarted: start time %s, was %s", got, started)
	}

	if err := c.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if _, err := pgx.Connect(ctx, admin); err == nil {
		t.Error("connect after Stop succeeded")
	}
	if err := c.Stop(); err != nil {
		t.Errorf("second stop: %v", err)
	}

	// Restarting keeps the saved port.
	restarted := New(dir)
	if err := restarted.Start(ctx); err != nil {
		t.Fatalf("restart: %v", err)
	}
	if restarted.Port() != port {
		t.Errorf("restarted port = %d, want saved %d", restarted.Port(), port)
	}
	queryString(t, restarted.AdminDSN("postgres"), "SELECT 'up'")
}

func TestConcurrentStartSameDir(t *testing.T) {
	dir := filepath.Join(reachableDir(t), "pg")
	first := New(dir)
	first.Fast = true
	t.Cleanup(func() { first.Remove() })

	const n = 4
	clusters := make([]*Cluster, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		clusters[i] = New(dir)
		clusters[i].Fast = true
		wg.Go(func() { errs[i] = clusters[i].Start(context.Background()) })
	}
	wg.Wait()
	starts := map[string]bool{}
	for i, c := range clusters {
		if errs[i] != nil {
			t.Fatalf("start %d: %v", i, errs[i])
		}
		if c.Port() != clusters[0].Port() {
			t.Errorf("cluster %d port %d, cluster 0 port %d", i, c.Port(), clusters[0].Port())
		}
		starts[queryString(t, c.AdminDSN("postgres"), "SELECT pg_postmaster_start_time()::text")] = true
	}
	if len(starts) != 1 {
		t.Errorf("got %d distinct servers, want 1", len(starts))
	}
}

func TestTwoDirsAndBusyPort(t *testing.T) {
	base := reachableDir(t)
	a := New(filepath.Join(base, "a"))
	b := New(filepath.Join(base, "b"))
	for _, c := range []*Cluster{a, b} {
		c.Fast = true
		t.Cleanup(func() { c.Remove() })
	}
	var wg sync.WaitGroup
	var errA, errB error
	wg.Go(func() { errA = a.Start(context.Background()) })
	wg.Go(func() { errB = b.Start(context.Background()) })
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatalf("start: a: %v; b: %v", errA, errB)
	}
	if a.Port() == b.Port() {
		t.Fatalf("two dirs share port %d", a.Port())
	}
	if a.SocketDir() == b.SocketDir() {
		t.Fatalf("two dirs share socket dir %s", a.SocketDir())
	}

	old := a.Port()
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(old))
	if err != nil {
		t.Fatalf("occupy port %d: %v", old, err)
	}
	defer l.Close()
	restarted := New(a.Dir)
	if err := restarted.Start(context.Background()); err != nil {
		t.Fatalf("start with busy port: %v", err)
	}
	if p := restarted.Port(); p == old || p == b.Port() || p == defaultPGPort {
		t.Errorf("port after conflict = %d (old %d, other cluster %d)", p, old, b.Port())
	}
	if got := readPort(filepath.Join(a.Dir, portFileName)); got != restarted.Port() {
		t.Errorf("port file = %d, want new port %d", got, restarted.Port())
	}
	queryString(t, restarted.AdminDSN("postgres"), "SELECT 'up'")
}
