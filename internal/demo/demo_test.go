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

	"homeward/internal/app"
	"homeward/internal/cases"
	"homeward/internal/config"
	"homeward/internal/demo"
	"homeward/internal/store"
	"homeward/internal/testdb"
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
	cfg := config.Config{HubDSN: testdb.DSN(t, migrated(t, "demo_hub", migrations.Hub, "hub")),
		StoreDSNs: map[string]string{}, MasterKeyFile: filepath.Join(t.TempDir(), "master.key"), AttachmentsDir: t.TempDir()}
	for _, cc := range []string{"TH", "KH"} {
		cfg.StoreDSNs[cc] = testdb.DSN(t, migrated(t, "demo_store_"+strings.ToLower(cc), migrations.Store, "store"))
	}
	// The app wires the services (and the exchange's hooks) the seeding goes through.
	a, err := app.Open(ctx, cfg, app.Options{CreateMasterKey: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	px := demo.Packets{Hub: a.Hub, Exchange: a.Exchange, Consent: a.Consent, Repatriation: a.Repatriation}

	start := time.Now()
	if err := demo.Seed(ctx, a.Directory, a.Cases, a.Stores, px); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	t.Logf("seeded in %v", time.Since(start))
	if n, err := a.Directory.CountUsers(ctx); err != nil || n != int64(len(demo.Users())) {
		t.Errorf("users = %d, %v; want %d", n, err, len(demo.Users()))
	}
	for _, cc := range []string{"TH", "KH"} {
		st, err := a.Stores.For(cc)
		if err != nil {
			t.Fatal(err)
		}
		checkStore(t, st)
	}
	checkPackets(ctx, t, a)
	if err := demo.Seed(ctx, a.Directory, a.Cases, a.Stores, px); !errors.Is(err, demo.ErrNotEmpty) {
		t.Errorf("second Seed = %v, want ErrNotEmpty", err)
	}
}

// checkPackets checks the exchange's demo data: what each recipient finds in its inbox, the applied
// embassy reply, the NGO's accepted referral, the support work and the closure request.
func checkPackets(ctx context.Context, t *testing.T, a *app.App) {
	t.Helper()
	counts := func(q string, args ...any) map[string]int64 {
		rows, err := a.Hub.Raw(q, args...).Rows()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]int64{}
		for rows.Next() {
			var k string
			var n int64
			if err := rows.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			out[k] = n
		}
		return out
	}
	// Packets by recipient agency, kind and status (replies excluded).
	got := counts(`SELECT ag.slug || ' ' || p.kind || ' ' || p.status, count(*) FROM packets p
		JOIN agencies ag ON ag.id = p.recipient_agency_id WHERE p.kind <> 'reply' GROUP BY 1`)
	want := map[string]int64{
		"th-embassy-pnh repatriation opened":           1,
		"th-embassy-pnh repatriation sent":             1,
		"th-embassy-pnh repatriation pending_approval": 1,
		"id-embassy-pnh repatriation sent":             1,
		"ngo-kh-shelter referral sent":                 1,
		"ngo-th-legal referral accepted":               1,
		"th-msdhs-sakaeo handover sent":                2,
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("packets %q = %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
	kh, _ := a.Stores.For("KH")
	th, _ := a.Stores.For("TH")
	one := func(st *store.Store, q string) int64 {
		var n int64
		if err := st.DB.Raw(q).Scan(&n).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	for _, c := range []struct {
		st   *store.Store
		q    string
		want int64
	}{
		{kh, `SELECT count(*) FROM repatriations WHERE nationality_status = 'verified' AND travel_document_status = 'issued'`, 1},
		{kh, `SELECT count(*) FROM audit_log WHERE action = 'repatriation.apply'`, 1},
		{th, `SELECT count(*) FROM services WHERE referral_packet_id IS NOT NULL AND status = 'in_progress' AND referral_status = 'in_progress'`, 1},
		{th, `SELECT count(DISTINCT case_id) FROM reintegration_plans`, 2},
		{th, `SELECT count(*) FROM follow_up_visits`, 4},
		{th, `SELECT count(*) FROM closure_requests WHERE status = 'requested'`, 1},
	} {
		if n := one(c.st, c.q); n != c.want {
			t.Errorf("%s %s = %d, want %d", c.st.Country, c.q, n, c.want)
		}
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
