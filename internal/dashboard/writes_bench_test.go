package dashboard_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/testdb"
)

// summaryTriggers are the triggers of migration 00025 on the tables a case's intake and
// transitions write.
var summaryTriggers = []string{"cases_dashboard_ins ON cases", "cases_dashboard_upd ON cases", "cases_dashboard_del ON cases"}

// BenchmarkParallelCaseWrites measures what keeping the dashboard summary costs the writers: 8
// clients at once each take in a case, move it to screening and assign it (all of
// them counted under the same agency, user and stage keys), with the summary triggers and without
// them. ns/op is per case (an intake, a transition and an assignment).
func BenchmarkParallelCaseWrites(b *testing.B) {
	for _, withSummary := range []bool{true, false} {
		b.Run(fmt.Sprintf("summary=%v", withSummary), func(b *testing.B) {
			env := apptest.New(b)
			ctx := context.Background()
			w, sup := env.Actor(b, thWorker), env.Actor(b, thSupervisor)
			yes := func(context.Context, string, string) (bool, error) { return true, nil }
			if !withSummary {
				for _, tr := range summaryTriggers {
					testdb.Exec(b, env.Databases["TH"], "ALTER TABLE cases DISABLE TRIGGER "+tr[:len(tr)-len(" ON cases")])
				}
			}
			var n atomic.Int64
			b.SetParallelism(4) // 4 × GOMAXPROCS (2 here): 8 clients
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				age := 30
				for pb.Next() {
					i := n.Add(1)
					r, err := env.App.Cases.Register(ctx, w, cases.IntakeInput{GivenName: "Parallel", FamilyName: fmt.Sprintf("Writer %d", i),
						Sex: "female", AgeEstimate: &age, Nationality: "KH"})
					if err != nil {
						b.Error(err)
						return
					}
					c, err := env.App.Cases.Transition(ctx, w, r.Case.ID, cases.TransitionInput{To: cases.StageScreening, Version: r.Case.Version})
					if err == nil {
						_, err = env.App.Cases.Assign(ctx, sup, c.ID, cases.AssignInput{UserID: w.UserID, Version: c.Version}, yes)
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			if withSummary {
				st, _ := env.App.Stores.For("TH")
				checkSummary(b, st.DB, "after the parallel writers")
			}
		})
	}
}
