package main

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"homeward/internal/apptest"
)

func scalarOf(t *testing.T, db *gorm.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Raw(q, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// The server runs the background work as River jobs in every database while it serves, and stops
// them when it stops: an audit row written before is sealed by a job.
func TestServeRunsTheJobs(t *testing.T) {
	env := apptest.New(t)
	env.Token(t, "caseworker@th-msdhs-sakaeo.demo") // an audit row in the hub, not sealed yet
	hub := env.App.Hub
	// The rows unsealed now must be sealed by the jobs (later rows, such as the record linkage's
	// publish audits, are the next seal's).
	first := scalarOf(t, hub, `SELECT coalesce(max(id), 0) FROM audit_log WHERE seq IS NULL`)
	if first == 0 {
		t.Fatal("no unsealed row to start with")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- listen(ctx, "127.0.0.1:0", "", env.App) }()
	dbs := map[string]*gorm.DB{"hub": hub}
	for _, cc := range []string{"TH", "KH"} {
		st, err := env.App.Stores.For(cc)
		if err != nil {
			t.Fatal(err)
		}
		dbs[cc] = st.DB
	}
	deadline := time.Now().Add(30 * time.Second)
	for name, db := range dbs {
		for scalarOf(t, db, `SELECT count(*) FROM river_job WHERE kind IN ('audit_seal', 'relay') AND state = 'completed'`) < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("%s: no seal and relay jobs completed in 30 s", name)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	for scalarOf(t, hub, `SELECT count(*) FROM audit_log WHERE seq IS NULL AND id <= ?`, first) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("hub rows written before serve started still unsealed after 30 s: %d",
				scalarOf(t, hub, `SELECT count(*) FROM audit_log WHERE seq IS NULL AND id <= ?`, first))
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
