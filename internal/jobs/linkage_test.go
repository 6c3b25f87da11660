package jobs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/jobs"
)

// linkageCounts is what record linkage left to do in a store, and what the hub holds of it.
type linkageCounts struct {
	unencoded, unpublished, encoded, inHub int
}

func linkageState(t *testing.T, env *apptest.Env, cc string) linkageCounts {
	t.Helper()
	st, err := env.App.Stores.For(cc)
	if err != nil {
		t.Fatal(err)
	}
	var c linkageCounts
	for _, q := range []struct {
		dst *int
		sql string
	}{
		{&c.unencoded, `SELECT count(*) FROM persons p WHERE p.merged_into IS NULL
AND NOT EXISTS (SELECT 1 FROM person_linkage l WHERE l.person_id = p.id)`},
		{&c.unpublished, `SELECT count(*) FROM person_linkage WHERE published < generation`},
		{&c.encoded, `SELECT count(*) FROM person_linkage WHERE encoding IS NOT NULL`},
	} {
		if err := st.DB.Raw(q.sql).Scan(q.dst).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := env.App.Hub.Raw(`SELECT count(*) FROM linkage_encodings WHERE country = ?`, cc).Scan(&c.inHub).Error; err != nil {
		t.Fatal(err)
	}
	return c
}

// TestLinkageJobs: record linkage's encode and publish run as River jobs in each store. Two
// server processes (two runners) together encode a person the store had no encoding for and
// publish every changed encoding to the hub; each kind is enqueued once a period however many
// runners; a linkage job that fails is retried, then listed to the country's admin.
func TestLinkageJobs(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	th, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatal(err)
	}
	// One person loses their encoding (as after a COPY), every other encoding waits to be published.
	if err := th.DB.Exec(`DELETE FROM person_linkage WHERE person_id = (SELECT id FROM persons WHERE merged_into IS NULL ORDER BY id LIMIT 1)`).Error; err != nil {
		t.Fatal(err)
	}
	if err := th.DB.Exec(`UPDATE person_linkage SET published = 0`).Error; err != nil {
		t.Fatal(err)
	}
	before := linkageState(t, env, "TH")
	if before.unencoded == 0 || before.unpublished == 0 {
		t.Fatalf("TH before the jobs: %+v; want a person to encode and encodings to publish", before)
	}
	iv := fast
	iv.Publish, iv.Encode = time.Second, 2*time.Second
	opt := jobs.Options{Intervals: iv, MaxAttempts: 2}
	w := jobs.Work{Exchange: env.App.Exchange, Sealer: env.App.Sealer, Linkage: env.App.Linkage}
	a, b := newRunnerWith(t, env, opt, w), newRunnerWith(t, env, opt, w)
	// A publish of a store no process serves fails at every attempt.
	bad, err := a.Enqueue(ctx, "TH", jobs.LinkagePublishArgs{DB: "ZZ"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for _, r := range []*jobs.Runner{a, b} {
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var now linkageCounts
	for deadline := time.Now().Add(40 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		now = linkageState(t, env, "TH")
		if now.unencoded == 0 && now.unpublished == 0 && now.inHub == now.encoded &&
			countJobs(t, env, "TH", `id = ? AND state = 'discarded'`, bad.Job.ID) == 1 && everyStoreRan(t, env) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("TH after 40 s of linkage jobs: %+v (before %+v); failing job discarded: %d", now, before,
				countJobs(t, env, "TH", `id = ? AND state = 'discarded'`, bad.Job.ID))
		}
	}
	for _, r := range []*jobs.Runner{a, b} {
		if err := r.Stop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if now.encoded == 0 {
		t.Fatal("no encoding in TH")
	}
	elapsed := time.Since(start)
	for _, k := range []struct {
		kind   string
		period time.Duration
	}{{"linkage_publish", iv.Publish}, {"linkage_encode", iv.Encode}} {
		for _, cc := range []string{"TH", "KH"} {
			n := countJobs(t, env, cc, `kind = ? AND args->>'db' = ?`, k.kind, cc)
			if periods := int(elapsed/k.period) + 1; n == 0 || n > periods+1 {
				t.Errorf("%s: %d %s jobs in %d periods with two runners: want one a period", cc, n, k.kind, periods)
			}
			if c := countJobs(t, env, cc, `kind = ? AND args->>'db' = ? AND state = 'completed'`, k.kind, cc); c == 0 {
				t.Errorf("%s: no %s job completed", cc, k.kind)
			}
			if f := countJobs(t, env, cc, `kind = ? AND args->>'db' = ? AND state IN ('discarded', 'retryable')`, k.kind, cc); f != 0 {
				t.Errorf("%s: %d %s jobs failed", cc, f, k.kind)
			}
		}
	}
	page, err := jobs.NewFailures(env.App.Stores).Failed(ctx, env.Actor(t, "country_admin@th-msdhs-sakaeo.demo"), jobs.FailedQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var listed bool
	for _, j := range page.Items {
		if j.ID == bad.Job.ID {
			listed = j.Kind == "linkage_publish" && j.State == jobs.StateDiscarded && j.Attempt == 2 && strings.Contains(j.Error, "no store")
			if !listed {
				t.Errorf("listed %+v", j)
			}
		}
	}
	if !listed {
		t.Errorf("the failed linkage job %d is not on the TH admin's list: %+v", bad.Job.ID, page.Items)
	}
}

// everyStoreRan tells whether each store has completed a publish and an encode job: each store's
// runners elect their leader on their own, so KH may start its periodic jobs after TH is done.
func everyStoreRan(t *testing.T, env *apptest.Env) bool {
	for _, cc := range []string{"TH", "KH"} {
		for _, kind := range []string{"linkage_publish", "linkage_encode"} {
			if countJobs(t, env, cc, `kind = ? AND args->>'db' = ? AND state = 'completed'`, kind, cc) == 0 {
				return false
			}
		}
	}
	return true
}
