package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

var enrolmentLink = regexp.MustCompile(`value="(http://[^"]+/enrol/(he_[A-Za-z0-9_-]+))"`)

// adminPost posts a form as the signed-in client, with the CSRF token of from.
func adminPost(t *testing.T, env *apptest.Env, c *http.Client, from, to string, form url.Values) response {
	t.Helper()
	res := apptest.PostForm(t, c, env.URL()+from, env.URL()+to, form)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func TestAdminInviteAndManageOnTheWeb(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	c := env.Login(t, thAdmin)
	if _, body := apptest.Get(t, c, env.URL()+"/settings"); !strings.Contains(body, `href="/admin"`) {
		t.Error("no administration link for the country admin")
	}
	if res := send(t, c, pageRequestGet(t, env.URL()+"/")); res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/admin" {
		t.Errorf("the country admin's home: %d %q, want 303 to /admin", res.Status, res.Header.Get("Location"))
	}
	status, body := apptest.Get(t, c, env.URL()+"/admin")
	if status != http.StatusOK || !strings.Contains(body, "kh-embassy-bkk") || strings.Contains(body, "th-embassy-pnh") {
		t.Fatalf("/admin: %d %s", status, excerpt(body))
	}
	police := hubID(t, env, `SELECT id FROM agencies WHERE slug = 'th-pct'`)
	// Bad input: 422, the form again with what was typed.
	res := adminPost(t, env, c, "/admin/users/new", "/admin/users", url.Values{"email": {"not-an-email"}, "name": {"สมศรี ทดสอบ"},
		"agency_id": {hubID(t, env, `SELECT id FROM agencies WHERE slug = 'kh-cnp-aht'`)}, "role": {"investigator"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `value="not-an-email"`) ||
		!strings.Contains(res.Body, `value="สมศรี ทดสอบ"`) || strings.Count(res.Body, `class="field-error"`) != 2 {
		t.Fatalf("bad invitation: %d %s", res.Status, excerpt(res.Body))
	}
	res = adminPost(t, env, c, "/admin/users/new", "/admin/users", url.Values{"email": {thWorker}, "name": {"X"}, "agency_id": {police}, "role": {"investigator"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "already exists") {
		t.Fatalf("taken email: %d %s", res.Status, excerpt(res.Body))
	}
	// An invitation shows the link once.
	res = adminPost(t, env, c, "/admin/users/new", "/admin/users", url.Values{"email": {"Somsri@Example.org"}, "name": {"สมศรี ทดสอบ"}, "agency_id": {police}, "role": {"investigator"}})
	m := enrolmentLink.FindStringSubmatch(res.Body)
	if res.Status != http.StatusCreated || m == nil {
		t.Fatalf("invitation: %d %s", res.Status, excerpt(res.Body))
	}
	u, _, err := env.App.Directory.EnrolmentUser(ctx, m[2])
	if err != nil || u.Email != "somsri@example.org" {
		t.Fatalf("the link's user: %+v %v", u, err)
	}
	userPage := "/admin/users/" + u.ID
	if status, body := apptest.Get(t, c, env.URL()+"/admin/users?q=somsri"); status != http.StatusOK || !strings.Contains(body, userPage) {
		t.Fatalf("search: %d %s", status, excerpt(body))
	}
	if _, body := apptest.Get(t, c, env.URL()+"/admin/users?q=nobody-at-all"); !strings.Contains(body, `data-testid="empty"`) {
		t.Errorf("no empty state: %s", excerpt(body))
	}
	// A role at an agency outside the country: 422, the user's page again with the choice kept.
	res = adminPost(t, env, c, userPage, userPage+"/memberships", url.Values{"agency_id": {police}, "role": {"embassy_officer"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `value="embassy_officer" selected`) {
		t.Fatalf("role for the wrong kind: %d %s", res.Status, excerpt(res.Body))
	}
	res = adminPost(t, env, c, userPage, userPage+"/memberships", url.Values{"agency_id": {police}, "role": {"supervisor"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("add role: %d %s", res.Status, excerpt(res.Body))
	}
	mid := hubID(t, env, `SELECT id FROM memberships WHERE user_id = ? AND role = 'supervisor'`, u.ID)
	if res = adminPost(t, env, c, userPage, "/admin/memberships/"+mid+"/delete", url.Values{}); res.Status != http.StatusSeeOther {
		t.Fatalf("remove role: %d %s", res.Status, excerpt(res.Body))
	}
	last := hubID(t, env, `SELECT id FROM memberships WHERE user_id = ?`, u.ID)
	if res = adminPost(t, env, c, userPage, "/admin/memberships/"+last+"/delete", url.Values{}); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("remove the last role: %d %s", res.Status, excerpt(res.Body))
	}
	// A new link voids the first.
	res = adminPost(t, env, c, userPage, userPage+"/enrolment", url.Values{})
	if m2 := enrolmentLink.FindStringSubmatch(res.Body); res.Status != http.StatusOK || m2 == nil || m2[2] == m[2] {
		t.Fatalf("new link: %d %s", res.Status, excerpt(res.Body))
	}
	if _, _, err := env.App.Directory.EnrolmentUser(ctx, m[2]); err == nil {
		t.Error("the first link still works")
	}
	for _, action := range []string{"sessions/end", "tokens/revoke", "factors/reset", "disable", "enable"} {
		if res = adminPost(t, env, c, userPage, userPage+"/"+action, url.Values{}); res.Status != http.StatusSeeOther {
			t.Errorf("%s: %d %s", action, res.Status, excerpt(res.Body))
		}
	}
	var n int64
	env.App.Hub.Raw(`SELECT count(*) FROM audit_log WHERE entity_id = ? AND actor_user_id IS NOT NULL`, u.ID).Scan(&n)
	if n < 10 {
		t.Errorf("only %d audit rows by the admin for the user", n)
	}
	// Their own account: no actions offered, and refused when posted.
	self := hubID(t, env, `SELECT id FROM users WHERE email = ?`, thAdmin)
	if _, body := apptest.Get(t, c, env.URL()+"/admin/users/"+self); strings.Contains(body, "/disable") || strings.Contains(body, "/memberships\"") {
		t.Errorf("actions offered on their own account")
	}
	if res = adminPost(t, env, c, "/admin", "/admin/users/"+self+"/memberships", url.Values{"agency_id": {police}, "role": {"country_admin"}}); res.Status != http.StatusForbidden {
		t.Errorf("granting themselves a role: %d", res.Status)
	}
	// Thai and Khmer pages.
	for _, lang := range []string{"th", "km"} {
		req, _ := http.NewRequest(http.MethodGet, env.URL()+userPage, nil)
		req.AddCookie(&http.Cookie{Name: "lang", Value: lang})
		if res := send(t, c, req); res.Status != http.StatusOK || !strings.Contains(res.Body, `lang="`+lang+`"`) || strings.Contains(res.Body, "admin.") {
			t.Errorf("%s page: %d %s", lang, res.Status, excerpt(res.Body))
		}
	}
}

func TestAdminDisableEndsSessionAndTokenAtOnce(t *testing.T) {
	env := apptest.New(t)
	worker, token := env.Login(t, thWorker), env.Token(t, thWorker)
	if status, _ := apptest.Get(t, worker, env.URL()+"/cases"); status != http.StatusOK {
		t.Fatalf("before: %d", status)
	}
	id := walkAdminUserID(t, env)
	admin := env.Login(t, thAdmin)
	if res := adminPost(t, env, admin, "/admin/users/"+id, "/admin/users/"+id+"/disable", url.Values{}); res.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", res.Status, excerpt(res.Body))
	}
	res := send(t, worker, pageRequestGet(t, env.URL()+"/cases"))
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
		t.Errorf("the disabled user's session: %d %s", res.Status, res.Header.Get("Location"))
	}
	if status, _ := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/me", token, ""); status != http.StatusUnauthorized {
		t.Errorf("the disabled user's token: %d", status)
	}
	if res := adminPost(t, env, apptest.Client(), "/login", "/login", url.Values{"email": {thWorker}, "password": {demoPassword}}); res.Status == http.StatusSeeOther && res.Header.Get("Location") != "/login" {
		t.Errorf("a disabled user signed in: %d %s", res.Status, res.Header.Get("Location"))
	}
}

func pageRequestGet(t *testing.T, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestAdminAPI(t *testing.T) {
	env := apptest.New(t)
	base, token := env.URL()+"/api/v1/admin", env.Token(t, thAdmin)
	api := func(method, path, body string) (int, string) {
		t.Helper()
		return apptest.API(t, method, base+path, token, body)
	}
	status, body := api(http.MethodPost, "/users", `{"email": "bad", "name": "", "agency_id": "kh-cnp-aht", "role": "king"}`)
	if e := decodeError(t, body); status != http.StatusUnprocessableEntity || len(e.Error.Fields) != 4 {
		t.Fatalf("bad invitation: %d %s", status, body)
	}
	status, body = api(http.MethodPost, "/users", `{"email": "Dara@example.org", "name": "Dara", "agency_id": "th-pct", "role": "investigator"}`)
	var inv struct {
		User struct {
			ID      string `json:"id"`
			Version int    `json:"version"`
		} `json:"user"`
		URL string `json:"enrolment_url"`
	}
	if status != http.StatusCreated || json.Unmarshal([]byte(body), &inv) != nil || !strings.Contains(inv.URL, "/enrol/he_") {
		t.Fatalf("invite: %d %s", status, body)
	}
	token2 := inv.URL[strings.LastIndex(inv.URL, "/")+1:]
	if u, _, err := env.App.Directory.EnrolmentUser(context.Background(), token2); err != nil || u.ID != inv.User.ID {
		t.Fatalf("the link: %v", err)
	}
	if status, body = api(http.MethodPost, "/users", `{"email": "dara@example.org", "name": "Dara", "agency_id": "th-pct", "role": "investigator"}`); status != http.StatusUnprocessableEntity ||
		decodeError(t, body).Error.Fields["email"] == "" {
		t.Errorf("duplicate email: %d %s", status, body)
	}
	uid := "/users/" + inv.User.ID
	if status, body = api(http.MethodPatch, uid, `{"name": "Dara Sok", "version": 0}`); status != http.StatusConflict {
		t.Errorf("stale PATCH: %d %s", status, body)
	}
	if status, body = api(http.MethodPatch, uid, `{"name": "Dara Sok", "disabled": true, "version": 1}`); status != http.StatusOK ||
		!strings.Contains(body, `"name":"Dara Sok"`) || !strings.Contains(body, `"disabled":true`) || !strings.Contains(body, `"version":2`) {
		t.Errorf("PATCH: %d %s", status, body)
	}
	if status, body = api(http.MethodPatch, uid, `{"name": "Dara"}`); status != http.StatusUnprocessableEntity {
		t.Errorf("PATCH without version: %d %s", status, body)
	}
	if status, body = api(http.MethodPost, uid+"/enable", ""); status != http.StatusOK || !strings.Contains(body, `"disabled":false`) {
		t.Errorf("enable: %d %s", status, body)
	}
	if status, body = api(http.MethodPost, uid+"/memberships", `{"agency_id": "kh-embassy-bkk", "role": "embassy_officer"}`); status != http.StatusCreated ||
		!strings.Contains(body, `"agency":"kh-embassy-bkk"`) {
		t.Errorf("add membership at the embassy Thailand hosts: %d %s", status, body)
	}
	if status, body = api(http.MethodPost, uid+"/memberships", `{"agency_id": "th-embassy-pnh", "role": "embassy_officer"}`); status != http.StatusUnprocessableEntity ||
		decodeError(t, body).Error.Fields["agency_id"] == "" {
		t.Errorf("membership at an embassy Cambodia hosts: %d %s", status, body)
	}
	mid := hubID(t, env, `SELECT m.id FROM memberships m JOIN agencies a ON a.id = m.agency_id WHERE m.user_id = ? AND a.slug = 'kh-embassy-bkk'`, inv.User.ID)
	if status, body = api(http.MethodDelete, "/memberships/"+mid, ""); status != http.StatusNoContent {
		t.Errorf("remove membership: %d %s", status, body)
	}
	if status, body = api(http.MethodPost, uid+"/enrolment", ""); status != http.StatusCreated || !strings.Contains(body, `"enrolment_url"`) {
		t.Errorf("enrolment: %d %s", status, body)
	}
	for _, p := range []string{"/sessions/end", "/tokens/revoke"} {
		if status, body = api(http.MethodPost, uid+p, ""); status != http.StatusOK || !strings.Contains(body, `"count":`) {
			t.Errorf("%s: %d %s", p, status, body)
		}
	}
	if status, body = api(http.MethodPost, uid+"/factors/reset", ""); status != http.StatusNoContent {
		t.Errorf("reset factors: %d %s", status, body)
	}
	if status, body = api(http.MethodGet, "/users?q=dara&limit=1", ""); status != http.StatusOK || !strings.Contains(body, inv.User.ID) {
		t.Errorf("search: %d %s", status, body)
	}
	if status, body = api(http.MethodGet, "/users?cursor=%21%21", ""); status != http.StatusUnprocessableEntity {
		t.Errorf("bad cursor: %d %s", status, body)
	}
	// Paging: every TH user once.
	seen, cursor := map[string]bool{}, ""
	for i := 0; i < 50; i++ {
		_, body = api(http.MethodGet, "/users?limit=2&cursor="+url.QueryEscape(cursor), "")
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			Next *string `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			if seen[it.ID] {
				t.Errorf("%s twice", it.ID)
			}
			seen[it.ID] = true
		}
		if page.Next == nil {
			break
		}
		cursor = *page.Next
	}
	var want int64
	env.App.Hub.Raw(`SELECT count(DISTINCT m.user_id) FROM memberships m JOIN agencies a ON a.id = m.agency_id WHERE coalesce(a.country, a.works_in) = 'TH'`).Scan(&want)
	if int64(len(seen)) != want {
		t.Errorf("paged %d users, want %d", len(seen), want)
	}
	// Their own account.
	self := "/users/" + hubID(t, env, `SELECT id FROM users WHERE email = ?`, thAdmin)
	for _, c := range []struct{ method, path, body string }{
		{http.MethodPost, self + "/memberships", `{"agency_id": "th-pct", "role": "country_admin"}`},
		{http.MethodPost, self + "/disable", ""},
		{http.MethodPatch, self, `{"name": "Me", "version": 1}`},
	} {
		if status, body := api(c.method, c.path, c.body); status != http.StatusForbidden {
			t.Errorf("own account %s %s: %d %s", c.method, c.path, status, body)
		}
	}
}
