package auditlog_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/audit"
	"homeward/internal/auditlog"
	"homeward/internal/authz"
	"homeward/internal/problem"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const (
	thAuditor    = "auditor@th-msdhs-sakaeo.demo"
	khAuditor    = "auditor@kh-mosvy-poipet.demo"
	thWorker     = "caseworker@th-msdhs-sakaeo.demo"
	thSupervisor = "supervisor@th-msdhs-sakaeo.demo"
	khWorker     = "caseworker@kh-mosvy-poipet.demo"
)

// storeDB is the app-role pool of a country's store.
func storeDB(t *testing.T, env *apptest.Env, cc string) *gorm.DB {
	t.Helper()
	st, err := env.App.Stores.For(cc)
	if err != nil {
		t.Fatal(err)
	}
	return st.DB
}

// aCase returns the id, person id and reference of one case of a store.
func aCase(t *testing.T, env *apptest.Env, cc string) (id, personID, ref string) {
	t.Helper()
	var c struct{ ID, PersonID, Reference string }
	if err := storeDB(t, env, cc).Raw(`SELECT id, person_id, reference FROM cases ORDER BY reference LIMIT 1`).Scan(&c).Error; err != nil || c.ID == "" {
		t.Fatalf("no case in %s: %v", cc, err)
	}
	return c.ID, c.PersonID, c.Reference
}

// appendAt writes entries into a store's chain as if at the given time.
func appendAt(t *testing.T, env *apptest.Env, cc string, at time.Time, entries ...audit.Entry) {
	t.Helper()
	err := storeDB(t, env, cc).Transaction(func(tx *gorm.DB) error { return audit.AppendMany(tx, at, entries) })
	if err != nil {
		t.Fatal(err)
	}
}

