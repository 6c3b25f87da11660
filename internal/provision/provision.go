// Package provision creates Homeward's databases and roles and applies the migrations.
//
// Every database (the hub and one store per country) has an owner role that runs migrations and an
// app role the server uses: not owner, not superuser, no BYPASSRLS, and allowed to connect to its own
// database only.
package provision

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"strings"

	"github.com/pressly/goose/v3"

	"homeward/migrations"
)

// Kind says which schema a database holds.
type Kind int

// The two schemas.
const (
	Hub Kind = iota
	Store
)

// Database names one database and its two roles.
type Database struct {
	Name  string
	Owner string
	App   string
	Kind  Kind
}

// HubDatabase is the hub's database and roles.
func HubDatabase() Database {
	return Database{Name: "homeward_hub", Owner: "homeward_hub_owner", App: "homeward_hub_app", Kind: Hub}
}

// StoreDatabase is one country store's database and roles.
func StoreDatabase(country string) Database {
	cc := strings.ToLower(country)
	return Database{Name: "homeward_store_" + cc, Owner: "homeward_" + cc + "_owner", App: "homeward_" + cc + "_app", Kind: Store}
}

// EnsureRole creates a login role with no special privileges, or resets an existing one to that.
func EnsureRole(ctx context.Context, admin *sql.DB, name, password string) error {
	var exists bool
	if err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("look up role %s: %w", name, err)
	}
	verb := "CREATE"
	if exists {
		verb = "ALTER"
	}
	stmt := verb + ` ROLE %I LOGIN PASSWORD %L NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`
	if err := execFormat(ctx, admin, stmt, name, password); err != nil {
		if !exists && strings.Contains(err.Error(), "already exists") { // created concurrently
			return EnsureRole(ctx, admin, name, password)
		}
		return fmt.Errorf("%s role %s: %w", strings.ToLower(verb), name, err)
	}
	return nil
}

// EnsureDatabase creates the database owned by its owner role (from template, if given) when it is
// missing, and limits CONNECT to its owner and app roles.
func EnsureDatabase(ctx context.Context, admin *sql.DB, d Database, template string) error {
	var exists bool
	if err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, d.Name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", d.Name, err)
	}
	if !exists {
		stmt, args := `CREATE DATABASE %I OWNER %I ENCODING 'UTF8'`, []any{d.Name, d.Owner}
		if template != "" {
			stmt, args = stmt+` TEMPLATE %I`, append(args, template)
		}
		if err := execFormat(ctx, admin, stmt, args...); err != nil {
			return fmt.Errorf("create database %s: %w", d.Name, err)
		}
	}
	return Lockdown(ctx, admin, d)
}

// Lockdown revokes every database privilege from PUBLIC and grants CONNECT to the owner and app roles.
func Lockdown(ctx context.Context, admin *sql.DB, d Database) error {
	if err := execFormat(ctx, admin, `REVOKE ALL ON DATABASE %I FROM PUBLIC`, d.Name); err != nil {
		return fmt.Errorf("lock down %s: %w", d.Name, err)
	}
	if err := execFormat(ctx, admin, `GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I, %I`, d.Name, d.Owner, d.App); err != nil {
		return fmt.Errorf("grant connect on %s: %w", d.Name, err)
	}
	return nil
}

// RestrictServer revokes PUBLIC's CONNECT on the server's own databases (postgres, template1), so
// Homeward's roles can reach nothing but their own database.
func RestrictServer(ctx context.Context, admin *sql.DB) error {
	for _, name := range []string{"postgres", "template1"} {
		if err := execFormat(ctx, admin, `REVOKE CONNECT ON DATABASE %I FROM PUBLIC`, name); err != nil {
			return fmt.Errorf("restrict %s: %w", name, err)
		}
	}
	return nil
}

// Migrate applies the migrations of d's kind through owner (a connection as the owner role) and
// grants the app role what the server needs: rows, not schema; the audit log append-only.
func Migrate(ctx context.Context, owner *sql.DB, d Database) error {
	fsys, err := migrationsFor(d.Kind)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, owner, fsys)
	if err != nil {
		return fmt.Errorf("migrations for %s: %w", d.Name, err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", d.Name, err)
	}
	if err := migrateRiver(ctx, owner, d); err != nil { // the jobs' tables (river.go)
		return err
	}
	return GrantApp(ctx, owner, d.App)
}

