// Package apptest gives tests a whole Homeward on real PostgreSQL: a hub and two country stores,
// each a fresh clone of a migrated template that already holds the demo data, reached through the
// app roles exactly as in production.
package apptest

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"homeward/internal/app"
	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/config"
	"homeward/internal/demo"
	"homeward/internal/provision"
	"homeward/internal/testdb"
	"homeward/internal/vault"
)

// Countries are the stores every test environment has.
var Countries = []string{"TH", "KH"}

// rolePassword is the password of every role in the throwaway test cluster.
const rolePassword = "homeward-test-role"

// Env is one test's Homeward.
type Env struct {
	App *app.App
	Cfg config.Config
	// Databases maps "hub", "TH", "KH" to this test's database names.
	Databases map[string]string
	srv       *httptest.Server
}

type templates struct {
	names     map[string]string // "hub", "TH", "KH" -> template database
	empty     map[string]string // the same, migrated but without the demo data
	masterKey string
	err       error
}

var (
	tplOnce sync.Once
	tpl     templates
)

func databaseFor(key string) provision.Database {
	if key == "hub" {
		return provision.HubDatabase()
	}
	return provision.StoreDatabase(key)
}

func keys() []string { return append([]string{"hub"}, Countries...) }

// adminDB opens a superuser connection to the test server's postgres database.
func adminDB(tb testing.TB) *sql.DB {
	tb.Helper()
	db, err := sql.Open("pgx", testdb.DSN(tb, "postgres"))
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

func roleDSN(tb testing.TB, role, dbname string) string {
	host, port := testdb.TCPHostPort(tb)
	return provision.Server{Host: host, Port: port}.RoleDSN(role, rolePassword, dbname)
}

// buildTemplates creates the roles, migrates one template per database and loads the demo data.
func buildTemplates(tb testing.TB) templates {
	ctx := context.Background()
	admin := adminDB(tb)
	defer admin.Close()
	out := templates{names: map[string]string{}, empty: map[string]string{}}
	if err := provision.RestrictServer(ctx, admin); err != nil {
		return templates{err: err}
	}
	for _, r := range provision.RoleNames(Countries) {
		if err := provision.EnsureRole(ctx, admin, r, rolePassword); err != nil {
			return templates{err: err}
		}
	}
	suffix := fmt.Sprintf("%d_%s", os.Getpid(), strings.ToLower(randomHex(4)))
	cfg := config.Config{StoreDSNs: map[string]string{}}
	for _, k := range keys() {
		d := databaseFor(k)
		d.Name = "tpl_" + strings.ToLower(k) + "_" + suffix
		if err := provision.EnsureDatabase(ctx, admin, d, ""); err != nil {
			return templates{err: err}
		}
		if err := provision.MigrateDSN(ctx, roleDSN(tb, d.Owner, d.Name), d); err != nil {
			return templates{err: err}
		}
		out.names[k] = d.Name
		if k == "hub" {
			cfg.HubDSN = roleDSN(tb, d.App, d.Name)
		} else {
			cfg.StoreDSNs[k] = roleDSN(tb, d.App, d.Name)
		}
	}
	// A copy of each migrated template before the demo data: the start of a real deployment.
	for _, k := range keys() {
		name := "tple_" + strings.ToLower(k) + "_" + suffix
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+out.names[k]+" OWNER "+databaseFor(k).Owner); err != nil {
			return templates{err: fmt.Errorf("empty template %s: %w", name, err)}
		}
		out.empty[k] = name
	}
	dir, err := os.MkdirTemp("", "homeward-apptest-")
	if err != nil {
		return templates{err: err}
	}
	testdb.AtExit(func() error { return os.RemoveAll(dir) }) // the master key and attachments go with the run
	out.masterKey = filepath.Join(dir, "master.key")
	// Attachments of this test process go to its own temporary directory, never into the source tree.
	if os.Getenv("HOMEWARD_ATTACHMENTS_DIR") == "" {
		if err := os.Setenv("HOMEWARD_ATTACHMENTS_DIR", filepath.Join(dir, "attachments")); err != nil {
			return templates{err: err}
		}
	}
	if err := vault.GenerateMasterKeyFile(out.masterKey); err != nil {
		return templates{err: err}
	}
	cfg.MasterKeyFile = out.masterKey
	cfg.AttachmentsDir = config.AttachmentsRoot(os.Getenv)
	a, err := app.Open(ctx, cfg, app.Options{})
	if err != nil {
		return templates{err: err}
	}
	defer a.Close()
	if err := demo.Seed(ctx, a.Directory, a.Cases, a.Stores, demo.Packets{Hub: a.Hub, Exchange: a.Exchange, Consent: a.Consent, Repatriation: a.Repatriation}); err != nil {
		return templates{err: fmt.Errorf("seed templates: %w", err)}
	}
	// The demo's audit rows are sealed and their heads published, as the sealer of a running
	// server leaves them.
	if err := sealAll(ctx, a); err != nil {
		return templates{err: fmt.Errorf("seal templates: %w", err)}
	}
	return out
}

