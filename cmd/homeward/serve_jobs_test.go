package main

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"homeward/internal/apptest"
)

func scalarOf(t *testing.T, db *gorm.DB, q string) int {
	t.Helper()
	var n int
	if err := db.Raw(q).Scan(&n).Error; err != nil {
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
	if scalarOf(t, hub, `SELECT count(*) FROM audit_log WHERE seq IS NULL`) == 0 {
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
	if n := scalarOf(t, hub, `SELECT count(*) FROM audit_log WHERE seq IS NULL`); n != 0 {
		t.Errorf("%d hub rows unsealed", n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
