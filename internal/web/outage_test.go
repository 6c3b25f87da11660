package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/config"
)

// TestStoreOutage cuts the KH store's connections (a TCP proxy between the app and PostgreSQL) and
// restores them: meanwhile KH requests are 503 with Retry-After — never 500 — in JSON and as a
// translated page, the outage is logged once however many requests fail, /readyz is 503, the TH
// side keeps working and the joint report is TH's half with a notice; once the store is back,
// requests succeed within 5 s and the end of the outage is logged once.
func TestStoreOutage(t *testing.T) {
	logs := captureLogs(t)
	env := apptest.New(t)
	var proxy *cutProxy
	_, base := opsApp(t, env, func(c *config.Config) { c.StoreDSNs["KH"], proxy = throughProxy(t, c.StoreDSNs["KH"]) })
	khToken, thToken, analystToken := env.Token(t, khWorker), env.Token(t, thWorker), env.Token(t, thAnalyst)
	khCases := func() response {
		return send(t, nil, apiRequest(t, http.MethodGet, base+"/api/v1/cases?limit=5", khToken, nil))
	}
	if res := khCases(); res.Status != http.StatusOK {
		t.Fatalf("before the cut: %d", res.Status)
	}
	if s, _ := apptest.Get(t, http.DefaultClient, base+"/readyz"); s != http.StatusOK {
		t.Fatalf("readyz before the cut = %d", s)
	}
	khPages := signIn(t, base, khWorker)
	analyst := signIn(t, base, thAnalyst)
	outageLines := func(msg string) int {
		return len(logs.matching(map[string]any{"msg": msg, "database": "KH"}))
	}

	proxy.cut()
	var failedIDs []string
	failing := func(n int) {
		for range n {
			res := khCases()
			failedIDs = append(failedIDs, res.Header.Get("X-Request-Id"))
			if res.Status != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "5" {
				t.Fatalf("KH during the outage = %d, Retry-After %q: %s", res.Status, res.Header.Get("Retry-After"), excerpt(res.Body))
			}
			if e := decodeError(t, res.Body); e.Error.Code != "unavailable" {
				t.Fatalf("code = %q", e.Error.Code)
			}
		}
	}
	failing(10)
	waitFor(t, 5*time.Second, "the outage logged", func() bool { return outageLines("database unreachable") > 0 })
	failing(20)
	time.Sleep(1500 * time.Millisecond) // past the tracker's one-check-a-second spacing
	failing(5)
	if n := outageLines("database unreachable"); n != 1 {
		t.Errorf("outage start logged %d times, want once", n)
	}

	// The page, in the reader's language.
	req := newReq(http.NewRequest(http.MethodGet, base+"/cases", nil))
	req.Header.Set("Accept-Language", "th")
	page := send(t, khPages, req)
	if page.Status != http.StatusServiceUnavailable || page.Header.Get("Retry-After") == "" ||
		!strings.Contains(page.Body, message(t, page.Body, "error.unavailable.title")) ||
		!strings.Contains(page.Body, page.Header.Get("X-Request-Id")) {
		t.Errorf("KH page during the outage = %d: %s", page.Status, excerpt(page.Body))
	}
	if s, _ := apptest.Get(t, http.DefaultClient, base+"/readyz"); s != http.StatusServiceUnavailable {
		t.Errorf("readyz during the outage = %d, want 503", s)
	}
	if res := send(t, nil, apiRequest(t, http.MethodGet, base+"/api/v1/cases?limit=5", thToken, nil)); res.Status != http.StatusOK {
		t.Errorf("TH during KH's outage = %d", res.Status)
	}
	// The joint report: TH's half, saying KH is missing.
	res := send(t, nil, apiRequest(t, http.MethodGet, base+"/api/v1/reports/joint", analystToken, nil))
	var joint struct {
		Countries []string `json:"countries"`
		Missing   []string `json:"missing"`
	}
	mustUnmarshal(t, res.Body, &joint)
	if res.Status != http.StatusOK || strings.Join(joint.Countries, ",") != "TH" || strings.Join(joint.Missing, ",") != "KH" {
		t.Errorf("joint report API during the outage = %d %+v", res.Status, joint)
	}
	_, jpage := apptest.Get(t, analyst, base+"/reports/joint")
	if !strings.Contains(jpage, `data-testid="joint-missing"`) || !strings.Contains(jpage, message(t, jpage, "joint.missing", "Countries", "Cambodia")) {
		t.Errorf("joint report page without the notice: %s", excerpt(jpage))
	}
	for _, id := range failedIDs { // the failing requests themselves log at debug level only
		for _, l := range logs.matching(map[string]any{"request_id": id}) {
			if l["level"] != "DEBUG" && l["msg"] != "request" {
				t.Errorf("a failing request logged %v", l)
			}
		}
	}

	proxy.restore()
	start := time.Now()
	waitFor(t, 5*time.Second, "KH answering again", func() bool { return khCases().Status == http.StatusOK })
	t.Logf("recovered in %v", time.Since(start).Round(time.Millisecond))
	waitFor(t, 5*time.Second, "the end of the outage logged", func() bool { return outageLines("database reachable again") == 1 })
	if s, _ := apptest.Get(t, http.DefaultClient, base+"/readyz"); s != http.StatusOK {
		t.Errorf("readyz after the outage = %d", s)
	}
	if n := outageLines("database unreachable"); n != 1 {
		t.Errorf("outage start logged %d times, want once", n)
	}
}

