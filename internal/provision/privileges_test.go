package provision_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/provision"
	"homeward/internal/testdb"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// connectAs opens a connection as role to dbname and pings it.
func connectAs(t *testing.T, env *apptest.Env, role, dbname string) error {
	t.Helper()
	dsn := strings.Replace(env.Cfg.HubDSN, env.Databases["hub"], dbname, 1)
	dsn = strings.Replace(dsn, provision.HubDatabase().App, role, 1)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return db.PingContext(context.Background())
}

// TestAppRolesCannotCrossStores: each store's app role connects to its own database only.
func TestAppRolesCannotCrossStores(t *testing.T) {
	env := apptest.New(t)
	th, kh, hub := provision.StoreDatabase("TH"), provision.StoreDatabase("KH"), provision.HubDatabase()
	cases := []struct {
		role, db string
		ok       bool
	}{
		{th.App, env.Databases["TH"], true},
		{th.App, env.Databases["KH"], false},
		{th.App, env.Databases["hub"], false},
		{kh.App, env.Databases["KH"], true},
		{kh.App, env.Databases["TH"], false},
		{hub.App, env.Databases["TH"], false},
		{hub.App, env.Databases["KH"], false},
		{th.App, "postgres", false},
	}
	for _, c := range cases {
		t.Run(c.role+"->"+c.db, func(t *testing.T) {
			err := connectAs(t, env, c.role, c.db)
			if c.ok && err != nil {
				t.Fatalf("connect: %v", err)
			}
			if !c.ok && (err == nil || !strings.Contains(err.Error(), "permission denied")) {
				t.Fatalf("connect = %v, want permission denied", err)
			}
		})
	}
}

// TestAppRolesAreNotPrivileged: no superuser, no BYPASSRLS, not owner of the database or its tables,
// and the audit log is append-only for them.
func TestAppRolesAreNotPrivileged(t *testing.T) {
	env := apptest.New(t)
	for _, key := range []string{"hub", "TH", "KH"} {
		d := provision.HubDatabase()
		if key != "hub" {
			d = provision.StoreDatabase(key)
		}
		t.Run(key, func(t *testing.T) {
			var super, bypass, createdb, createrole bool
			row := adminRow(t, "postgres", `SELECT rolsuper, rolbypassrls, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = $1`, d.App)
			if err := row.Scan(&super, &bypass, &createdb, &createrole); err != nil {
				t.Fatal(err)
			}
			if super || bypass || createdb || createrole {
				t.Errorf("%s: super=%v bypassrls=%v createdb=%v createrole=%v", d.App, super, bypass, createdb, createrole)
			}
			var owner string
			if err := adminRow(t, "postgres", `SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1`, env.Databases[key]).Scan(&owner); err != nil {
				t.Fatal(err)
			}
			if owner != d.Owner {
				t.Errorf("database owner = %s, want %s", owner, d.Owner)
			}
			var owned int
			if err := adminRow(t, env.Databases[key], `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = $1`, d.App).Scan(&owned); err != nil {
				t.Fatal(err)
			}
			if owned != 0 {
				t.Errorf("app role owns %d tables", owned)
			}
			for _, priv := range []string{"UPDATE", "DELETE", "TRUNCATE"} {
				var has bool
				if err := adminRow(t, env.Databases[key], `SELECT has_table_privilege($1, 'audit_log', $2)`, d.App, priv).Scan(&has); err != nil {
					t.Fatal(err)
				}
				if has {
					t.Errorf("app role may %s audit_log", priv)
				}
			}
		})
	}
}

func adminRow(t *testing.T, dbname, q string, args ...any) *sql.Row {
	t.Helper()
	db, err := sql.Open("pgx", testdb.DSN(t, dbname))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db.QueryRowContext(context.Background(), q, args...)
}
