package complaints_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/complaints"
)

const (
	thSupervisor = "supervisor@th-msdhs-sakaeo.demo"
	thAnalyst    = "analyst@th-msdhs-sakaeo.demo"
	khAnalyst    = "analyst@kh-mosvy-poipet.demo"
)

// fixture: hand-summed below. 2019-03-13 is the Wednesday of 2019-W11 (Monday 2019-03-11).
const fixture = hdr +
	"2019-W10,Bangkok,facebook,10,1000.50\n" +
	"2019-W10,Bangkok,line,5,200\n" +
	"2019-W10,Chonburi,facebook,3,0.25\n" +
	"2019-03-13,Bangkok,facebook,7,70\n" +
	"2019-W12,Sa Kaeo,telegram,4,4.75\n"

// counts returns the rows of complaint_stats and complaint_imports in a store.
func counts(t *testing.T, env *apptest.Env, cc string) (stats, imports int) {
	t.Helper()
	st, err := env.App.Stores.For(cc)
	if err != nil {
		t.Fatal(err)
	}
	st.DB.Raw(`SELECT count(*) FROM complaint_stats`).Scan(&stats)
	st.DB.Raw(`SELECT count(*) FROM complaint_imports`).Scan(&imports)
	return stats, imports
}

type weekSum struct {
	week       string
	complaints int64
	losses     string
}

func sums(tr *complaints.Trend) []weekSum {
	var out []weekSum
	for _, w := range tr.Weeks {
		out = append(out, weekSum{w.Label(), w.Complaints, complaints.FormatCents(w.Cents)})
	}
	return out
}

func TestImportThenTrends(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := complaints.New(env.App.Stores)
	sup, analyst := env.Actor(t, thSupervisor), env.Actor(t, thAnalyst)

	// An operation in the period, to be marked on the axis.
	st, _ := env.App.Stores.For("TH")
	if err := st.DB.Exec(`INSERT INTO operations (id, name, operation_date, lead_agency_id) VALUES (?, 'Op Rose', '2019-03-14', ?)`,
		uuid.NewString(), uuid.NewString()).Error; err != nil {
		t.Fatal(err)
	}

	rep, err := svc.Import(ctx, sup, "weekly.csv", []byte(fixture), true)
	if err != nil || rep.Rows != 5 || rep.Imported != 0 || len(rep.Errors) != 0 {
		t.Fatalf("dry run: %+v %v", rep, err)
	}
	if s, i := counts(t, env, "TH"); s != 0 || i != 0 {
		t.Fatalf("dry run stored %d rows, %d imports", s, i)
	}
	rep, err = svc.Import(ctx, analyst, "weekly.csv", []byte(fixture), false)
	if err != nil || rep.Imported != 5 || rep.ImportID == "" {
		t.Fatalf("import: %+v %v", rep, err)
	}

	w10, w12 := time.Date(2019, 3, 4, 0, 0, 0, 0, time.UTC), time.Date(2019, 3, 18, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name  string
		q     complaints.Query
		want  []weekSum
		total int64
		cents string
	}{
		{"all", complaints.Query{From: w10, To: w12},
			[]weekSum{{"2019-W10", 18, "1200.75"}, {"2019-W11", 7, "70.00"}, {"2019-W12", 4, "4.75"}}, 29, "1275.50"},
		{"province", complaints.Query{From: w10, To: w12, Province: "Bangkok"},
			[]weekSum{{"2019-W10", 15, "1200.50"}, {"2019-W11", 7, "70.00"}}, 22, "1270.50"},
		{"channel", complaints.Query{From: w10, To: w12, Channel: "facebook"},
			[]weekSum{{"2019-W10", 13, "1000.75"}, {"2019-W11", 7, "70.00"}}, 20, "1070.75"},
		{"one week", complaints.Query{From: w12, To: w12}, []weekSum{{"2019-W12", 4, "4.75"}}, 4, "4.75"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := svc.Trends(ctx, analyst, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := sums(tr); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("weeks %v, want %v", got, tt.want)
			}
			if tr.Complaints != tt.total || complaints.FormatCents(tr.Cents) != tt.cents {
				t.Errorf("total %d %s, want %d %s", tr.Complaints, complaints.FormatCents(tr.Cents), tt.total, tt.cents)
			}
		})
	}
	tr, _ := svc.Trends(ctx, analyst, complaints.Query{From: w10, To: w12})
	if len(tr.Operations) != 1 || tr.Operations[0].Name != "Op Rose" {
		t.Errorf("operations %+v, want Op Rose", tr.Operations)
	}
	// The default period ends at the latest week with figures.
	if tr, err := svc.Trends(ctx, analyst, complaints.Query{}); err != nil || !tr.To.Equal(w12) || len(tr.Weeks) != 3 {
		t.Errorf("default period: %+v %v", tr, err)
	}

	// A second import replaces the rows of the same key and adds the others.
	again := hdr + "2019-W10,Bangkok,facebook,12,1000.50\n2019-W13,Surin,sms,1,1\n"
	if rep, err := svc.Import(ctx, sup, "fix.csv", []byte(again), false); err != nil || rep.Imported != 2 {
		t.Fatalf("second import: %+v %v", rep, err)
	}
	tr, _ = svc.Trends(ctx, analyst, complaints.Query{From: w10, To: w12})
	if tr.Complaints != 31 || tr.Weeks[0].Complaints != 20 {
		t.Errorf("after the replacement: total %d, week 10 %d, want 31, 20", tr.Complaints, tr.Weeks[0].Complaints)
	}
	if s, i := counts(t, env, "TH"); s != 6 || i != 2 {
		t.Errorf("stored %d rows, %d imports, want 6, 2", s, i)
	}
	if h, err := svc.History(ctx, sup, 10); err != nil || len(h) != 2 || h[0].Filename != "fix.csv" || h[0].Rows != 2 {
		t.Errorf("history %+v %v", h, err)
	}
	// The other store has none of it.
	if tr, err := svc.Trends(ctx, env.Actor(t, khAnalyst), complaints.Query{From: w10, To: w12}); err != nil || len(tr.Weeks) != 0 {
		t.Errorf("KH store: %+v %v", tr, err)
	}
	// Audited, in the store.
	var n int
	st.DB.Raw(`SELECT count(*) FROM audit_log WHERE action = 'complaints.import'`).Scan(&n)
	if n != 2 {
		t.Errorf("complaints.import audit rows: %d, want 2", n)
	}
}

