package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/config"
	"homeward/internal/store"
)

// writeResult is one registration sent during TestStoreKilledUnderLoad.
type writeResult struct {
	status     int
	retryAfter string
	personID   string // of a 201
	at         time.Time
	err        string // a transport error, an unreadable 201, or the body of another status
}

// writeTally is what the writers got so far, shared by them and the test.
type writeTally struct {
	mu      sync.Mutex
	results []writeResult
}

func (w *writeTally) add(r writeResult) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.results = append(w.results, r)
}

// since counts the results of status answered after t.
func (w *writeTally) since(status int, t time.Time) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, r := range w.results {
		if r.status == status && r.at.After(t) {
			n++
		}
	}
	return n
}

func (w *writeTally) all() []writeResult {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]writeResult(nil), w.results...)
}

// killWriter registers KH persons through the API until stop closes, one at a time.
func killWriter(base, token string, n int, stop <-chan struct{}, tally *writeTally) {
	client := &http.Client{Timeout: 30 * time.Second}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		body, _ := json.Marshal(map[string]any{"given_name": "Sreymom", "family_name": "Kill " + letters(n*100000+i),
			"sex": "female", "age_estimate": 22, "nationality": "KH", "languages": []string{"km"}})
		req, err := http.NewRequest(http.MethodPost, base+"/api/v1/persons", bytes.NewReader(body))
		if err != nil {
			tally.add(writeResult{err: err.Error(), at: time.Now()})
			return
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", jsonTypeHeader)
		res, err := client.Do(req)
		if err != nil {
			tally.add(writeResult{err: err.Error(), at: time.Now()})
			continue
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		r := writeResult{status: res.StatusCode, retryAfter: res.Header.Get("Retry-After"), at: time.Now()}
		switch res.StatusCode {
		case http.StatusCreated:
			var c created
			if err := json.Unmarshal(raw, &c); err != nil || c.Person.ID == "" {
				r.err = "201 without a person: " + string(raw)
			}
			r.personID = c.Person.ID
		case http.StatusServiceUnavailable:
		default:
			r.err = string(raw)
		}
		tally.add(r)
	}
}

// letters spells n in the letters a–z (names take no digits).
func letters(n int) string {
	s := ""
	for {
		s = string(rune('a'+n%26)) + s
		if n /= 26; n == 0 {
			return s
		}
	}
}

// TestStoreKilledUnderLoad really stops the KH store's PostgreSQL server (pg_ctl stop -m
// immediate, on a cluster of its own) while 8 clients register persons in KH through the API, then
// starts it again. During the outage every refused write is 503 with Retry-After, never a 500, and
// /readyz is 503; writes succeed again within 5 s of the restart; and every write answered 201 is
// in the store afterwards: no acknowledged write is lost to the crash.
func TestStoreKilledUnderLoad(t *testing.T) {
	env := apptest.New(t)
	cluster, khDSN := env.StoreOnOwnCluster(t, "KH") // stopped and removed when the test ends
	_, base := opsApp(t, env, func(c *config.Config) { c.StoreDSNs["KH"] = khDSN })
	const writers = 8
	stop := make(chan struct{})
	var stopOnce sync.Once
	halt := func() { stopOnce.Do(func() { close(stop) }) }
	var wg sync.WaitGroup
	// Registered last, run first: the writers end before the app and the cluster go.
	t.Cleanup(func() { halt(); wg.Wait() })
	tally := &writeTally{}
	start := time.Now()
	for w := range writers {
		token := env.Token(t, khWorker)
		wg.Add(1)
		go func() {
			defer wg.Done()
			killWriter(base, token, w, stop, tally)
		}()
	}
	waitFor(t, 30*time.Second, "16 writes before the kill", func() bool { return tally.since(http.StatusCreated, start) >= 16 })

	killed := time.Now()
	if err := cluster.Kill(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "16 writes refused during the outage", func() bool {
		return tally.since(http.StatusServiceUnavailable, killed) >= 16
	})
	if s, body := apptest.Get(t, http.DefaultClient, base+"/readyz"); s != http.StatusServiceUnavailable || body != "not ready: KH" {
		t.Errorf("readyz with the KH server down = %d %q, want 503 naming KH", s, body)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := cluster.Start(ctx); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	waitFor(t, 5*time.Second, "a write succeeding after the restart", func() bool {
		return tally.since(http.StatusCreated, restarted) > 0
	})
	t.Logf("writes succeed again %v after the restart", time.Since(restarted).Round(time.Millisecond))
	// A few more rounds of writes after the recovery, then the writers stop.
	waitFor(t, 20*time.Second, "16 writes after the restart", func() bool { return tally.since(http.StatusCreated, restarted) >= 16 })
	halt()
	wg.Wait()

	var acked []string
	statuses := map[int]int{}
	for _, r := range tally.all() {
		statuses[r.status]++
		switch {
		case r.err != "":
			t.Errorf("a write got %d: %s", r.status, excerpt(r.err))
		case r.status == http.StatusCreated:
			acked = append(acked, r.personID)
		case r.status == http.StatusServiceUnavailable && r.retryAfter == "":
			t.Errorf("a 503 without Retry-After at %v", r.at.Sub(killed))
		}
	}
	t.Logf("answers: %v", statuses)
	if statuses[http.StatusInternalServerError] > 0 {
		t.Errorf("%d writes answered 500", statuses[http.StatusInternalServerError])
	}

	// Every acknowledged person is in the store, read afresh from the restarted server.
	db, err := store.Open(ctx, khDSN)
	if err != nil {
		t.Fatal(err)
	}
	if sqlDB, err := db.DB(); err == nil {
		defer sqlDB.Close()
	}
	var found int
	if err := db.Raw(`SELECT count(*) FROM persons WHERE id = ANY(?::uuid[])`, "{"+strings.Join(acked, ",")+"}").Scan(&found).Error; err != nil {
		t.Fatal(err)
	}
	if found != len(acked) {
		t.Errorf("%d of %d acknowledged persons in the KH store after the crash", found, len(acked))
	}
}
