package handover_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
	"time"

	"homeward/internal/app"
	"homeward/internal/apptest"
	"homeward/internal/config"
	"homeward/internal/handover"
	"homeward/internal/handover/handovertest"
)

// envSoakConfig carries the parent's configuration to the soak's child process.
const envSoakConfig = "HOMEWARD_SOAK_CONFIG"

// TestHelperSoakChild is the child process of BenchmarkRandomKillSoak, not a test of its own: run
// with HOMEWARD_SOAK_CONFIG set, it takes batches through their whole life on the parent's
// databases until it is killed. Without it, it returns at once.
func TestHelperSoakChild(t *testing.T) {
	raw := os.Getenv(envSoakConfig)
	if raw == "" {
		return
	}
	var cfg config.Config
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	env := &apptest.Env{App: a, Cfg: cfg}
	svc := service(env)
	cw, sup, thSup := env.Actor(t, khWorker), env.Actor(t, khSupervisor), env.Actor(t, thSupervisor)
	for {
		ids := handovertest.Ready(t, env, khWorker, khSupervisor, "TH", 2)
		b, err := svc.Create(ctx, cw, batchInput(ids))
		if err != nil {
			continue
		}
		if b, err = svc.Approve(ctx, sup, b.ID, b.Version); err != nil {
			continue
		}
		in := handover.AcceptInput{Accept: []string{b.Persons[0].PacketID}, ReceivingOfficials: "Somsak P.",
			Decline: []handover.Decline{{ID: b.Persons[1].PacketID, Reason: "not this one"}}}
		_, _ = svc.Accept(ctx, thSup, b.ID, in)
		_, _ = a.Exchange.Sync(ctx, "KH")
	}
}

// BenchmarkRandomKillSoak kills a child process taking handover batches through their life at
// random moments (0.5–6 s after its start), for 2 minutes; after each kill it "restarts" (the relay
// runs to quiescence, the stores sync) and checks the invariants of docs/packets.md over every
// packet (soakInvariants). It reports the kills survived.
func BenchmarkRandomKillSoak(b *testing.B) {
	env := apptest.New(b)
	raw, err := json.Marshal(env.Cfg)
	if err != nil {
		b.Fatal(err)
	}
	end := time.Now().Add(2 * time.Minute)
	kills := 0
	for time.Now().Before(end) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSoakChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), envSoakConfig+"="+string(raw))
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		time.Sleep(500*time.Millisecond + rand.N(5500*time.Millisecond))
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		kills++
		soakRestart(b, env)
		soakInvariants(b, env)
	}
	b.ReportMetric(float64(kills), "kills")
	var st []struct {
		Status string
		N      int
	}
	if err := env.App.Hub.Raw(`SELECT status, count(*) AS n FROM packets WHERE kind = 'handover' GROUP BY status`).Scan(&st).Error; err != nil {
		b.Fatal(err)
	}
	for _, s := range st {
		b.ReportMetric(float64(s.N), s.Status+"-packets")
	}
}

// soakRestart is a restarted process's worker: every outbox delivered, both stores synced.
func soakRestart(b *testing.B, env *apptest.Env) {
	b.Helper()
	ctx := context.Background()
	for _, db := range []string{"hub", "TH", "KH"} {
		q := env.App.Hub
		if db != "hub" {
			st, _ := env.App.Stores.For(db)
			q = st.DB
		}
		if err := q.Exec(`UPDATE outbox SET next_at = now() - interval '1 day' WHERE done_at IS NULL`).Error; err != nil {
			b.Fatal(err)
		}
	}
	if err := env.App.Exchange.RelayAll(ctx); err != nil {
		b.Fatal(err)
	}
	for _, cc := range []string{"KH", "TH"} {
		if _, err := env.App.Exchange.Sync(ctx, cc); err != nil {
			b.Fatal(err)
		}
	}
}