// sealAll seals the audit rows of the hub and every store of a, then publishes their heads.
func sealAll(ctx context.Context, a *app.App) error {
	dbs := []*gorm.DB{a.Hub}
	for _, cc := range a.Stores.Countries() {
		st, err := a.Stores.For(cc)
		if err != nil {
			return err
		}
		dbs = append(dbs, st.DB)
	}
	for _, db := range dbs {
		if _, err := audit.SealNow(ctx, db); err != nil {
			return err
		}
	}
	a.Sealer.Publish(ctx)
	return nil
}

// SealAudit seals every committed audit row of the environment and publishes the chain heads
// both ways, as the running server's sealer does every second.
func (e *Env) SealAudit(tb testing.TB) {
	tb.Helper()
	if err := sealAll(context.Background(), e.App); err != nil {
		tb.Fatalf("seal audit: %v", err)
	}
}

// New returns a fresh environment with the demo data, cleaned up when the test ends.
func New(tb testing.TB) *Env {
	tb.Helper()
	return newEnv(tb, false)
}

// NewEmpty returns a fresh environment as a real deployment starts: migrated, with no agency,
// user or case.
func NewEmpty(tb testing.TB) *Env {
	tb.Helper()
	return newEnv(tb, true)
}

func newEnv(tb testing.TB, empty bool) *Env {
	tb.Helper()
	loadTemplates(tb)
	from := tpl.names
	if empty {
		from = tpl.empty
	}
	return envFrom(tb, from, testdb.CreateDatabase)
}

// loadTemplates builds the templates once per process.
func loadTemplates(tb testing.TB) {
	tb.Helper()
	tplOnce.Do(func() { tpl = buildTemplates(tb) })
	if tpl.err != nil {
		tb.Fatalf("test templates: %v", tpl.err)
	}
}

// envFrom returns a fresh environment cloned from the template databases from ("hub", "TH", "KH")
// by clone (testdb.CreateDatabase's signature).
func envFrom(tb testing.TB, from map[string]string, clone func(tb testing.TB, prefix, template, owner string) string) *Env {
	tb.Helper()
	ctx := context.Background()
	admin := adminDB(tb)
	defer admin.Close()
	env := &Env{Databases: map[string]string{}}
	// Attachments go where HOMEWARD_ATTACHMENTS_DIR says: a test may point it at its own directory.
	cfg := config.Config{StoreDSNs: map[string]string{}, MasterKeyFile: tpl.masterKey, AttachmentsDir: config.AttachmentsRoot(os.Getenv)}
	for _, k := range keys() {
		d := databaseFor(k)
		d.Name = clone(tb, "t_"+strings.ToLower(k), from[k], d.Owner)
		if err := provision.Lockdown(ctx, admin, d); err != nil {
			tb.Fatal(err)
		}
		env.Databases[k] = d.Name
		if k == "hub" {
			cfg.HubDSN = roleDSN(tb, d.App, d.Name)
		} else {
			cfg.StoreDSNs[k] = roleDSN(tb, d.App, d.Name)
		}
	}
	a, err := app.Open(ctx, cfg, app.Options{})
	if err != nil {
		tb.Fatalf("open app: %v", err)
	}
	env.App, env.Cfg = a, cfg
	tb.Cleanup(func() {
		if env.srv != nil {
			env.srv.Close()
		}
		a.Close()
	})
	return env
}

// Actor returns the actor of a demo user by email.
func (e *Env) Actor(tb testing.TB, email string) *authz.Actor {
	tb.Helper()
	var id string
	if err := e.App.Hub.Raw(`SELECT id FROM users WHERE email = ?`, email).Scan(&id).Error; err != nil || id == "" {
		tb.Fatalf("no user %s: %v", email, err)
	}
	a, err := e.App.Directory.Actor(context.Background(), id, "")
	if err != nil {
		tb.Fatalf("actor %s: %v", email, err)
	}
	return a
}

// Token creates an API token for a demo user.
func (e *Env) Token(tb testing.TB, email string) string {
	tb.Helper()
	tok, _, err := e.App.Directory.CreateToken(context.Background(), email, "", "test")
	if err != nil {
		tb.Fatalf("token for %s: %v", email, err)
	}
	return tok
}

// URL starts (once) an HTTP server for the app and returns its base URL.
func (e *Env) URL() string {
	if e.srv == nil {
		e.srv = httptest.NewServer(e.App.Server.Handler())
	}
	return e.srv.URL
}

// Client returns an HTTP client that keeps cookies and does not follow redirects.
func Client() *http.Client {
	jar := newJar()
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Main runs a package's tests with the test database server.
func Main(m *testing.M) { testdb.Main(m) }
