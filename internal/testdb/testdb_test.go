package testdb_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"homeward/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// scalar runs a one-value query as superuser on the maintenance database.
func scalar[T any](tb testing.TB, sql string, args ...any) T {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, testdb.Server(tb))
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(context.Background())
	var v T
	if err := conn.QueryRow(ctx, sql, args...).Scan(&v); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
	return v
}

func databaseExists(tb testing.TB, name string) bool {
	tb.Helper()
	return scalar[bool](tb, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name)
}

func TestServer(t *testing.T) {
	if got := scalar[string](t, "SELECT current_setting('is_superuser')"); got != "on" {
		t.Errorf("is_superuser = %q, want on", got)
	}
	if os.Getenv(testdb.EnvDSN) == "" {
		c := testdb.Cluster()
		if c == nil {
			t.Fatal("Cluster() = nil without " + testdb.EnvDSN)
		}
		if got := scalar[string](t, "SHOW fsync"); got != "off" {
			t.Errorf("throwaway cluster fsync = %q, want off", got)
		}
	}
	if a, b := testdb.Server(t), testdb.Server(t); a != b {
		t.Errorf("Server changed between calls: %q, %q", a, b)
	}
}

func TestCreateDatabase(t *testing.T) {
	testdb.Exec(t, "postgres", "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'testdb_owner') THEN CREATE ROLE testdb_owner; END IF; END $$")
	template := testdb.CreateDatabase(t, "testdb_template", "", "")
	testdb.Exec(t, template, "CREATE TABLE widget (id int PRIMARY KEY, name text); INSERT INTO widget VALUES (1, 'one'), (2, 'two')")

	tests := []struct {
		name, prefix, template, owner string
		wantOwner                     string
		wantRows                      int
	}{
		{name: "empty", prefix: "plain", wantOwner: "postgres", wantRows: -1},
		{name: "owned", prefix: "owned", owner: "testdb_owner", wantOwner: "testdb_owner", wantRows: -1},
		{name: "from template", prefix: "clone", template: template, wantOwner: "postgres", wantRows: 2},
		{name: "odd prefix", prefix: "Odd Prefix-Name!", wantOwner: "postgres", wantRows: -1},
	}
	for _, tt := range tests {
		var name string
		t.Run(tt.name, func(t *testing.T) {
			name = testdb.CreateDatabase(t, tt.prefix, tt.template, tt.owner)
			if !databaseExists(t, name) {
				t.Fatalf("database %s not created", name)
			}
			owner := scalar[string](t, "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = $1", name)
			if owner != tt.wantOwner {
				t.Errorf("owner = %q, want %q", owner, tt.wantOwner)
			}
			rows := -1
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, testdb.DSN(t, name))
			if err != nil {
				t.Fatal(err)
			}
			// The connection stays open at cleanup: the drop must still succeed.
			if err := conn.QueryRow(ctx, "SELECT count(*) FROM widget").Scan(&rows); err != nil {
				rows = -1
			}
			var current string
			if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&current); err != nil || current != name {
				t.Errorf("DSN(%s) reached %q (%v)", name, current, err)
			}
			if rows != tt.wantRows {
				t.Errorf("widget rows = %d, want %d", rows, tt.wantRows)
			}
		})
		if name == "" {
			continue
		}
		if databaseExists(t, name) {
			t.Errorf("%s: database %s still exists after its test", tt.name, name)
		}
	}
}

func TestParallelClonesOfOneTemplate(t *testing.T) {
	template := testdb.CreateDatabase(t, "parallel_template", "", "")
	testdb.Exec(t, template, "CREATE TABLE marker (v int); INSERT INTO marker VALUES (42)")
	t.Run("clones", func(t *testing.T) {
		for i := range 8 {
			t.Run(strconv.Itoa(i), func(t *testing.T) {
				t.Parallel()
				name := testdb.CreateDatabase(t, "parallel", template, "")
				testdb.Exec(t, name, "INSERT INTO marker VALUES ($1)", i)
				// Touch the template meanwhile, as a test preparing it would.
				testdb.Exec(t, template, "SELECT 1")
			})
		}
	})
	if n := scalar[int64](t, "SELECT count(*) FROM pg_database WHERE datname LIKE 'parallel\\_%' AND datname <> $1", template); n != 0 {
		t.Errorf("%d clones left after their tests", n)
	}
}

func TestTCPHostPort(t *testing.T) {
	role := fmt.Sprintf("testdb_tcp_%d", time.Now().UnixNano())
	testdb.Exec(t, "postgres", fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD 'tcp-secret'", role))
	t.Cleanup(func() { testdb.Exec(t, "postgres", "DROP ROLE "+role) })
	db := testdb.CreateDatabase(t, "tcp", "", role)

	host, port := testdb.TCPHostPort(t)
	u := url.URL{Scheme: "postgres", User: url.UserPassword(role, "tcp-secret"), Host: host + ":" + strconv.Itoa(port), Path: "/" + db, RawQuery: "sslmode=disable"}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatalf("connect over TCP as %s: %v", role, err)
	}
	var user string
	if err := conn.QueryRow(ctx, "SELECT current_user").Scan(&user); err != nil || user != role {
		t.Errorf("current_user = %q (%v), want %q", user, err, role)
	}
	conn.Close(ctx)
}

// TestWatchdogStopsAKilledTestsCluster kills (SIGKILL) a test process that started the throwaway
// cluster, as -timeout's panic or an impatient user would end it before Main stops the cluster: the
// watchdog stops the postmaster and removes the cluster's files.
func TestWatchdogStopsAKilledTestsCluster(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run", "^TestHelperWatchdogChild$", "-test.v")
	cmd.Env = append(os.Environ(), "HOMEWARD_WATCHDOG_CHILD=1", testdb.EnvDSN+"=")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var root string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if r, ok := strings.CutPrefix(sc.Text(), "cluster root: "); ok {
			root = r
			break
		}
	}
	if root == "" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatal("the child did not start its cluster")
	}
	pidFile := filepath.Join(root, "data", "postmaster.pid")
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the child's cluster is not running: %v", err)
	}
	postmaster, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(raw), "\n", 2)[0]))
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		_, statErr := os.Stat(root)
		alive := syscall.Kill(postmaster, 0) == nil
		if errors.Is(statErr, os.ErrNotExist) && !alive {
			return
		}
		if time.Now().After(deadline) {
			if alive {
				_ = syscall.Kill(postmaster, syscall.SIGQUIT)
			}
			t.Fatalf("60 s after the test process was killed: postmaster alive %v, %s still there: %v", alive, root, statErr)
		}
	}
}

// TestHelperWatchdogChild is the killed test process of TestWatchdogStopsAKilledTestsCluster.
func TestHelperWatchdogChild(t *testing.T) {
	if os.Getenv("HOMEWARD_WATCHDOG_CHILD") != "1" {
		return
	}
	testdb.Server(t)
	fmt.Printf("cluster root: %s\n", testdb.Cluster().Root())
	time.Sleep(10 * time.Minute)
}
