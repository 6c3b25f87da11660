package dashboard_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/problem"
	"homeward/internal/screening"
)

// TestSummaryExactUnderConcurrency runs intakes, transitions, assignments and screenings in
// parallel, on distinct cases (all counted under the same few keys: one agency, one stage) and on
// the same cases (a screening recorded while the case is reassigned or moved), then checks the
// summary against the direct counts, and that the delta rows were folded back (no key left with
// more rows than there were writers).
func TestSummaryExactUnderConcurrency(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	th, _ := env.App.Stores.For("TH")
	w, sup := env.Actor(t, thWorker), env.Actor(t, thSupervisor)
	yes := func(context.Context, string, string) (bool, error) { return true, nil }
	sc := screening.New(env.App.Stores)
	const workers, perWorker = 8, 6

	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker*8)
	ids := make([][]string, workers)
	for g := range workers {
		wg.Go(func() {
			age := 25
			for i := range perWorker {
				r, err := env.App.Cases.Register(ctx, w, cases.IntakeInput{GivenName: fmt.Sprintf("Par%d", g), FamilyName: fmt.Sprintf("Case %d", i),
					Sex: "male", AgeEstimate: &age, Nationality: "KH"})
				if err != nil {
					errs <- fmt.Errorf("intake: %w", err)
					return
				}
				ids[g] = append(ids[g], r.Case.ID)
				c, err := env.App.Cases.Transition(ctx, w, r.Case.ID, cases.TransitionInput{To: cases.StageScreening, Version: r.Case.Version})
				if err != nil {
					errs <- fmt.Errorf("transition: %w", err)
					return
				}
				if i%2 == 0 {
					if _, err := env.App.Cases.Assign(ctx, sup, c.ID, cases.AssignInput{UserID: w.UserID, Version: c.Version}, yes); err != nil {
						errs <- fmt.Errorf("assign: %w", err)
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	checkSummary(t, th.DB, "parallel intakes, transitions and assignments")

	// The same cases from two sides at once: a screening recorded while the supervisor reassigns
	// the case or moves it back to reception (a stale version is a conflict, and retried).
	errs = make(chan error, workers*perWorker*2)
	for g := range workers {
		for i, id := range ids[g] {
			wg.Go(func() {
				// Refused (invalid) when the case left screening first.
				_, err := sc.RecordScreening(ctx, w, id, screening.Input{InterviewDate: "2025-06-20", Interviewer: "Malee S.", Language: "km"})
				var inv *problem.Invalid
				if err != nil && !errors.As(err, &inv) {
					errs <- fmt.Errorf("screening: %w", err)
				}
			})
			wg.Go(func() {
				for range 5 {
					v, err := env.App.Cases.Get(ctx, sup, id)
					if err != nil {
						errs <- err
						return
					}
					if i%2 == 0 {
						_, err = env.App.Cases.Assign(ctx, sup, id, cases.AssignInput{UserID: sup.UserID, Version: v.Case.Version}, yes)
					} else {
						_, err = env.App.Cases.Transition(ctx, sup, id, cases.TransitionInput{To: cases.StageReception, Version: v.Case.Version, Reason: "back"})
					}
					if !errors.Is(err, problem.ErrConflict) {
						if err != nil {
							errs <- fmt.Errorf("reassign or move: %w", err)
						}
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkSummary(t, th.DB, "screenings while reassigned or moved")

	var worst int
	if err := th.DB.Raw(`SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM dashboard_counts GROUP BY agency_id, user_id, item) k`).
		Scan(&worst).Error; err != nil {
		t.Fatal(err)
	}
	if worst > 2*workers {
		t.Errorf("a key holds %d delta rows after %d writers", worst, 2*workers)
	}
}
