package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/web"
)

// publicRoutes are the only routes open without signing in.
var publicRoutes = []string{
	echo.RouteNotFound + " /*", // the not-found answer for every unknown path
	"GET /api/v1/openapi.json",
	"GET /enrol/:token", // a one-time enrolment link; a dead one is the not-found page (account_test.go)
	"GET /healthz",
	"GET /login",
	"GET /login/mfa", // the second step of sign-in, on the pending sign-in in the session (mfa_signin.go)
	"GET /readyz",
	"GET /static/*",
	"POST /language",
	"POST /login",
	"POST /enrol/:token",
	"POST /login/mfa",
	"POST /login/mfa/passkey/begin",
	"POST /login/mfa/passkey/finish",
}

// withoutSection names the signed-in actor whose roles lack a section: the auditor has no case
// content, the caseworker has no inbox. Other sections fall back to the first of candidates.
var withoutSection = map[authz.Section]string{authz.SectionCases: thAuditor, authz.SectionInbox: thWorker}

// candidates are the demo users tried, in order, for a section not named above and as the actor
// holding a section.
// thPolice: investigation; thSupervisor: the supervisor's decisions; thPoliceSup: the police
// supervisor's (closure, merge, timeline), and refused the others.
var candidates = []string{thWorker, thEmbassy, thAuditor, thAnalyst, thAdmin, thPolice, thSupervisor, thPoliceSup}