// TestBadFilesStoreNothing: each bad file, imported for real, stores nothing and records no import.
func TestBadFilesStoreNothing(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := complaints.New(env.App.Stores)
	sup := env.Actor(t, thSupervisor)
	good := "2026-W05,Bangkok,line,1,0\n"
	for name, file := range map[string]string{
		"negative count":            hdr + good + "2026-W06,Bangkok,line,-1,0\n",
		"week outside the calendar": hdr + good + "2026-W54,Bangkok,line,1,0\n",
		"date outside the calendar": hdr + good + "2025-02-30,Bangkok,line,1,0\n",
		"duplicate week+province":   hdr + good + "2026-01-30,Bangkok,line,3,0\n",
		"non-UTF-8":                 hdr + good + "2026-W06,B\xE4ngkok,line,1,0\n",
		"wrong header":              "week,province,complaints,losses\n2026-W05,Bangkok,1,0\n",
	} {
		rep, err := svc.Import(ctx, sup, "bad.csv", []byte(file), false)
		if err != nil || rep.Imported != 0 || len(rep.Errors) == 0 {
			t.Errorf("%s: %+v %v", name, rep, err)
		}
	}
	if s, i := counts(t, env, "TH"); s != 0 || i != 0 {
		t.Errorf("bad files stored %d rows, %d imports", s, i)
	}
	// No figures at all: the default period ends this week, and nothing is shown.
	if tr, err := svc.Trends(ctx, sup, complaints.Query{}); err != nil || len(tr.Weeks) != 0 || tr.To.Weekday() != time.Monday {
		t.Errorf("empty store: %+v %v", tr, err)
	}
	if _, err := svc.Trends(ctx, sup, complaints.Query{From: time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC),
		To: time.Date(2026, 1, 26, 0, 0, 0, 0, time.UTC)}); err == nil {
		t.Error("a period ending before it starts was accepted")
	}
}

// TestRefused: roles without the reports section, and importing without reports write, are not found.
func TestRefused(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := complaints.New(env.App.Stores)
	for _, email := range []string{"caseworker@th-msdhs-sakaeo.demo", "auditor@th-msdhs-sakaeo.demo",
		"embassy_officer@th-embassy-pnh.demo", "ngo_worker@ngo-kh-shelter.demo", "investigator@th-pct.demo"} {
		a := env.Actor(t, email)
		if _, err := svc.Import(ctx, a, "x.csv", []byte(fixture), false); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s import: %v, want not found", email, err)
		}
		if _, err := svc.Trends(ctx, a, complaints.Query{}); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s trends: %v, want not found", email, err)
		}
		if _, err := svc.History(ctx, a, 10); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s history: %v, want not found", email, err)
		}
	}
	if s, i := counts(t, env, "TH"); s != 0 || i != 0 {
		t.Errorf("refused imports stored %d rows, %d imports", s, i)
	}
}
