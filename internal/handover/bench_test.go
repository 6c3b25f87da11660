package handover_test

import (
	"context"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/handover"
	"homeward/internal/handover/handovertest"
)

// BenchmarkHandover200 runs a batch of 200 persons end to end: prepare, approve, the receiving
// supervisor opens and accepts all (200 new cases in the TH store), and the answers are synced back
// to the KH store (200 cases moved to handover). Target: under 3 s.
func BenchmarkHandover200(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	svc := service(env)
	cw, sup, thSup := env.Actor(b, khWorker), env.Actor(b, khSupervisor), env.Actor(b, thSupervisor)
	var total time.Duration
	phases := make([]time.Duration, 5) // create, approve, open, accept, sync
	mark := func(i int, since time.Time) time.Time { phases[i] += time.Since(since); return time.Now() }
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ids := handovertest.Ready(b, env, khWorker, khSupervisor, "TH", 200)
		b.StartTimer()
		start := time.Now()
		bt, err := svc.Create(ctx, cw, batchInput(ids))
		if err != nil {
			b.Fatal(err)
		}
		t := mark(0, start)
		if bt, err = svc.Approve(ctx, sup, bt.ID, bt.Version); err != nil {
			b.Fatal(err)
		}
		t = mark(1, t)
		rb, err := svc.Get(ctx, thSup, bt.ID)
		if err != nil {
			b.Fatal(err)
		}
		t = mark(2, t)
		in := handover.AcceptInput{ReceivingOfficials: "Somsak P."}
		for _, p := range rb.Persons {
			in.Accept = append(in.Accept, p.PacketID)
		}
		if _, err := svc.Accept(ctx, thSup, bt.ID, in); err != nil {
			b.Fatal(err)
		}
		t = mark(3, t)
		kb, err := svc.Get(ctx, sup, bt.ID)
		if err != nil {
			b.Fatal(err)
		}
		mark(4, t)
		total += time.Since(start)
		b.StopTimer()
		for _, p := range kb.Persons {
			if p.Status != handover.PersonAccepted {
				b.Fatalf("person %d not handed over: %s", p.Position, p.Status)
			}
		}
		b.StartTimer()
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/batch")
	for i, name := range []string{"create", "approve", "open", "accept", "sync"} {
		b.ReportMetric(phases[i].Seconds()/float64(b.N), "s/"+name)
	}
}
