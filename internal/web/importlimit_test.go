package web_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/config"
	"homeward/internal/ratelimit"
	"homeward/internal/testdb"
)

// heldImport is an import upload whose body is still arriving: it holds an import slot until end.
type heldImport struct {
	pw     *io.PipeWriter
	status chan int
}

// holdImport starts an import on base whose body stays open (the slot is taken before the body is
// read). The pipe is closed when the test ends, before the servers close, so a failure cannot hang.
func holdImport(t *testing.T, base, op, token string) *heldImport {
	t.Helper()
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	req := newReq(http.NewRequest(http.MethodPost, base+"/api/v1/operations/"+op+"/imports", pr))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
	h := &heldImport{pw: pw, status: make(chan int, 1)}
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			h.status <- 0
			return
		}
		res.Body.Close()
		h.status <- res.StatusCode
	}()
	go func() { // the first bytes; the rest never comes until end
		_, _ = pw.Write([]byte("--xyz\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\n"))
	}()
	return h
}

// end finishes the upload (the body ends, malformed) and returns the import's status.
func (h *heldImport) end(t *testing.T) int {
	t.Helper()
	h.pw.Close()
	select {
	case s := <-h.status:
		return s
	case <-time.After(30 * time.Second):
		t.Fatal("the held import did not answer within 30 s of its body's end")
		return 0
	}
}

// importSlotsHeld counts the import slots held in database db (advisory locks of the import class),
// whichever server holds them.
func importSlotsHeld(t *testing.T, env *apptest.Env, cc string) int {
	t.Helper()
	st, err := env.App.Stores.For(cc)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := st.DB.Raw(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = ?::oid
AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, uint32(ratelimit.ImportSlotClass)).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportLimitSharedByServers: two servers on the same databases, two import slots per store.
// The slots are counted in the store, not in each process: with one import held open on each
// server, a third is refused 429 busy with Retry-After on both, and a burst of concurrent tries on
// both never brings more than two imports in. An import that ends frees its slot for the other
// server; a server whose connections die (its backends terminated, as when the process is killed)
// frees its slots; KH's slots are KH's own.
func TestImportLimitSharedByServers(t *testing.T) {
	env := apptest.New(t)
	two := func(c *config.Config) { c.Ops.ImportsPerStore = 2 }
	_, a := opsApp(t, env, two)
	_, b := opsApp(t, env, two)
	thToken, khToken := env.Token(t, thWorker), env.Token(t, khWorker)
	thOp, khOp := impOperation(t, env, "TH"), impOperation(t, env, "KH")
	empty := func(base, op, token string) response {
		r := apiRequest(t, http.MethodPost, base+"/api/v1/operations/"+op+"/imports", token, strings.NewReader(""))
		r.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
		return send(t, nil, r)
	}
	held := func(n int, what string) {
		t.Helper()
		waitFor(t, 20*time.Second, what, func() bool { return importSlotsHeld(t, env, "TH") == n })
	}

	onA := holdImport(t, a, thOp, thToken)
	held(1, "the import on A holding a slot")
	onB := holdImport(t, b, thOp, thToken)
	held(2, "the imports on A and B holding a slot each")
	for _, base := range []string{a, b} {
		res := empty(base, thOp, thToken)
		if res.Status != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "30" {
			t.Fatalf("a third import on %s = %d, Retry-After %q; want 429, 30", base, res.Status, res.Header.Get("Retry-After"))
		}
		if e := decodeError(t, res.Body); e.Error.Code != "busy" || !strings.Contains(res.Body, `"request_id"`) {
			t.Errorf("busy body = %+v", e.Error)
		}
	}
	// Eight tries at once, four on each server: none comes in while both slots are held.
	var wg sync.WaitGroup
	statuses := make(chan int, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- empty([]string{a, b}[i%2], thOp, thToken).Status
		}()
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != http.StatusTooManyRequests {
			t.Errorf("a concurrent try with both slots held = %d, want 429", s)
		}
	}
	if n := importSlotsHeld(t, env, "TH"); n != 2 {
		t.Errorf("TH slots held = %d, want 2", n)
	}
	if res := empty(a, khOp, khToken); res.Status == http.StatusTooManyRequests || res.Status >= 500 {
		t.Errorf("an import in KH while TH's slots are held = %d", res.Status)
	}

	// The import on A ends: its slot is free for B.
	if s := onA.end(t); s == 0 || s == http.StatusTooManyRequests || s >= 500 {
		t.Fatalf("the held import on A = %d", s)
	}
	held(1, "A's slot freed")
	onB2 := holdImport(t, b, thOp, thToken)
	held(2, "B holding both slots")
	if res := empty(a, thOp, thToken); res.Status != http.StatusTooManyRequests {
		t.Errorf("an import on A with B holding both slots = %d, want 429", res.Status)
	}

	// B's connections die (what killing its process does to them): both slots are free again.
	testdb.Exec(t, env.Databases["TH"], `SELECT pg_terminate_backend(pid) FROM pg_locks
WHERE locktype = 'advisory' AND classid = $1::oid AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
		uint32(ratelimit.ImportSlotClass))
	held(0, "B's slots freed with its connections")
	for _, h := range []*heldImport{onB, onB2} {
		h.pw.Close()
		<-h.status // whatever B answers once its connection is gone
	}
	if res := empty(a, thOp, thToken); res.Status == http.StatusTooManyRequests || res.Status >= 500 {
		t.Errorf("an import on A once B's connections died = %d", res.Status)
	}
}
