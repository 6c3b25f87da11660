package web_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

const khAdmin = "country_admin@kh-mosvy-poipet.demo"

// hubID returns one id from the hub.
func hubID(t *testing.T, env *apptest.Env, query string, args ...any) string {
	t.Helper()
	var id string
	if err := env.App.Hub.Raw(query, args...).Scan(&id).Error; err != nil || id == "" {
		t.Fatalf("%s %v: %q %v", query, args, id, err)
	}
	return id
}

// walkAdminUserID is a TH user a TH admin may see, for the route walk's /admin/users/:id routes.
func walkAdminUserID(t *testing.T, env *apptest.Env) string {
	return hubID(t, env, `SELECT id FROM users WHERE email = ?`, thWorker)
}

// adminRouteKeys are the registered /admin and /api/v1/admin routes, sorted.
func adminRouteKeys(env *apptest.Env) []string {
	var keys []string
	for key := range env.App.Server.AccessRules() {
		_, path, _ := strings.Cut(key, " ")
		if strings.HasPrefix(path, "/admin") || strings.HasPrefix(path, "/api/v1/admin/") {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	return keys
}

// adminRequest sends the route with :id as id, as the signed-in client c (pages) or with token (API).
func adminRequest(t *testing.T, env *apptest.Env, key, id string, c *http.Client, token string) response {
	t.Helper()
	method, path, _ := strings.Cut(key, " ")
	u := env.URL() + strings.Replace(path, ":id", id, 1)
	if strings.HasPrefix(path, "/api/") {
		// A body the route reads (strictly), so that the answer is about the access, not the body.
		body := map[string]string{
			"POST /api/v1/admin/users":                 `{"agency_id": "th-pct", "role": "caseworker", "email": "x@example.org", "name": "X"}`,
			"PATCH /api/v1/admin/users/:id":            `{"version": 1, "name": "X"}`,
			"POST /api/v1/admin/users/:id/memberships": `{"agency_id": "th-pct", "role": "caseworker"}`,
		}[key]
		if body == "" {
			return send(t, nil, apiRequest(t, method, u, token, nil))
		}
		return send(t, nil, apiRequest(t, method, u, token, strings.NewReader(body)))
	}
	return send(t, c, pageRequest(t, c, env.URL()+"/settings", method, u))
}

// TestAdminRoutesRefuseOtherRoles: every role but country_admin gets the not-found answer on every
// /admin page and /api/v1/admin route, whatever the id.
func TestAdminRoutesRefuseOtherRoles(t *testing.T) {
	env := apptest.New(t)
	keys := adminRouteKeys(env)
	if len(keys) < 20 {
		t.Fatalf("only %d admin routes", len(keys))
	}
	notFoundAPI := send(t, nil, apiRequest(t, http.MethodGet, env.URL()+"/api/v1/no-such-route", "", nil)).Body
	userID := walkAdminUserID(t, env)
	for _, email := range []string{thAuditor, thWorker, thSupervisor, thAnalyst, thPolice, thEmbassy, ngoWorker,
		"auditor@kh-mosvy-poipet.demo", "supervisor@th-pct.demo"} {
		c, token := env.Login(t, email), env.Token(t, email)
		for _, key := range keys {
			res := adminRequest(t, env, key, userID, c, token)
			if res.Status != http.StatusNotFound {
				t.Errorf("%s: %s = %d, want 404: %s", email, key, res.Status, excerpt(res.Body))
			}
			if strings.Contains(key, " /api/") && withoutRequestID(res.Body) != withoutRequestID(notFoundAPI) {
				t.Errorf("%s: %s body %s, want %s", email, key, res.Body, notFoundAPI)
			}
		}
		// No link to /admin in their navigation.
		if _, body := apptest.Get(t, c, env.URL()+"/settings"); strings.Contains(body, `href="/admin"`) {
			t.Errorf("%s sees the administration link", email)
		}
	}
}

// TestAdminCountriesApart: a TH admin never sees or changes a KH user, nor a KH admin a TH user, on
// any route; each sees their own.
func TestAdminCountriesApart(t *testing.T) {
	env := apptest.New(t)
	keys := adminRouteKeys(env)
	thUser, khUser := walkAdminUserID(t, env), hubID(t, env, `SELECT id FROM users WHERE email = ?`, khWorker)
	thMembership := hubID(t, env, `SELECT id FROM memberships WHERE user_id = ?`, thUser)
	khMembership := hubID(t, env, `SELECT id FROM memberships WHERE user_id = ?`, khUser)
	for _, side := range []struct {
		admin, otherUser, otherMembership, ownUser, otherEmail string
	}{
		{thAdmin, khUser, khMembership, thUser, khWorker},
		{khAdmin, thUser, thMembership, khUser, thWorker},
	} {
		c, token := env.Login(t, side.admin), env.Token(t, side.admin)
		for _, key := range keys {
			if !strings.Contains(key, ":id") {
				continue
			}
			id := side.otherUser
			if strings.Contains(key, "/memberships/:id") {
				id = side.otherMembership
			}
			if res := adminRequest(t, env, key, id, c, token); res.Status != http.StatusNotFound {
				t.Errorf("%s on the other country's %s: %d, want 404: %s", side.admin, key, res.Status, excerpt(res.Body))
			}
		}
		for _, u := range []string{"/admin/users", "/admin/users?q=" + side.otherEmail} {
			if _, body := apptest.Get(t, c, env.URL()+u); strings.Contains(body, ">"+side.otherEmail+"<") || strings.Contains(body, side.otherUser) {
				t.Errorf("%s: %s shows the other country's user", side.admin, u)
			}
		}
		if status, body := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/admin/users?limit=200", token, ""); status != http.StatusOK ||
			strings.Contains(body, side.otherEmail) || !strings.Contains(body, side.ownUser) {
			t.Errorf("%s: API list %d %.300s", side.admin, status, body)
		}
		if status, body := apptest.Get(t, c, env.URL()+"/admin/users/"+side.ownUser); status != http.StatusOK {
			t.Errorf("%s: own country's user page %d %s", side.admin, status, excerpt(body))
		}
	}
	// Nothing changed on either side.
	var n int64
	env.App.Hub.Raw(`SELECT count(*) FROM audit_log WHERE action IN ('user.update', 'user.disable', 'membership.add', 'membership.remove',
		'enrolment.issue', 'session.end_all', 'token.revoke_all', 'mfa.reset')`).Scan(&n)
	if n != 0 {
		t.Errorf("%d admin changes were made across the border", n)
	}
}
