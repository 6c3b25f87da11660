package handover_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/handover"
	"homeward/internal/problem"
)

// seedBatches inserts n batch envelopes from one agency to another straight into the hub (no
// persons: the list reads only the envelopes), one second apart and newest last, every fifth sharing
// its time with the one before (the id breaks the tie). It returns their ids.
func seedBatches(tb testing.TB, env *apptest.Env, from, to *authz.Actor, status string, n int, start time.Time) []string {
	tb.Helper()
	ids := make([]string, n)
	at := start
	for i := range n {
		ids[i] = uuid.Must(uuid.NewV7()).String()
		if i%5 != 4 {
			at = at.Add(time.Second)
		}
		if err := env.App.Hub.Exec(`INSERT INTO handover_batches (id, sender_agency_id, recipient_agency_id, checkpoint, handover_at,
			status, person_count, created_by, created_at, updated_at) VALUES (?, ?, ?, 'poipet_aranyaprathet', ?, ?, 1, ?, ?, ?)`,
			ids[i], from.AgencyID, to.AgencyID, at.Add(48*time.Hour), status, from.UserID, at, at).Error; err != nil {
			tb.Fatal(err)
		}
	}
	return ids
}

// walk reads every page of the list, checking each page's size, and returns the ids in order.
func walk(t *testing.T, svc *handover.Service, a *authz.Actor, limit int) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatal("the cursor does not end")
		}
		page, err := svc.List(context.Background(), a, handover.ListFilter{Cursor: cursor, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		want := limit
		if limit == 0 {
			want = handover.DefaultPageSize
		}
		if len(page.Items) > want || (page.NextCursor != "" && len(page.Items) != want) {
			t.Fatalf("page %d has %d items (next %q)", pages, len(page.Items), page.NextCursor)
		}
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			return ids
		}
	}
}

// TestListPages: the list goes newest first, 50 a page, through every batch the actor may see
// exactly once: a caseworker its agency's own, a supervisor also those sent to it once approved.
func TestListPages(t *testing.T) {
	env := apptest.New(t)
	svc := service(env)
	kw, ks, ts, police := env.Actor(t, khWorker), env.Actor(t, khSupervisor), env.Actor(t, thSupervisor), env.Actor(t, khPolice)
	start := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	// Batches already in the demo data are older: ours start an hour from now.
	var before []string
	env.App.Hub.Raw(`SELECT id FROM handover_batches WHERE sender_agency_id = ? OR (recipient_agency_id = ? AND status NOT IN ('pending_approval', 'revoked'))
		ORDER BY created_at DESC, id DESC`, ks.AgencyID, ks.AgencyID).Scan(&before)
	var ownBefore []string
	env.App.Hub.Raw(`SELECT id FROM handover_batches WHERE sender_agency_id = ? ORDER BY created_at DESC, id DESC`, ks.AgencyID).Scan(&ownBefore)

	own := seedBatches(t, env, ks, ts, "sent", 70, start)
	received := seedBatches(t, env, ts, ks, "sent", 12, start.Add(500*time.Millisecond))
	seedBatches(t, env, ts, ks, "pending_approval", 3, start.Add(700*time.Millisecond)) // not yet the recipient's
	seedBatches(t, env, ts, police, "sent", 4, start)                                   // another agency's

	var want []string // newest first, as the hub orders them
	env.App.Hub.Raw(`SELECT id FROM handover_batches WHERE id IN ? ORDER BY created_at DESC, id DESC`, append(append([]string{}, own...), received...)).Scan(&want)
	got := walk(t, svc, ks, 0)
	if d := cmp.Diff(append(want, before...), got); d != "" {
		t.Errorf("supervisor's pages (-want +got):\n%s", d)
	}
	env.App.Hub.Raw(`SELECT id FROM handover_batches WHERE id IN ? ORDER BY created_at DESC, id DESC`, own).Scan(&want)
	if d := cmp.Diff(append(want, ownBefore...), walk(t, svc, kw, 0)); d != "" {
		t.Errorf("caseworker's pages (-want +got):\n%s", d)
	}
	if got7 := walk(t, svc, kw, 7); !cmp.Equal(got7, append(want, ownBefore...)) {
		t.Errorf("pages of 7 differ from pages of 50")
	}

	// A cursor the list did not give is invalid; an actor without the section is refused.
	for _, cursor := range []string{"!!", "bm90LWEtY3Vyc29y"} {
		_, err := svc.List(context.Background(), ks, handover.ListFilter{Cursor: cursor})
		if inv, ok := problem.AsInvalid(err); !ok || inv.Fields["cursor"] != "handover.error.cursor" {
			t.Errorf("cursor %q: %v", cursor, err)
		}
	}
	if _, err := svc.List(context.Background(), env.Actor(t, thEmbassy), handover.ListFilter{}); err == nil {
		t.Error("an embassy officer listed handover batches")
	}
}

// BenchmarkList5k pages the batches of a supervisor's agency holding 5,000 sent and 5,000 received
// batches: the first page and one 4,000 batches deep. Reports p95 of 200 calls each.
func BenchmarkList5k(b *testing.B) {
	env := apptest.New(b)
	svc := service(env)
	ks, ts := env.Actor(b, khSupervisor), env.Actor(b, thSupervisor)
	for _, dir := range [][2]*authz.Actor{{ks, ts}, {ts, ks}} {
		if err := env.App.Hub.Exec(`INSERT INTO handover_batches (id, sender_agency_id, recipient_agency_id, checkpoint, handover_at,
			status, person_count, created_by, created_at, updated_at)
		SELECT gen_random_uuid(), ?, ?, 'poipet_aranyaprathet', now(), 'sent', 1, ?, now() - (i || ' seconds')::interval, now()
		FROM generate_series(1, 5000) AS i`, dir[0].AgencyID, dir[1].AgencyID, dir[0].UserID).Error; err != nil {
			b.Fatal(err)
		}
	}
	env.App.Hub.Exec(`ANALYZE handover_batches`)
	ctx := context.Background()
	deep := ""
	for range 80 { // 80 pages of 50
		p, err := svc.List(ctx, ks, handover.ListFilter{Cursor: deep})
		if err != nil {
			b.Fatal(err)
		}
		deep = p.NextCursor
	}
	for _, c := range []struct{ name, cursor string }{{"first", ""}, {"deep", deep}} {
		b.Run(c.name, func(b *testing.B) {
			one := func() error { _, err := svc.List(ctx, ks, handover.ListFilter{Cursor: c.cursor}); return err }
			for i := 0; i < b.N; i++ {
				if err := one(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(apptest.P95(b, 200, one).Microseconds())/1000, "p95-ms")
		})
	}
}
