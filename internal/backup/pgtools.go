package backup

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"homeward/internal/pgcluster"
)

// tool returns the path of a PostgreSQL client program (pg_dump, pg_restore): from the server's
// bin directory (HOMEWARD_PG_BIN or the highest installed version, as the local cluster uses),
// else from PATH.
func tool(name string) (string, error) {
	if dir, err := pgcluster.FindBinDir(); err == nil {
		if p := filepath.Join(dir, name); isExecutable(p) {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("backup: %s not found (install the PostgreSQL client programs or set HOMEWARD_PG_BIN): %w", name, err)
	}
	return p, nil
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// connArgs turns a DSN into the connection argument of a PostgreSQL program and its environment:
// a URL's password moves to PGPASSWORD, so it never shows in the process list.
func connArgs(dsn string) (string, []string, error) {
	env := os.Environ()
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn, env, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("backup: parse DSN: %w", err)
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
	}
	return u.String(), env, nil
}

// runTool runs a PostgreSQL program against dsn with args, writing its standard output to out
// (may be nil); a failure carries the program's standard error.
func runTool(ctx context.Context, name, dsn string, out io.Writer, args ...string) error {
	path, err := tool(name)
	if err != nil {
		return err
	}
	conn, env, err := connArgs(dsn)
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, append(args, "--no-password", "--dbname="+conn)...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, out, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("backup: %s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// openDB opens a database/sql pool on dsn and checks it answers.
func openDB(ctx context.Context, dsn string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("backup: connect: %w", err)
	}
	return db, nil
}
