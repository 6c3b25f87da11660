package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// objectInUse is the SQLSTATE of "source database is being accessed by other users".
const objectInUse = "55006"

// createAttempts bounds the retries of CREATE DATABASE ... TEMPLATE while the template
// is in use; PostgreSQL itself waits about 5 seconds before each failure.
const createAttempts = 6

// cloneTimeout bounds one CREATE DATABASE.
const cloneTimeout = 20 * time.Minute

var (
	templateLocksMu sync.Mutex
	templateLocks   = map[string]*sync.Mutex{}
)

// templateLock returns the mutex serialising clones of template in this process.
func templateLock(template string) *sync.Mutex {
	templateLocksMu.Lock()
	defer templateLocksMu.Unlock()
	mu, ok := templateLocks[template]
	if !ok {
		mu = &sync.Mutex{}
		templateLocks[template] = mu
	}
	return mu
}

// CreateDatabase creates a fresh database named prefix_<random> owned by owner (postgres
// when ""), cloned from template when it is not "", and drops it WITH (FORCE) when the
// test ends. It returns the database name.
func CreateDatabase(tb testing.TB, prefix, template, owner string) string {
	tb.Helper()
	name, err := databaseName(prefix)
	if err != nil {
		tb.Fatalf("testdb: %v", err)
	}
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if owner != "" {
		sql += " OWNER " + pgx.Identifier{owner}.Sanitize()
	}
	if template != "" {
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	p := adminPool(tb)
	if err := createDatabase(p, sql, template); err != nil {
		tb.Fatalf("testdb: %s: %v", sql, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		drop := "DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"
		if _, err := p.Exec(ctx, drop); err != nil {
			tb.Errorf("testdb: %s: %v", drop, err)
		}
	})
	return name
}

// execer is the part of the admin pool createDatabase needs.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// createDatabase runs sql, serialised per template and retried while the template is in use.
func createDatabase(db execer, sql, template string) error {
	if template != "" {
		mu := templateLock(template)
		mu.Lock()
		defer mu.Unlock()
	}
	var err error
	for attempt := 1; attempt <= createAttempts; attempt++ {
		// A clone copies the template's files: seconds for the demo stores, minutes for a store of a
		// million persons (apptest.Scale) on a busy machine.
		ctx, cancel := context.WithTimeout(context.Background(), cloneTimeout)
		_, err = db.Exec(ctx, sql)
		cancel()
		var pgErr *pgconn.PgError
		if err == nil || template == "" || !errors.As(err, &pgErr) || pgErr.Code != objectInUse {
			return err
		}
		time.Sleep(time.Duration(attempt) * 100 * time.Millisecond)
	}
	return fmt.Errorf("after %d attempts: %w", createAttempts, err)
}

// maxIdentifier is PostgreSQL's identifier length limit (NAMEDATALEN-1).
const maxIdentifier = 63

// databaseName turns prefix into a lower-case identifier and adds a random suffix.
func databaseName(prefix string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToLower(prefix) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	base := strings.Trim(b.String(), "_")
	if base == "" {
		base = "test"
	}
	var random [6]byte
	if _, err := rand.Read(random[:]); err != nil {
		return "", fmt.Errorf("random database name: %w", err)
	}
	suffix := "_" + hex.EncodeToString(random[:])
	if len(base) > maxIdentifier-len(suffix) {
		base = base[:maxIdentifier-len(suffix)]
	}
	return base + suffix, nil
}
