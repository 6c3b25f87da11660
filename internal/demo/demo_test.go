package demo_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/pressly/goose/v3"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/demo"
	"homeward/internal/directory"
	"homeward/internal/store"
	"homeward/internal/testdb"
	"homeward/internal/vault"
	"homeward/migrations"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// migrated creates a database and applies the migrations under dir of fsys.
func migrated(t *testing.T, prefix string, fsys fs.FS, dir string) string {
	t.Helper()
	name := testdb.CreateDatabase(t, prefix, "", "")
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", testdb.DSN(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", name, err)
	}
	return name
}

func TestSeed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	hubDB, err := store.Open(ctx, testdb.DSN(t, migrated(t, "demo_hub", migrations.Hub, "hub")))
	if err != nil {
		t.Fatal(err)
	}
	master, err := vault.LoadOrCreateMasterKey(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	var opened []*store.Store
	for _, cc := range []string{"TH", "KH"} {
		dsn := testdb.DSN(t, migrated(t, "demo_store_"+strings.ToLower(cc), migrations.Store, "store"))
		st, err := store.OpenStore(ctx, cc, dsn, master)
		if err != nil {
			t.Fatal(err)
		}
		opened = append(opened, st)
	}
	stores := store.NewSet(opened...)
	defer stores.Close()
	policy, err := authz.LoadPolicy()
	if err != nil {
		t.Fatal(err)
	}
	dir := directory.New(hubDB, policy)
	cs := cases.New(stores)

	if err := demo.Seed(ctx, dir, cs, stores); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	if n, err := dir.CountUsers(ctx); err != nil || n != int64(len(demo.Users())) {
		t.Errorf("users = %d, %v; want %d", n, err, len(demo.Users()))
	}
	for _, st := range opened {
		checkStore(t, st)
	}
	if err := demo.Seed(ctx, dir, cs, stores); !errors.Is(err, demo.ErrNotEmpty) {
		t.Errorf("second Seed = %v, want ErrNotEmpty", err)
	}
}

// checkStore checks a seeded store: enough persons, every stage, the expected nationalities.
func checkStore(t *testing.T, st *store.Store) {
	t.Helper()
	var persons, minors, linked, teams int64
	st.DB.Raw(`SELECT count(*), count(*) FILTER (WHERE minor), count(operation_id) FROM persons`).Row().Scan(&persons, &minors, &linked)
	st.DB.Raw(`SELECT count(*) FROM case_team`).Scan(&teams)
	if persons < 45 || minors == 0 || linked < persons/2 || teams == 0 {
		t.Errorf("%s: persons %d, minors %d, linked %d, team rows %d", st.Country, persons, minors, linked, teams)
	}
	for _, stage := range cases.Stages {
		var n int64
		st.DB.Raw(`SELECT count(*) FROM cases WHERE stage = ?`, stage).Scan(&n)
		if n < 3 {
			t.Errorf("%s: %d cases in %s, want several", st.Country, n, stage)
		}
	}
	want := map[string][]string{"TH": {"KH", "LA", "MM"}, "KH": {"TH", "ID", "VN", "CN", "KE"}}[st.Country]
	for _, nat := range want {
		var n int64
		st.DB.Raw(`SELECT count(*) FROM persons WHERE nationality = ?`, nat).Scan(&n)
		if n == 0 {
			t.Errorf("%s: no %s nationals", st.Country, nat)
		}
	}
}

func TestUsers(t *testing.T) {
	got := demo.Users()
	if len(got) != 19 {
		t.Errorf("len(Users()) = %d, want 19", len(got))
	}
	for _, want := range []string{
		"caseworker@th-msdhs-sakaeo.demo (caseworker, th-msdhs-sakaeo)",
		"embassy_officer@id-embassy-pnh.demo (embassy_officer, id-embassy-pnh)",
	} {
		found := false
		for _, line := range got {
			found = found || line == want
		}
		if !found {
			t.Errorf("Users() lacks %q", want)
		}
	}
}
