package jobs_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/jobs"
	"homeward/internal/problem"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// fast are short periods for tests.
var fast = jobs.Intervals{Relay: time.Second, Seal: time.Second, Anchor: time.Second, Expire: time.Second, Sync: time.Second}

// newRunner builds a runner over the env's databases on pools of its own, as a second server
// process would; pools and clients end with the test.
func newRunner(t *testing.T, env *apptest.Env, opt jobs.Options, onRun ...func(string, error)) *jobs.Runner {
	t.Helper()
	w := jobs.Work{Exchange: env.App.Exchange, Sealer: env.App.Sealer}
	if len(onRun) > 0 {
		w.OnRun = onRun[0]
	}
	return newRunnerWith(t, env, opt, w)
}

// newRunnerWith is newRunner with the work w.
func newRunnerWith(t *testing.T, env *apptest.Env, opt jobs.Options, w jobs.Work) *jobs.Runner {
	t.Helper()
	dsns := map[string]string{jobs.HubName: env.Cfg.HubDSN}
	for cc, dsn := range env.Cfg.StoreDSNs {
		dsns[cc] = dsn
	}
	var dbs []jobs.Database
	for name, dsn := range dsns {
		pool, err := pgxpool.New(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		dbs = append(dbs, jobs.Database{Name: name, Pool: pool})
	}
	r, err := jobs.New(dbs, w, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Stop(context.Background()); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return r
}

func countJobs(t *testing.T, env *apptest.Env, cc, where string, args ...any) int {
	t.Helper()
	st, err := env.App.Stores.For(cc)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := st.DB.Raw(`SELECT count(*) FROM river_job WHERE `+where, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// A job that fails is retried after a backoff, then discarded and listed to the country's admin,
// with its error and attempts; to no one else.
func TestFailedJobIsRetriedThenListed(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	var mu sync.Mutex
	runs := map[string]int{} // kind/ok or kind/error, as the metrics count them
	r := newRunner(t, env, jobs.Options{Intervals: fast, MaxAttempts: 2}, func(kind string, err error) {
		mu.Lock()
		defer mu.Unlock()
		runs[kind+"/"+map[bool]string{true: "ok", false: "error"}[err == nil]]++
	})
	// A relay of a database this process does not serve fails at every attempt.
	res, err := r.Enqueue(ctx, "TH", jobs.RelayArgs{DB: "ZZ"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(40 * time.Second)
	for countJobs(t, env, "TH", `id = ? AND state = 'discarded'`, res.Job.ID) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("job %d not discarded after 40 s", res.Job.ID)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Two attempts, at least the first backoff apart.
	if n := countJobs(t, env, "TH", `id = ? AND attempt = 2 AND array_length(errors, 1) = 2
AND (errors[2]->>'at')::timestamptz - (errors[1]->>'at')::timestamptz >= interval '1 second'`, res.Job.ID); n != 1 {
		t.Fatalf("job %d: want 2 attempts at least 1 s apart", res.Job.ID)
	}

	// The periodic seal runs beside it (and may come after the discard on a busy machine).
	sealed := func() bool { mu.Lock(); defer mu.Unlock(); return runs["audit_seal/ok"] > 0 }
	for deadline := time.Now().Add(30 * time.Second); !sealed() && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
	}
	mu.Lock()
	if runs["relay/error"] < 2 || runs["audit_seal/ok"] == 0 {
		t.Errorf("runs reported: %v", runs)
	}
	mu.Unlock()

	f := jobs.NewFailures(env.App.Stores)
	admin := env.Actor(t, "country_admin@th-msdhs-sakaeo.demo")
	page, err := f.Failed(ctx, admin, jobs.FailedQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var got *jobs.FailedJob
	for i := range page.Items {
		if page.Items[i].ID == res.Job.ID {
			got = &page.Items[i]
		}
	}
	if got == nil {
		t.Fatalf("job %d not listed: %+v", res.Job.ID, page.Items)
	}
	if got.Kind != "relay" || got.State != jobs.StateDiscarded || got.Attempt != 2 || got.MaxAttempts != 2 ||
		!strings.Contains(got.Error, "no store") || got.At.IsZero() {
		t.Errorf("listed %+v", *got)
	}

	refused := map[string]jobs.FailedQuery{
		"country_admin@kh-mosvy-poipet.demo":  {Country: "TH"}, // another country's admin
		"caseworker@th-msdhs-sakaeo.demo":     {},              // not an admin
		"supervisor@th-msdhs-sakaeo.demo":     {Country: "TH"},
		"embassy_officer@kh-embassy-bkk.demo": {},
	}
	for email, q := range refused {
		if _, err := f.Failed(ctx, env.Actor(t, email), q); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s: got %v, want not found", email, err)
		}
	}
	// The KH admin sees KH's jobs only: none failed there.
	kh, err := f.Failed(ctx, env.Actor(t, "country_admin@kh-mosvy-poipet.demo"), jobs.FailedQuery{})
	if err != nil || kh.Country != "KH" {
		t.Fatalf("KH page %+v, %v", kh, err)
	}
	for _, j := range kh.Items {
		if j.Kind == "relay" && strings.Contains(j.Error, "no store") {
			t.Errorf("the KH admin sees TH's job %+v", j)
		}
	}
	if _, err := f.Failed(ctx, admin, jobs.FailedQuery{Cursor: "x"}); err == nil {
		t.Error("a bad cursor is accepted")
	} else if inv, ok := problem.AsInvalid(err); !ok || inv.Fields["cursor"] == "" {
		t.Errorf("bad cursor: %v", err)
	}
}

// Two server processes (two runners on their own pools) enqueue a job of one kind, arguments and
// period once; started together, they do not duplicate the periodic jobs either.
func TestUniqueJobsWithTwoClients(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	// Uniqueness is per period: with the fast one-second sync period, the two inserts below fell
	// on each side of a second's boundary on a loaded CI machine. An hour's period holds them both.
	iv := fast
	iv.Sync = time.Hour
	opt := jobs.Options{Intervals: iv}
	a, b := newRunner(t, env, opt), newRunner(t, env, opt)
	first, err := a.Enqueue(ctx, "KH", jobs.SyncArgs{DB: "KH"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.Enqueue(ctx, "KH", jobs.SyncArgs{DB: "KH"})
	if err != nil {
		t.Fatal(err)
	}
	if first.UniqueSkippedAsDuplicate || !second.UniqueSkippedAsDuplicate || first.Job.ID != second.Job.ID {
		t.Fatalf("first %d (skipped %v), second %d (skipped %v): want one job", first.Job.ID,
			first.UniqueSkippedAsDuplicate, second.Job.ID, second.UniqueSkippedAsDuplicate)
	}
	if n := countJobs(t, env, "KH", `kind = 'store_sync'`); n != 1 {
		t.Fatalf("%d sync jobs, want 1", n)
	}

	start := time.Now()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * time.Second)
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	periods := int(time.Since(start)/fast.Seal) + 1
	n := countJobs(t, env, "TH", `kind = 'audit_seal'`)
	if n == 0 || n > periods+1 {
		t.Errorf("%d seal jobs of TH in %d periods: want one a period", n, periods)
	}
	if left := countJobs(t, env, "TH", `kind = 'audit_seal' AND state IN ('discarded', 'retryable')`); left != 0 {
		t.Errorf("%d seal jobs failed", left)
	}
	if n := countJobs(t, env, "TH", `kind = 'audit_seal' AND state = 'completed'`); n == 0 {
		t.Error("no seal job completed")
	}
}