// TestRouteWalk enforces deny by default: every route has an access rule, and every rule that is
// not public refuses the unauthenticated (401 / sign-in page) and the actor without its section
// (404, never 403).
func TestRouteWalk(t *testing.T) {
	env, _ := attachmentsEnv(t) // apptest.New, with attachments in a directory of the test
	base := env.URL()
	rules := env.App.Server.AccessRules()

	registered := map[string]bool{}
	var missing []string
	for _, r := range env.App.Server.Echo().Routes() {
		key := r.Method + " " + r.Path
		registered[key] = true
		if r.Method == echo.RouteNotFound {
			continue
		}
		if _, ok := rules[key]; !ok {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("routes without an access rule:\n  %s", strings.Join(missing, "\n  "))
	}
	var stale []string
	for key := range rules {
		if !registered[key] {
			stale = append(stale, key)
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("access rules without a route:\n  %s", strings.Join(stale, "\n  "))
	}

	keys := make([]string, 0, len(rules))
	for key := range rules {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	var public []string
	for _, key := range keys {
		if rules[key].Public {
			public = append(public, key)
		}
	}
	wantPublic := slices.Sorted(slices.Values(publicRoutes))
	if d := cmp.Diff(wantPublic, public); d != "" {
		t.Errorf("public routes changed; a new public route is a reviewed decision (-want +got):\n%s", d)
	}
	// A real TH case (with the police on its team), and an attachment of it for the :aid routes: a 404
	// below is about the section, not the row.
	caseID := sharedCaseID(t, env)
	attachmentID := seedAttachment(t, env, caseID)
	operationID := thOperationID(t, env) // a real TH operation, for the /operations/:id routes
	// A file the TH caseworker checked for that operation, for the :upload routes (imports_checked_test.go).
	uploadID, _ := impCheck(t, env, env.Login(t, thWorker), operationID, []byte(impHeader+"Sokha,Chan,female,1999-04-12,,KH,\n"))
	batchID := thBatchID(t, env) // a real handover batch of the TH welfare agency (handover_test.go)
	// Real packets for the exchange's :pid routes (packets_test.go).
	inboxPID, outPID := walkPacketIDs(t, env, caseID)
	adminUserID := walkAdminUserID(t, env) // a TH user, for the /admin/users/:id routes (admin_isolation_test.go)
	// The own account's :id routes take a token and a session of the actor who holds self (account_test.go).
	tokenID, sessionID := walkAccountIDs(t, env, thWorker)
	notFoundAPI := send(t, nil, apiRequest(t, http.MethodGet, base+"/api/v1/no-such-route", "", nil))
	if notFoundAPI.Status != http.StatusNotFound || decodeError(t, notFoundAPI.Body).Error.Code != "not_found" {
		t.Fatalf("GET /api/v1/no-such-route = %d %s, want 404 not_found", notFoundAPI.Status, notFoundAPI.Body)
	}

	tokens, sessions := map[string]string{}, map[string]*http.Client{}
	token := func(t *testing.T, email string) string {
		if tokens[email] == "" {
			tokens[email] = env.Token(t, email)
		}
		return tokens[email]
	}
	session := func(t *testing.T, email string) *http.Client {
		if sessions[email] == nil {
			sessions[email] = env.Login(t, email)
		}
		return sessions[email]
	}

	// An unknown path or a method a path does not route is the same not-found, signed in or not.
	t.Run("unrouted", func(t *testing.T) {
		for _, m := range []struct{ method, path, token string }{
			{http.MethodDelete, "/api/v1/cases/" + caseID, ""},
			{http.MethodDelete, "/api/v1/cases/" + caseID, token(t, thWorker)},
			{http.MethodPut, "/api/v1/persons", token(t, thWorker)},
			{http.MethodDelete, "/api/v1/audit", token(t, thAuditor)},
		} {
			res := send(t, nil, apiRequest(t, m.method, base+m.path, m.token, nil))
			if res.Status != http.StatusNotFound || withoutRequestID(res.Body) != withoutRequestID(notFoundAPI.Body) {
				t.Errorf("%s %s (token %v): %d %s, want 404 %s", m.method, m.path, m.token != "", res.Status, res.Body, notFoundAPI.Body)
			}
		}
		c := session(t, thWorker)
		for _, m := range []struct{ method, path string }{
			{http.MethodGet, "/nowhere"},
			{http.MethodPost, "/nowhere"},
			{http.MethodDelete, "/cases/" + caseID},
			{http.MethodPut, "/settings"},
		} {
			req, err := http.NewRequest(m.method, base+m.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res := send(t, c, req); res.Status != http.StatusNotFound {
				t.Errorf("page %s %s: status %d, want 404: %s", m.method, m.path, res.Status, excerpt(res.Body))
			}
		}
	})

	for _, key := range keys {
		acc := rules[key]
		if acc.Public {
			continue
		}
		method, path, _ := strings.Cut(key, " ")
		id := caseID
		if strings.Contains(path, "/operations/:id") {
			id = operationID
		}
		if strings.Contains(path, "/handover/batches/:id") {
			id = batchID
		}
		if strings.Contains(path, "/admin/users/:id") {
			id = adminUserID
		}
		id = accountWalkID(path, id, tokenID, sessionID)
		u := base + strings.ReplaceAll(strings.ReplaceAll(path, ":id", id), ":aid", attachmentID)
		u = strings.ReplaceAll(u, ":upload", uploadID)
		u = pktWalkURL(path, u, inboxPID, outPID)
		u = strings.Replace(u, "/referrals/:pid", "/referrals/"+inboxPID, 1) // the NGO pages (routes_support.go)
		api := strings.HasPrefix(path, "/api/")

		t.Run(key+"/unauthenticated", func(t *testing.T) {
			if api {
				for name, tok := range map[string]string{"no token": "", "bad token": "not-a-real-token"} {
					res := send(t, nil, apiRequest(t, method, u, tok, strings.NewReader("{}")))
					if res.Status != http.StatusUnauthorized {
						t.Errorf("%s: status %d, want 401: %s", name, res.Status, excerpt(res.Body))
						continue
					}
					if code := decodeError(t, res.Body).Error.Code; code != "unauthenticated" {
						t.Errorf("%s: code %q, want unauthenticated", name, code)
					}
					if res.Header.Get("WWW-Authenticate") == "" {
						t.Errorf("%s: 401 without WWW-Authenticate", name)
					}
				}
				return
			}
			c := apptest.Client()
			res := send(t, c, pageRequest(t, c, base+"/login", method, u))
			if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
				t.Errorf("status %d Location %q, want 303 to /login: %s", res.Status, res.Header.Get("Location"), excerpt(res.Body))
			}
		})

		if acc.Section == "" {
			continue
		}
		// A section every role holds (the actor's own account) has no refusal to see.
		if !heldByEveryRole(env, acc) {
			t.Run(key+"/without section "+string(acc.Section), func(t *testing.T) {
				for _, email := range refusedActors(t, env, acc) {
					if api {
						res := send(t, nil, apiRequest(t, method, u, token(t, email), strings.NewReader("{}")))
						if res.Status != http.StatusNotFound || withoutRequestID(res.Body) != withoutRequestID(notFoundAPI.Body) {
							t.Errorf("as %s: %d %s, want 404 %s", email, res.Status, res.Body, notFoundAPI.Body)
						}
						continue
					}
					c := session(t, email)
					res := send(t, c, pageRequest(t, c, base+"/settings", method, u))
					if res.Status != http.StatusNotFound {
						t.Errorf("as %s: status %d, want 404: %s", email, res.Status, excerpt(res.Body))
					}
				}
			})
		}

		// A positive control: an actor with the section reaches the same URL, so the 404 above
		// is the section's doing. Only safe (GET) routes; writes are covered elsewhere.
		if method != http.MethodGet {
			continue
		}
		t.Run(key+"/with section "+string(acc.Section), func(t *testing.T) {
			email := pickActor(t, env, acc, true)
			var res response
			if api {
				res = send(t, nil, apiRequest(t, method, u, token(t, email), nil))
			} else {
				c := session(t, email)
				res = send(t, c, pageRequest(t, c, base+"/settings", method, u))
			}
			// 200, or a page sending the actor on to their work (GET / does), never to sign-in.
			if loc := res.Header.Get("Location"); res.Status != http.StatusOK &&
				(res.Status != http.StatusSeeOther || loc == "" || loc == "/login") {
				t.Errorf("as %s: status %d (Location %q), want 200: %s", email, res.Status, loc, excerpt(res.Body))
			}
		})
	}
}

// heldByEveryRole reports whether every role holds the rule's section and action.
func heldByEveryRole(env *apptest.Env, acc web.Access) bool {
	for _, r := range authz.AllRoles {
		if !env.App.Policy.Allowed(r, acc.Section, acc.Action) {
			return false
		}
	}
	return true
}

// pickActor returns the first candidate whose roles grant (has) or lack (!has) the rule's section and
// action and who works in the TH store or has none (so the case id is of their own store).
func pickActor(t *testing.T, env *apptest.Env, acc web.Access, has bool) string {
	t.Helper()
	if email, ok := withoutSection[acc.Section]; ok && !has {
		if env.Actor(t, email).Can(acc.Section, acc.Action) {
			t.Fatalf("%s holds %s %s", email, acc.Section, acc.Action)
		}
		return email
	}
	for _, email := range candidates {
		a := env.Actor(t, email)
		if a.Can(acc.Section, acc.Action) == has && (a.Country == "TH" || !a.HasStore()) {
			return email
		}
	}
	t.Fatalf("no demo user with has=%v for %s %s", has, acc.Section, acc.Action)
	return ""
}

// refusedActors are the actors tried without the rule's right: one (pickActor) for a section's
// read or write; for a decision right (authz.Uses lists its places), every candidate lacking it,
// so a role that must not decide (the police supervisor on identification) is tried by name.
func refusedActors(t *testing.T, env *apptest.Env, acc web.Access) []string {
	t.Helper()
	decision := false
	for _, u := range authz.Uses {
		if u.Section == acc.Section && u.Action == acc.Action {
			decision = len(u.Places) > 0
		}
	}
	if !decision {
		return []string{pickActor(t, env, acc, false)}
	}
	var out []string
	for _, email := range candidates {
		if a := env.Actor(t, email); !a.Can(acc.Section, acc.Action) && (a.Country == "TH" || !a.HasStore()) {
			out = append(out, email)
		}
	}
	return out
}

// pageRequest builds a page request; a POST carries the client's CSRF token, taken from the page
// from, so that the access rule, not the CSRF check, decides.
func pageRequest(t *testing.T, c *http.Client, from, method, u string) *http.Request {
	t.Helper()
	if method == http.MethodGet {
		req, err := http.NewRequest(method, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	form := url.Values{"_csrf": {apptest.CSRF(t, c, from)}}
	req, err := http.NewRequest(method, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}