// GrantApp gives the app role row access on every table, append-only on the audit log and keysets.
func GrantApp(ctx context.Context, owner *sql.DB, app string) error {
	stmts := []string{
		`REVOKE ALL ON SCHEMA public FROM PUBLIC`,
		`GRANT USAGE ON SCHEMA public TO %1$I`,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %1$I`,
		`REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM %1$I`,
		`REVOKE ALL ON goose_db_version FROM %1$I`,
		`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %1$I`,
	}
	for _, s := range stmts {
		if err := execFormat(ctx, owner, s, app); err != nil {
			return fmt.Errorf("grant to %s: %w", app, err)
		}
	}
	// The audit sealer (internal/audit/sealer.go) sets a row's chain position and hashes, once:
	// only those columns, and a trigger refuses them on a sealed row. Anchors and store keys are
	// append-only.
	if err := grantIfTable(ctx, owner, "audit_log", `GRANT UPDATE (seq, prev_hash, hash) ON audit_log TO %I`, app, "seq"); err != nil {
		return err
	}
	for _, t := range []string{"audit_anchors", "store_keys"} {
		if err := grantIfTable(ctx, owner, t, `REVOKE UPDATE, DELETE, TRUNCATE ON `+t+` FROM %I`, app, ""); err != nil {
			return err
		}
	}
	var hasKeysets bool
	if err := owner.QueryRowContext(ctx, `SELECT to_regclass('public.keysets') IS NOT NULL`).Scan(&hasKeysets); err != nil {
		return err
	}
	if hasKeysets {
		if err := execFormat(ctx, owner, `REVOKE UPDATE, DELETE, TRUNCATE ON keysets FROM %I`, app); err != nil {
			return fmt.Errorf("grant to %s: %w", app, err)
		}
	}
	var hasAgencyKeys bool
	if err := owner.QueryRowContext(ctx, `SELECT to_regclass('public.agency_keys') IS NOT NULL`).Scan(&hasAgencyKeys); err != nil {
		return err
	}
	if hasAgencyKeys { // the hub's per-agency packet keysets: append-only, like a store's keysets
		if err := execFormat(ctx, owner, `REVOKE UPDATE, DELETE, TRUNCATE ON agency_keys FROM %I`, app); err != nil {
			return fmt.Errorf("grant to %s: %w", app, err)
		}
	}
	return nil
}

// grantIfTable runs stmt (formatted with app) when table exists (and has column, when given).
func grantIfTable(ctx context.Context, owner *sql.DB, table, stmt, app, column string) error {
	var has bool
	q := `SELECT to_regclass('public.' || $1) IS NOT NULL`
	args := []any{table}
	if column != "" {
		q = `SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 AND column_name = $2)`
		args = append(args, column)
	}
	if err := owner.QueryRowContext(ctx, q, args...).Scan(&has); err != nil {
		return err
	}
	if !has {
		return nil
	}
	if err := execFormat(ctx, owner, stmt, app); err != nil {
		return fmt.Errorf("grant to %s on %s: %w", app, table, err)
	}
	return nil
}

func migrationsFor(k Kind) (fs.FS, error) {
	if k == Hub {
		return fs.Sub(migrations.Hub, "hub")
	}
	return fs.Sub(migrations.Store, "store")
}

// execFormat builds a statement with PostgreSQL's format() (%I identifiers, %L literals) so names
// and passwords are quoted by the server, then runs it.
func execFormat(ctx context.Context, db *sql.DB, stmt string, args ...any) error {
	var q string
	fargs := append([]any{stmt}, args...)
	ph := make([]string, len(fargs))
	for i := range fargs {
		ph[i] = fmt.Sprintf("$%d::text", i+1)
	}
	if err := db.QueryRowContext(ctx, `SELECT format(`+strings.Join(ph, ", ")+`)`, fargs...).Scan(&q); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, q)
	return err
}
