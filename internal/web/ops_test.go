package web_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/config"
)

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestMetricsEndpoint: after a few requests the metrics address exposes the request series under
// route patterns (never a requested id), the pools of every database, the packet states and the
// exchange's expiry lag; pprof answers there and never on the main address.
func TestMetricsEndpoint(t *testing.T) {
	env := apptest.New(t)
	a, base := opsApp(t, env, func(c *config.Config) { c.Ops.MetricsAddr = "127.0.0.1:0" })
	if a.Metrics == nil {
		t.Fatal("metrics address set, but no metrics")
	}
	caseID := ownCaseID(t, env, thWorker)
	token := env.Token(t, thWorker)
	for range 3 {
		res := send(t, nil, apiRequest(t, http.MethodGet, base+"/api/v1/cases/"+caseID, token, nil))
		if res.Status != http.StatusOK {
			t.Fatalf("GET case = %d", res.Status)
		}
	}
	// A page of a case, signed out: redirected to sign-in, counted under the route's pattern.
	if res := send(t, nil, newReq(http.NewRequest(http.MethodGet, base+"/cases/"+caseID, nil))); res.Status != http.StatusSeeOther {
		t.Fatalf("GET /cases/id signed out = %d", res.Status)
	}
	msrv := httpServer(t, a.Metrics.Handler())
	status, body := apptest.Get(t, http.DefaultClient, msrv+"/metrics")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics = %d", status)
	}
	for _, want := range []string{
		`homeward_http_requests_total{method="GET",route="/api/v1/cases/:id",status="200"} 3`,
		`homeward_http_requests_total{method="GET",route="/cases/:id",status="303"} 1`,
		`homeward_http_request_duration_seconds_count{method="GET",route="/api/v1/cases/:id",status="200"} 3`,
		`go_sql_in_use_connections{db_name="hub"}`,
		`go_sql_idle_connections{db_name="TH"}`,
		`go_sql_wait_count_total{db_name="KH"}`,
		`go_sql_wait_duration_seconds_total{db_name="KH"}`,
		`homeward_packets{status="sent"}`,
		`homeward_worker_lag_seconds{worker="exchange_expiry"}`,
		`homeward_worker_lag_seconds{worker="audit_sealer_TH"}`,
		`homeward_worker_lag_seconds{worker="audit_sealer_hub"}`,
		`homeward_worker_lag_seconds{worker="outbox_relay_KH"}`,
		`homeward_worker_lag_seconds{worker="outbox_relay_hub"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, caseID) {
		t.Error("/metrics holds a case id")
	}
	if status, _ := apptest.Get(t, http.DefaultClient, msrv+"/debug/pprof/"); status != http.StatusOK {
		t.Errorf("pprof on the metrics address = %d, want 200", status)
	}
	for _, u := range []string{base, env.URL()} {
		for _, p := range []string{"/debug/pprof/", "/debug/pprof/heap", "/metrics"} {
			if status, _ := apptest.Get(t, http.DefaultClient, u+p); status != http.StatusNotFound {
				t.Errorf("main address %s = %d, want 404", p, status)
			}
		}
	}
}

// TestRequestID: every answer carries X-Request-Id; the API error body and the error page show
// it; the access log line carries it with the route pattern, never the requested path. An
// incoming id is believed only from a trusted proxy, and only when well formed.
func TestRequestID(t *testing.T) {
	logs := captureLogs(t)
	env := apptest.New(t)
	token := env.Token(t, thWorker)
	res := send(t, nil, apiRequest(t, http.MethodGet, env.URL()+"/api/v1/cases/"+noSuchCaseID, token, nil))
	id := res.Header.Get("X-Request-Id")
	if res.Status != http.StatusNotFound || !hexID.MatchString(id) {
		t.Fatalf("GET missing case = %d, X-Request-Id %q", res.Status, id)
	}
	var body struct {
		Error struct {
			Code      string `json:"code"`
			RequestID string `json:"request_id"`
		} `json:"error"`
	}
	mustUnmarshal(t, res.Body, &body)
	if body.Error.Code != "not_found" || body.Error.RequestID != id {
		t.Errorf("error body = %+v, want not_found with request_id %s", body.Error, id)
	}
	lines := logs.matching(map[string]any{"msg": "request", "request_id": id})
	if len(lines) != 1 {
		t.Fatalf("access log lines with the id = %d, want 1", len(lines))
	}
	l := lines[0]
	if l["route"] != "/api/v1/cases/:id" || l["method"] != "GET" || l["status"] != float64(404) || l["bytes"] == nil || l["duration_ms"] == nil {
		t.Errorf("access log line = %v", l)
	}
	if strings.Contains(logs.buf.String(), noSuchCaseID) || strings.Contains(logs.buf.String(), token) {
		t.Error("the log holds a requested id or a token")
	}

	// The error page shows the reference, in the page's language.
	c := env.Login(t, thWorker)
	req := newReq(http.NewRequest(http.MethodGet, env.URL()+"/cases/"+noSuchCaseID, nil))
	page := send(t, c, req)
	pid := page.Header.Get("X-Request-Id")
	if page.Status != http.StatusNotFound || !hexID.MatchString(pid) || !strings.Contains(page.Body, "Reference: <code>"+pid+"</code>") {
		t.Errorf("error page %d without its reference %s: %s", page.Status, pid, excerpt(page.Body))
	}

	// An incoming id: ignored from an untrusted peer, kept from a trusted proxy when well formed.
	incoming := "proxy-0123456789abcdef"
	get := func(base, header string) string {
		r := newReq(http.NewRequest(http.MethodGet, base+"/healthz", nil))
		r.Header.Set("X-Request-Id", header)
		return send(t, nil, r).Header.Get("X-Request-Id")
	}
	if got := get(env.URL(), incoming); got == incoming || !hexID.MatchString(got) {
		t.Errorf("untrusted peer's id kept: %q", got)
	}
	_, trusted := opsApp(t, env, func(c *config.Config) { c.TrustedProxies = "127.0.0.1/32, ::1/128" })
	if got := get(trusted, incoming); got != incoming {
		t.Errorf("trusted proxy's id = %q, want %q", got, incoming)
	}
	for _, bad := range []string{"short", "bad id with spaces", strings.Repeat("a", 65), "a\"b{}c<d>e"} {
		if got := get(trusted, bad); got == bad || !hexID.MatchString(got) {
			t.Errorf("malformed id %q kept: %q", bad, got)
		}
	}
}

// TestAPIRateLimit: a token over its burst is refused 429 rate_limited with Retry-After; another
// token is not affected.
func TestAPIRateLimit(t *testing.T) {
	env := apptest.New(t)
	_, base := opsApp(t, env, func(c *config.Config) { c.Ops.APIRate, c.Ops.APIBurst = 0.5, 3 })
	one, other := env.Token(t, thWorker), env.Token(t, khWorker)
	for i := range 3 {
		if res := send(t, nil, apiRequest(t, http.MethodGet, base+"/api/v1/me", one, nil)); res.Status != http.StatusOK {
			t.Fatalf("request %d within the burst = %d", i+1, res.Status)
		}
	}
	res := send(t, nil, apiRequest(t, http.MethodGet, base+"/api/v1/me", one, nil))
	if res.Status != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || res.Header.Get("Retry-After") == "0" {
		t.Fatalf("over the limit = %d, Retry-After %q", res.Status, res.Header.Get("Retry-After"))
	}
	if e := decodeError(t, res.Body); e.Error.Code != "rate_limited" {
		t.Errorf("code = %q, want rate_limited", e.Error.Code)
	}
	if res := send(t, nil, apiRequest(t, http.MethodGet, base+"/api/v1/me", other, nil)); res.Status != http.StatusOK {
		t.Errorf("another token = %d, want 200", res.Status)
	}
	// Without the setting (zero), there is no limit.
	for range 10 {
		if res := send(t, nil, apiRequest(t, http.MethodGet, env.URL()+"/api/v1/me", one, nil)); res.Status != http.StatusOK {
			t.Fatalf("no limit configured: %d", res.Status)
		}
	}
}

// TestImportLimit: with one import slot per store, an import arriving while another runs in the
// same store is refused 429 busy with Retry-After; another store's import is not; once the first
// ends, imports run again. (importlimit_test.go: the slots are shared by two servers.)
func TestImportLimit(t *testing.T) {
	env := apptest.New(t)
	_, base := opsApp(t, env, func(c *config.Config) { c.Ops.ImportsPerStore = 1 })
	thToken, khToken := env.Token(t, thWorker), env.Token(t, khWorker)
	thOp, khOp := impOperation(t, env, "TH"), impOperation(t, env, "KH")

	// The first import holds the slot while its body is still arriving.
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() }) // before the server closes (cleanups run last first): a failed test must not hang
	req := newReq(http.NewRequest(http.MethodPost, base+"/api/v1/operations/"+thOp+"/imports", pr))
	req.Header.Set("Authorization", "Bearer "+thToken)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
	first := make(chan int, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			first <- 0
			return
		}
		res.Body.Close()
		first <- res.StatusCode
	}()
	if _, err := pw.Write([]byte("--xyz\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	empty := func(op, token string) response {
		r := apiRequest(t, http.MethodPost, base+"/api/v1/operations/"+op+"/imports", token, strings.NewReader(""))
		r.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
		return send(t, nil, r)
	}
	var busy response
	// Until the first request has taken the slot (bounded by time: on a busy machine the first
	// request may take a while to reach the handler).
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if busy = empty(thOp, thToken); busy.Status == http.StatusTooManyRequests {
			break
		}
	}
	if busy.Status != http.StatusTooManyRequests || busy.Header.Get("Retry-After") == "" {
		t.Fatalf("second import in TH = %d, Retry-After %q", busy.Status, busy.Header.Get("Retry-After"))
	}
	if e := decodeError(t, busy.Body); e.Error.Code != "busy" || !strings.Contains(e.Error.Message, "imports") {
		t.Errorf("busy body = %+v", e.Error)
	}
	if res := empty(khOp, khToken); res.Status == http.StatusTooManyRequests {
		t.Errorf("an import in KH is refused while TH's runs")
	}
	pw.Close()
	if s := <-first; s == 0 || s == http.StatusTooManyRequests || s >= 500 {
		t.Fatalf("first import = %d", s)
	}
	if res := empty(thOp, thToken); res.Status == http.StatusTooManyRequests {
		t.Errorf("import after the first ended = %d", res.Status)
	}
}
