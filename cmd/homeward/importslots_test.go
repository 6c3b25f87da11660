package main

import (
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/ratelimit"
)

// importSlotFreedByKill (TestTwoServers, one import slot per store): an import held open on B takes
// TH's one slot, so an import on A is refused 429 busy; B's process is killed (SIGKILL: no shutdown,
// no rollback sent), and PostgreSQL frees the slot with B's connection, so A imports again.
func importSlotFreedByKill(t *testing.T, env *apptest.Env, a, b *serveProcess) {
	token := env.Token(t, "caseworker@th-msdhs-sakaeo.test")
	st, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatal(err)
	}
	var op string
	if err := st.DB.Raw(`SELECT id FROM operations ORDER BY id LIMIT 1`).Scan(&op).Error; err != nil || op == "" {
		t.Fatalf("an operation in TH: %v", err)
	}
	held := func() (int, error) {
		var n int
		err := st.DB.Raw(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = ?::oid
AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, uint32(ratelimit.ImportSlotClass)).Scan(&n).Error
		return n, err
	}
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	req, err := http.NewRequest(http.MethodPost, b.URL+"/api/v1/operations/"+op+"/imports", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
	go func() {
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	go func() { _, _ = pw.Write([]byte("--xyz\r\n")) }()
	waitFor(t, 30*time.Second, "the import on B holding TH's slot", func() (bool, error) {
		n, err := held()
		return n == 1, err
	})
	try := func() (int, string) {
		status, body, _ := apiCall(t, http.MethodPost, a.URL+"/api/v1/operations/"+op+"/imports", token, "multipart/form-data; boundary=xyz", nil)
		return status, string(body)
	}
	if status, body := try(); status != http.StatusTooManyRequests || !strings.Contains(body, `"busy"`) {
		t.Fatalf("an import on A while B's holds the slot: %d %s; want 429 busy", status, body)
	}
	if err := b.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-b.done
	waitFor(t, 10*time.Second, "B's slot freed with its connection", func() (bool, error) {
		n, err := held()
		return n == 0, err
	})
	if status, body := try(); status == http.StatusTooManyRequests || status >= 500 {
		t.Errorf("an import on A once B was killed: %d %s", status, body)
	}
}
