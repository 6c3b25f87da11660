package cases_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
)

// TestListSearchPlans checks that a search gives the same pages whichever way it reads them: the
// newest cases first (a window wide enough for the page), or the matching persons first through
// the trigram and blind indexes (a window of one case, so the page never fills from it). Names in
// Latin, Thai and Khmer script, whole and partial, aliases, document numbers as typed, filters,
// a scope that sees a few cases only (police), short texts and texts that match nothing; every
// page of three, followed by its cursor, against the same search read without the indexes.
func TestListSearchPlans(t *testing.T) {
	env := newSearchEnv(t)
	ctx := context.Background()
	worker, police := env.Actor(t, thWorker), env.Actor(t, thPolice)
	doc := searchFixture(t, env, worker)
	queries := []struct {
		name string
		a    *authz.Actor
		q    cases.ListQuery
	}{
		{"latin given", worker, cases.ListQuery{Q: "Dara"}},
		{"latin partial", worker, cases.ListQuery{Q: "okh"}},
		{"latin full name", worker, cases.ListQuery{Q: "sokha chan"}},
		{"khmer given", worker, cases.ListQuery{Q: "សុខា"}},
		{"khmer family", worker, cases.ListQuery{Q: "ចាន់"}},
		{"khmer partial", worker, cases.ListQuery{Q: "ុខ"}},
		{"thai given", worker, cases.ListQuery{Q: "สมชาย"}},
		{"thai partial", worker, cases.ListQuery{Q: "มชา"}},
		{"alias", worker, cases.ListQuery{Q: "planalias"}},
		{"document as typed", worker, cases.ListQuery{Q: doc}},
		{"with filters", worker, cases.ListQuery{Q: "sokha", Stage: cases.StageReception, Nationality: "KH"}},
		{"police scope", police, cases.ListQuery{Q: "sokha"}},
		{"two letters", worker, cases.ListQuery{Q: "so"}},
		{"nothing", worker, cases.ListQuery{Q: "zzqxw"}},
	}
	for _, tt := range queries {
		t.Run(tt.name, func(t *testing.T) {
			want := allPages(t, env.App.Cases, tt.a, tt.q, readWide)
			if tt.name != "nothing" && len(want) == 0 {
				t.Fatalf("%q finds nothing: the fixture does not test it", tt.q.Q)
			}
			for _, way := range readingWays {
				got := allPages(t, env.App.Cases, tt.a, tt.q, way)
				if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
					t.Errorf("%+v (-wide +got):\n%s", way, d)
				}
			}
		})
	}
	// The index path against an oracle: the same match written out over every case in scope.
	st := thStore(t, env)
	for _, q := range []string{"sokha", "ចាន់", "สมชาย", "planalias"} {
		var want []string
		like := "%" + q + "%"
		err := st.DB.Raw(`SELECT c.id FROM cases c JOIN persons p ON p.id = c.person_id
			WHERE (c.owner_agency_id = ? OR EXISTS (SELECT 1 FROM case_team t WHERE t.case_id = c.id AND t.agency_id = ?))
			  AND (lower(p.given_name || ' ' || p.family_name) LIKE ? OR lower(array_to_string(p.aliases, ' ')) LIKE ?)
			ORDER BY c.updated_at DESC, c.id DESC`, worker.AgencyID, worker.AgencyID, like, like).Scan(&want).Error
		if err != nil {
			t.Fatal(err)
		}
		for _, way := range readingWays {
			if got := allPages(t, env.App.Cases, worker, cases.ListQuery{Q: q}, way); !cmp.Equal(want, got) {
				t.Errorf("%q %+v: got %d cases, the oracle %d:\n%s", q, way, len(got), len(want), cmp.Diff(want, got))
			}
		}
	}
	_ = ctx
}

// readingWay is one way of reading a search page: the newest window cases first (then the hits),
// and the ordered way through case_search when the pattern matches at most texts distinct texts.
type readingWay struct{ window, texts int }

var (
	// readWide reads the newest cases first, always wide enough: the plain query's pages.
	readWide = readingWay{window: 1_000_000, texts: -1}
	// readingWays: the hits (a window of one or three cases, so the page never fills from it), and
	// the ordered way (any count of texts).
	readingWays = []readingWay{{window: 1, texts: -1}, {window: 3, texts: -1}, {window: 1, texts: 1_000_000}}
)

// allPages reads every page of three of q the way given.
func allPages(t *testing.T, s *cases.Service, a *authz.Actor, q cases.ListQuery, way readingWay) []string {
	t.Helper()
	defer cases.SetSearchWindow(way.window)()
	defer cases.SetSearchTexts(way.texts)()
	var out []string
	q.Limit = 3
	for range 1000 {
		page, err := s.List(context.Background(), a, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items { // in page order (ids sorts)
			out = append(out, it.ID)
		}
		if page.NextCursor == "" {
			return out
		}
		q.Cursor = page.NextCursor
	}
	t.Fatal("more than 1000 pages")
	return nil
}

// newSearchEnv is a demo environment.
func newSearchEnv(t *testing.T) *apptest.Env {
	t.Helper()
	return apptest.New(t)
}

// searchFixture registers 36 persons named in three scripts, a quarter by the police, some with an
// alias, one with a document; it returns that document's number as a person would type it.
func searchFixture(t *testing.T, env *apptest.Env, worker *authz.Actor) string {
	t.Helper()
	ctx := context.Background()
	police := env.Actor(t, thPolice)
	given := []string{"Sokha", "Dara", "សុខា", "ដារ៉ា", "สมชาย", "Sokhom"}
	family := []string{"Chan", "ចាន់", "ใจดี", "Sokhan", "Meas", "សុខ"}
	age := 30
	for i := range 36 {
		in := cases.IntakeInput{GivenName: given[i%6], FamilyName: family[(i/6)%6], Sex: "female", AgeEstimate: &age, Nationality: "KH"}
		if i%5 == 0 {
			in.Aliases = []string{"Planalias " + given[i%6]}
		}
		if i == 6 {
			in.DocumentNumber = "N 7788-990"
		}
		a := worker
		if i%4 == 3 {
			a = police
		}
		if _, _, err := env.App.Cases.Intake(ctx, a, in); err != nil {
			t.Fatal(err)
		}
	}
	return "n7788 990"
}
