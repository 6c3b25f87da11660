package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

// failJobs writes n discarded relay jobs into a store's queue as River leaves them (the real
// failure path is internal/jobs' TestFailedJobIsRetriedThenListed), the error naming each.
func failJobs(t *testing.T, env *apptest.Env, cc string, n int) {
	t.Helper()
	st, err := env.App.Stores.For(cc)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		e := fmt.Sprintf(`{"at": "2026-01-02T03:04:05Z", "attempt": 5, "error": "relay failure %d of %s"}`, i, cc)
		if err := st.DB.Exec(`INSERT INTO river_job (kind, args, state, attempt, max_attempts, errors, attempted_at,
finalized_at, queue, priority, scheduled_at) VALUES ('relay', ?, 'discarded', 5, 5, ARRAY[?::jsonb], now(), now(), 'default', 1, now())`,
			`{"db": "`+cc+`"}`, e).Error; err != nil {
			t.Fatal(err)
		}
	}
}

type jobsJSON struct {
	Country string `json:"country"`
	Items   []struct {
		ID                 int64
		Kind, State, Error string
		Attempt            int
		MaxAttempts        int `json:"max_attempts"`
	} `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func TestAdminJobsPage(t *testing.T) {
	env := apptest.New(t)
	failJobs(t, env, "TH", 55)
	admin := env.Login(t, thAdmin)
	status, body := apptest.Get(t, admin, env.URL()+"/admin/jobs")
	if status != http.StatusOK || !strings.Contains(body, "relay failure 54 of TH") || strings.Contains(body, "relay failure 4 of TH") {
		t.Fatalf("first page: %d %s", status, excerpt(body))
	}
	if n := strings.Count(body, "data-job="); n != 50 {
		t.Errorf("first page lists %d jobs, want 50", n)
	}
	for _, key := range []string{"jobs.title", "jobs.kind.relay", "jobs.state.discarded", "admin.next_page"} {
		if !strings.Contains(body, message(t, body, key)) {
			t.Errorf("first page lacks %s", key)
		}
	}
	next := strings.Index(body, `href="/admin/jobs?`)
	if next < 0 {
		t.Fatal("no next page link")
	}
	link := strings.ReplaceAll(body[next+6:next+6+strings.Index(body[next+6:], `"`)], "&amp;", "&")
	status, body = apptest.Get(t, admin, env.URL()+link)
	if status != http.StatusOK || strings.Count(body, "data-job=") != 5 || !strings.Contains(body, "relay failure 0 of TH") {
		t.Errorf("second page %s: %d %s", link, status, excerpt(body))
	}
	// An old cursor shows the first page.
	if status, body = apptest.Get(t, admin, env.URL()+"/admin/jobs?cursor=zz"); status != http.StatusOK || !strings.Contains(body, "relay failure 54 of TH") {
		t.Errorf("bad cursor: %d", status)
	}
	// Thai and Khmer.
	for _, lang := range []string{"th", "km"} {
		req, _ := http.NewRequest(http.MethodGet, env.URL()+"/admin/jobs", nil)
		req.AddCookie(&http.Cookie{Name: "lang", Value: lang})
		res := send(t, admin, req)
		if res.Status != http.StatusOK || !strings.Contains(res.Body, `lang="`+lang+`"`) || strings.Contains(res.Body, "jobs.") ||
			!strings.Contains(res.Body, message(t, res.Body, "jobs.state.discarded")) {
			t.Errorf("%s page: %d %s", lang, res.Status, excerpt(res.Body))
		}
	}
	// The KH admin: an empty list of their own store, and TH's is not found.
	kh := env.Login(t, khAdmin)
	if status, body = apptest.Get(t, kh, env.URL()+"/admin/jobs"); status != http.StatusOK || !strings.Contains(body, message(t, body, "jobs.none")) ||
		strings.Contains(body, "of TH") {
		t.Errorf("KH admin: %d %s", status, excerpt(body))
	}
	for email, path := range map[string]string{khAdmin: "/admin/jobs?country=TH", thAdmin: "/admin/jobs?country=KH",
		thWorker: "/admin/jobs", thSupervisor: "/admin/jobs?country=TH", thEmbassy: "/admin/jobs"} {
		if status, body := apptest.Get(t, env.Login(t, email), env.URL()+path); status != http.StatusNotFound || strings.Contains(body, "relay failure") {
			t.Errorf("%s %s: %d", email, path, status)
		}
	}
}

func TestAdminJobsAPI(t *testing.T) {
	env := apptest.New(t)
	failJobs(t, env, "TH", 3)
	token := env.Token(t, thAdmin)
	res := send(t, nil, apiRequest(t, http.MethodGet, env.URL()+"/api/v1/admin/jobs?limit=2", token, nil))
	var page jobsJSON
	if res.Status != http.StatusOK || json.Unmarshal([]byte(res.Body), &page) != nil {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if page.Country != "TH" || len(page.Items) != 2 || page.NextCursor == nil || page.Items[0].Error != "relay failure 2 of TH" ||
		page.Items[0].Kind != "relay" || page.Items[0].State != "discarded" || page.Items[0].Attempt != 5 || page.Items[0].MaxAttempts != 5 {
		t.Fatalf("page %+v", page)
	}
	res = send(t, nil, apiRequest(t, http.MethodGet, env.URL()+"/api/v1/admin/jobs?limit=2&cursor="+*page.NextCursor, token, nil))
	if err := json.Unmarshal([]byte(res.Body), &page); err != nil || len(page.Items) != 1 || page.NextCursor != nil {
		t.Fatalf("second page %d %s", res.Status, res.Body)
	}
	res = send(t, nil, apiRequest(t, http.MethodGet, env.URL()+"/api/v1/admin/jobs?cursor=nope", token, nil))
	if e := decodeError(t, res.Body); res.Status != http.StatusUnprocessableEntity || e.Error.Fields["cursor"] == "" {
		t.Errorf("bad cursor: %d %s", res.Status, res.Body)
	}
	for email, query := range map[string]string{khAdmin: "?country=TH", thWorker: "", thAuditor: "?country=TH"} {
		res := send(t, nil, apiRequest(t, http.MethodGet, env.URL()+"/api/v1/admin/jobs"+query, env.Token(t, email), nil))
		if res.Status != http.StatusNotFound || decodeError(t, res.Body).Error.Code != "not_found" || strings.Contains(res.Body, "relay failure") {
			t.Errorf("%s: %d %s", email, res.Status, res.Body)
		}
	}
	res = send(t, nil, apiRequest(t, http.MethodGet, env.URL()+"/api/v1/admin/jobs", env.Token(t, khAdmin), nil))
	if err := json.Unmarshal([]byte(res.Body), &page); err != nil || res.Status != http.StatusOK || page.Country != "KH" || len(page.Items) != 0 {
		t.Errorf("KH admin: %d %s", res.Status, res.Body)
	}
}
