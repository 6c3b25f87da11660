package handover_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/exchange"
	"homeward/internal/failpoint"
	"homeward/internal/handover"
	"homeward/internal/handover/handovertest"
)

// crashRun is the life of three handover batches from the KH store to the TH welfare agency, every
// step of the exchange taken once: batch A (three persons) is created, approved, one packet opened,
// two accepted and one declined, a note replied, the answers synced to KH; batch B's packet is
// revoked; batch C is approved and expires.
type crashRun struct {
	env        *apptest.Env
	ctx        context.Context
	a, b, c    *handover.Batch
	crashed    bool
	crashPoint string
	crashStep  string
}

// step runs one step: armed at the crash step, the named failpoint aborts it after its commit
// (the process "dies" there); the run then "restarts": the relay runs to quiescence.
func (r *crashRun) step(t *testing.T, name string, f func() error) {
	t.Helper()
	disarm := func() {}
	if name == r.crashStep {
		disarm = failpoint.Arm(r.crashPoint, failpoint.Abort)
	}
	err := f()
	disarm()
	if name == r.crashStep {
		// A crash in the relay loses the request's answer too: whatever it said does not matter.
		if err != nil && !errors.Is(err, failpoint.ErrCrash) && r.crashPoint != exchange.FailRelayApplied {
			t.Fatalf("%s: %v", name, err)
		}
		r.crashed = err != nil || r.crashPoint == exchange.FailRelayApplied
		r.restart(t)
		return
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// restart lets the relay of every database run until nothing is left (a restarted process's worker).
func (r *crashRun) restart(t *testing.T) {
	t.Helper()
	if err := r.env.App.Hub.Exec(`UPDATE outbox SET next_at = now() - interval '1 day' WHERE done_at IS NULL`).Error; err != nil {
		t.Fatal(err)
	}
	for _, cc := range []string{"TH", "KH"} {
		st, _ := r.env.App.Stores.For(cc)
		if err := st.DB.Exec(`UPDATE outbox SET next_at = now() - interval '1 day' WHERE done_at IS NULL`).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := r.env.App.Exchange.RelayAll(r.ctx); err != nil {
		t.Fatalf("relay after the crash: %v", err)
	}
}

func (r *crashRun) run(t *testing.T) {
	env, ctx, svc, x := r.env, r.ctx, service(r.env), r.env.App.Exchange
	ids := handovertest.Ready(t, env, khWorker, khSupervisor, "TH", 5)
	cw, sup, thSup := env.Actor(t, khWorker), env.Actor(t, khSupervisor), env.Actor(t, thSupervisor)
	var err error
	r.step(t, "create", func() error { r.a, err = svc.Create(ctx, cw, batchInput(ids[:3])); return err })
	r.a = r.batch(t)
	r.step(t, "approve", func() error { _, err = svc.Approve(ctx, sup, r.a.ID, r.a.Version); return err })
	p := r.packets(t, r.a.ID)
	r.step(t, "open", func() error { _, err = x.Open(ctx, thSup, p[0]); return err })
	in := handover.AcceptInput{Accept: []string{p[0], p[1]}, ReceivingOfficials: "Somsak P., MSDHS",
		Decline: []handover.Decline{{ID: p[2], Reason: "Family tracing not complete"}}}
	r.step(t, "answer", func() error { _, err = svc.Accept(ctx, thSup, r.a.ID, in); return err })
	r.step(t, "reply", func() error {
		_, err = x.Reply(ctx, thSup, p[0], exchange.Payload{"note": "Arrived at the shelter"})
		return err
	})
	r.step(t, "sync", func() error { _, err = x.Sync(ctx, "KH"); return err })
	b, err := svc.Create(ctx, cw, batchInput(ids[3:4]))
	if err != nil {
		t.Fatal(err)
	}
	r.b = b
	r.step(t, "revoke", func() error { _, err = x.Revoke(ctx, cw, r.packets(t, b.ID)[0], "sent by mistake"); return err })
	c, err := svc.Create(ctx, cw, batchInput(ids[4:5]))
	if err != nil {
		t.Fatal(err)
	}
	if r.c, err = svc.Approve(ctx, sup, c.ID, c.Version); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(400 * 24 * time.Hour)
	x.WithClock(func() time.Time { return later })
	r.step(t, "expire", func() error { _, err = x.Expire(ctx); return err })
	x.WithClock(time.Now)
	r.restart(t)
	if _, err := x.Sync(ctx, "KH"); err != nil {
		t.Fatal(err)
	}
}

// batch reloads batch A as the sender sees it (after a crash the call returned no batch).
func (r *crashRun) batch(t *testing.T) *handover.Batch {
	t.Helper()
	var id string
	if err := r.env.App.Hub.Raw(`SELECT id FROM handover_batches ORDER BY created_at DESC LIMIT 1`).Scan(&id).Error; err != nil || id == "" {
		t.Fatalf("batch A is not in the hub after the relay: %v", err)
	}
	b, err := service(r.env).Get(r.ctx, r.env.Actor(t, khWorker), id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (r *crashRun) packets(t *testing.T, batchID string) []string {
	t.Helper()
	var ids []string
	if err := r.env.App.Hub.Raw(`SELECT packet_id FROM handover_batch_packets WHERE batch_id = ? ORDER BY position`, batchID).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestCrashAtEveryFailpoint crashes each step of a batch's life at its failpoint, restarts (the
// relay runs to quiescence) and checks the invariants of docs/packets.md (checkInvariants).
func TestCrashAtEveryFailpoint(t *testing.T) {
	cases := []struct{ point, step string }{
		{exchange.FailPrepare, "create"},
		{exchange.FailApprove, "approve"},
		{exchange.FailOpen, "open"},
		{exchange.FailDecide, "answer"},
		{exchange.FailReply, "reply"},
		{exchange.FailSync, "sync"},
		{exchange.FailRevoke, "revoke"},
		{exchange.FailExpire, "expire"},
		{exchange.FailRelayApplied, "create"},
		{exchange.FailRelayApplied, "approve"},
		{exchange.FailRelayApplied, "open"},
		{exchange.FailRelayApplied, "answer"},
		{exchange.FailRelayApplied, "revoke"},
	}
	tested := map[string]bool{}
	for _, tc := range cases {
		tested[tc.point] = true
		t.Run(tc.point+"@"+tc.step, func(t *testing.T) {
			r := &crashRun{env: apptest.New(t), ctx: context.Background(), crashPoint: tc.point, crashStep: tc.step}
			r.run(t)
			if !r.crashed {
				t.Fatalf("the failpoint %s was not reached at %s", tc.point, tc.step)
			}
			checkInvariants(t, r)
		})
	}
	for _, n := range failpoint.Names() {
		if !tested[n] {
			t.Errorf("failpoint %s has no crash test", n)
		}
	}
}