func TestSearchFilters(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := env.App.Audit
	auditor, worker := env.Actor(t, thAuditor), env.Actor(t, thWorker)
	caseID, _, ref := aCase(t, env, "TH")
	if _, err := env.App.Cases.Get(ctx, worker, caseID); err != nil {
		t.Fatal(err)
	}

	t.Run("by case: the case's rows, with who and which agency", func(t *testing.T) {
		p, err := svc.Search(ctx, auditor, auditlog.Filter{Case: ref})
		if err != nil {
			t.Fatal(err)
		}
		if p.CaseID != caseID || len(p.Items) == 0 {
			t.Fatalf("case %s: %d rows, case id %q", ref, len(p.Items), p.CaseID)
		}
		var read bool
		for _, e := range p.Items {
			if e.CaseRef != ref {
				t.Errorf("row %d (%s %s) is not of case %s", e.ID, e.Action, e.EntityID, ref)
			}
			if e.Action == "case.read" && e.Actor != nil && e.Actor.Email == thWorker && e.Agency != nil && e.Agency.Slug == "th-msdhs-sakaeo" {
				read = true
			}
		}
		if !read {
			t.Errorf("the caseworker's read of %s is not listed with name, email and agency", ref)
		}
	})
	t.Run("by actor email and id, by action and prefix", func(t *testing.T) {
		for _, f := range []auditlog.Filter{{Actor: thWorker}, {Actor: strings.ToUpper(thWorker)}, {Actor: worker.UserID}} {
			p, err := svc.Search(ctx, auditor, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) == 0 {
				t.Errorf("%+v: no rows", f)
			}
			for _, e := range p.Items {
				if e.Actor == nil || e.Actor.ID != worker.UserID {
					t.Errorf("%+v: row %d by %+v", f, e.ID, e.Actor)
				}
			}
		}
		p, err := svc.Search(ctx, auditor, auditlog.Filter{Actor: "nobody@example.org"})
		if err != nil || len(p.Items) != 0 {
			t.Errorf("unknown email: %v, %d rows, want none", err, len(p.Items))
		}
		p, err = svc.Search(ctx, auditor, auditlog.Filter{Action: "case.", Limit: 200})
		if err != nil || len(p.Items) == 0 {
			t.Fatalf("prefix case.: %v, %d rows", err, len(p.Items))
		}
		for _, e := range p.Items {
			if !strings.HasPrefix(e.Action, "case.") {
				t.Errorf("prefix case.: row %s", e.Action)
			}
		}
	})
	t.Run("time range in the country's zone", func(t *testing.T) {
		old := time.Date(2020, 3, 4, 23, 30, 0, 0, auditlog.Zone("TH")) // 16:30 UTC
		appendAt(t, env, "TH", old, audit.ByActor(worker, audit.CaseRead, "case", caseID, nil))
		p, err := svc.Search(ctx, auditor, auditlog.Filter{From: "2020-03-04", To: "2020-03-04"})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 1 || !p.Items[0].At.Equal(old) {
			t.Fatalf("2020-03-04 in Bangkok: %+v, want the one row at %s", p.Items, old)
		}
		p, err = svc.Search(ctx, auditor, auditlog.Filter{From: "2020-03-05T00:00", To: "2020-03-06"})
		if err != nil || len(p.Items) != 0 {
			t.Errorf("the next day: %v, %d rows, want none", err, len(p.Items))
		}
	})
	t.Run("cursor pages without overlap", func(t *testing.T) {
		seen := map[int64]bool{}
		cursor, last := "", int64(1<<62)
		for page := 0; page < 4; page++ {
			p, err := svc.Search(ctx, auditor, auditlog.Filter{Limit: 5, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) != 5 || p.NextCursor == "" {
				t.Fatalf("page %d: %d rows, next %q", page, len(p.Items), p.NextCursor)
			}
			for _, e := range p.Items {
				if seen[e.ID] || e.ID >= last {
					t.Fatalf("page %d: row %d repeated or out of order", page, e.ID)
				}
				seen[e.ID], last = true, e.ID
			}
			cursor = p.NextCursor
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for _, c := range []struct {
			f     auditlog.Filter
			field string
		}{
			{auditlog.Filter{From: "yesterday"}, "from"},
			{auditlog.Filter{To: "2026-13-01"}, "to"},
			{auditlog.Filter{From: "2026-02-02", To: "2026-02-01"}, "to"},
			{auditlog.Filter{Action: "DROP TABLE"}, "action"},
			{auditlog.Filter{Cursor: "abc"}, "cursor"},
			{auditlog.Filter{Limit: 1000}, "limit"},
			{auditlog.Filter{Actor: strings.Repeat("a", 300)}, "actor"},
		} {
			_, err := svc.Search(ctx, auditor, c.f)
			inv, ok := problem.AsInvalid(err)
			if !ok || inv.Fields[c.field] == "" {
				t.Errorf("%+v: %v, want invalid %s", c.f, err, c.field)
			}
		}
	})
	t.Run("the search is audited", func(t *testing.T) {
		var n int64
		storeDB(t, env, "TH").Raw(`SELECT count(*) FROM audit_log WHERE action = ? AND entity = 'case' AND entity_id = ? AND actor_user_id = ?`,
			auditlog.ActionSearch.Name(), caseID, auditor.UserID).Scan(&n)
		if n == 0 {
			t.Error("no audit.search row for the search by case")
		}
	})
}

// TestIsolation: an auditor sees only their store; every other role sees nothing.
func TestIsolation(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := env.App.Audit
	_, _, khRef := aCase(t, env, "KH")
	khCaseID, _, _ := aCase(t, env, "KH")
	th := env.Actor(t, thAuditor)

	if _, err := svc.Search(ctx, th, auditlog.Filter{Case: khRef}); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("TH auditor, KH case reference: %v, want not found", err)
	}
	p, err := svc.Search(ctx, th, auditlog.Filter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range p.Items {
		if e.EntityID == khCaseID || (e.Agency != nil && strings.HasPrefix(e.Agency.Slug, "kh-")) {
			t.Errorf("TH auditor sees a KH row: %+v", e)
		}
	}
	for _, email := range []string{thWorker, thSupervisor, "analyst@th-msdhs-sakaeo.demo", "country_admin@th-msdhs-sakaeo.demo",
		"investigator@th-pct.demo", "embassy_officer@th-embassy-pnh.demo", "ngo_worker@ngo-kh-shelter.demo"} {
		a := env.Actor(t, email)
		if _, err := svc.Search(ctx, a, auditlog.Filter{}); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s: Search %v, want not found", email, err)
		}
		if _, err := svc.Unusual(ctx, a, auditlog.ReportQuery{}); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s: Unusual %v, want not found", email, err)
		}
		if _, err := svc.HubLog(ctx, a, "", 0); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s: HubLog %v, want not found", email, err)
		}
		if err := svc.StartVerify(ctx, a); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s: StartVerify %v, want not found", email, err)
		}
		if _, err := svc.Export(ctx, a, auditlog.Filter{}); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s: Export %v, want not found", email, err)
		}
	}
}
