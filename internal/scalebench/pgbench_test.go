package scalebench

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"homeward/internal/pgcluster"
	"homeward/internal/testdb"
)

// pgbenchResult is one pgbench run.
type pgbenchResult struct {
	TPS       float64
	LatencyMS float64 // average
}

var tpsLine = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
var latencyLine = regexp.MustCompile(`latency average = ([0-9.]+) ms`)

// pgbench runs script against dbname of the test server: clients connections on 2 threads for
// seconds, prepared statements (-M prepared), no vacuum; it returns transactions per second.
func pgbench(b *testing.B, dbname, script string, clients, seconds int) pgbenchResult {
	b.Helper()
	bin, err := pgbenchBinary()
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := pgconn.ParseConfig(testdb.DSN(b, dbname))
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(b.TempDir(), "script.sql")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds+120)*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-n", "-c", strconv.Itoa(clients), "-j", "2", "-T", strconv.Itoa(seconds),
		"-M", "prepared", "-f", file, "-h", cfg.Host, "-p", strconv.Itoa(int(cfg.Port)), "-U", cfg.User, cfg.Database)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+cfg.Password)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		b.Fatalf("pgbench: %v\n%s", err, out.String())
	}
	m := tpsLine.FindStringSubmatch(out.String())
	l := latencyLine.FindStringSubmatch(out.String())
	if m == nil || l == nil {
		b.Fatalf("pgbench output without tps:\n%s", out.String())
	}
	if strings.Contains(out.String(), "number of failed transactions: ") && !strings.Contains(out.String(), "number of failed transactions: 0 ") {
		b.Fatalf("pgbench transactions failed:\n%s", out.String())
	}
	tps, _ := strconv.ParseFloat(m[1], 64)
	lat, _ := strconv.ParseFloat(l[1], 64)
	return pgbenchResult{TPS: tps, LatencyMS: lat}
}

// pgbenchBinary is pgbench beside the PostgreSQL server programs the test cluster uses.
func pgbenchBinary() (string, error) {
	dir, err := pgcluster.FindBinDir()
	if err == nil {
		if p := filepath.Join(dir, "pgbench"); fileExists(p) {
			return p, nil
		}
	}
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("pgbench not found beside the PostgreSQL programs (%v) nor on PATH", err)
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// literal renders a statement argument as an SQL literal, for a pgbench script.
func literal(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	case []byte:
		return `'\x` + hex.EncodeToString(x) + `'::bytea`
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return "'" + x.UTC().Format(time.RFC3339Nano) + "'::timestamptz"
	case fmt.Stringer:
		return literal(x.String())
	}
	panic(fmt.Sprintf("literal of %T", v))
}

// inline replaces the ? placeholders of a GORM statement by its arguments as literals.
func inline(sql string, args []any) string {
	var b strings.Builder
	n := 0
	for _, r := range sql {
		if r == '?' && n < len(args) {
			b.WriteString(literal(args[n]))
			n++
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