// signIn signs a demo user in on a server other than env's.
func signIn(t *testing.T, base, email string) *http.Client {
	t.Helper()
	c := apptest.Client()
	res := apptest.PostForm(t, c, base+"/login", base+"/login", map[string][]string{"email": {email}, "password": {demoPassword}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", email, res.StatusCode)
	}
	return c
}

// waitFor polls ok every 50 ms until it holds, failing the test after d.
func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("%s: not within %v", what, d)
}

// TestHubOutage cuts the hub: a signed-in page (whose session cannot be loaded) and an API call
// (whose token cannot be checked) are 503 with Retry-After, not scs's plain 500; the outage is
// logged once; everything answers again once the hub is back.
func TestHubOutage(t *testing.T) {
	logs := captureLogs(t)
	env := apptest.New(t)
	var proxy *cutProxy
	_, base := opsApp(t, env, func(c *config.Config) { c.HubDSN, proxy = throughProxy(t, c.HubDSN) })
	token := env.Token(t, thWorker)
	pages := signIn(t, base, thWorker)
	proxy.cut()
	for range 5 {
		req := newReq(http.NewRequest(http.MethodGet, base+"/cases", nil))
		req.Header.Set("Accept-Language", "km")
		page := send(t, pages, req)
		if page.Status != http.StatusServiceUnavailable || page.Header.Get("Retry-After") == "" ||
			!strings.Contains(page.Body, message(t, page.Body, "error.unavailable.body")) {
			t.Fatalf("page with the hub down = %d: %s", page.Status, excerpt(page.Body))
		}
		res := send(t, nil, apiRequest(t, http.MethodGet, base+"/api/v1/me", token, nil))
		if res.Status != http.StatusServiceUnavailable || decodeError(t, res.Body).Error.Code != "unavailable" {
			t.Fatalf("API with the hub down = %d: %s", res.Status, excerpt(res.Body))
		}
	}
	if s, _ := apptest.Get(t, http.DefaultClient, base+"/readyz"); s != http.StatusServiceUnavailable {
		t.Errorf("readyz with the hub down = %d", s)
	}
	waitFor(t, 5*time.Second, "the outage logged", func() bool {
		return len(logs.matching(map[string]any{"msg": "database unreachable", "database": "hub"})) == 1
	})
	proxy.restore()
	waitFor(t, 5*time.Second, "the hub answering again", func() bool {
		s, _ := apptest.Get(t, pages, base+"/cases")
		return s == http.StatusOK
	})
	waitFor(t, 5*time.Second, "the end logged", func() bool {
		return len(logs.matching(map[string]any{"msg": "database reachable again", "database": "hub"})) == 1
	})
}
