package web_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/testdb"
)

// TestNoStoreOnEveryAnswer: pages, API answers (errors included) and the sign-in page tell caches
// to keep nothing; static assets do not.
func TestNoStoreOnEveryAnswer(t *testing.T) {
	env := apptest.New(t)
	tok := env.Token(t, thWorker)
	c := env.Login(t, thWorker)
	get := func(client *http.Client, path, token string) response {
		req := apiRequest(t, http.MethodGet, env.URL()+path, token, nil)
		return send(t, client, req)
	}
	for _, tt := range []struct {
		name   string
		res    response
		status int
	}{
		{"api me", get(nil, "/api/v1/me", tok), 200},
		{"api cases", get(nil, "/api/v1/cases", tok), 200},
		{"api case not found", get(nil, "/api/v1/cases/"+noSuchCaseID, tok), 404},
		{"api unauthenticated", get(nil, "/api/v1/cases", ""), 401},
		{"api openapi", get(nil, "/api/v1/openapi.json", ""), 200},
		{"page cases", get(c, "/cases", ""), 200},
		{"page settings", get(c, "/settings", ""), 200},
		{"page not found", get(c, "/no/such/page", ""), 404},
		{"sign-in page", get(apptest.Client(), "/login", ""), 200},
	} {
		if tt.res.Status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, tt.res.Status, tt.status)
		}
		if got := tt.res.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", tt.name, got)
		}
	}
	if res := get(nil, "/static/app.css", ""); res.Status != 200 || res.Header.Get("Cache-Control") == "no-store" {
		t.Errorf("static asset: status %d, Cache-Control %q", res.Status, res.Header.Get("Cache-Control"))
	}
}

// TestNULIsInvalid: a NUL byte in a path, a query, a form or a JSON string is 422 invalid, never
// a 500, on several routes of the API and of the pages.
func TestNULIsInvalid(t *testing.T) {
	env := apptest.New(t)
	tok := env.Token(t, thWorker)
	caseID := ownCaseID(t, env, thWorker)
	api := func(method, path, body string) response {
		t.Helper()
		var req *http.Request
		if body == "" {
			req = apiRequest(t, method, env.URL()+path, tok, nil)
		} else {
			req = apiRequest(t, method, env.URL()+path, tok, strings.NewReader(body))
		}
		return send(t, nil, req)
	}
	for _, tt := range []struct {
		name, method, path, body, field string
	}{
		{"query", "GET", "/api/v1/cases?q=Da%00ra", "", "q"},
		{"query cursor", "GET", "/api/v1/cases?cursor=%00", "", "cursor"},
		{"path", "GET", "/api/v1/cases/" + caseID + "%00", "", "path"},
		{"path of a timeline", "GET", "/api/v1/cases/ab%00cd/timeline", "", "path"},
		{"json intake", "POST", "/api/v1/persons", strings.Replace(intakeJSON(t, "Dara", "Nul", "KH"), `"Dara"`, `"Da\u0000ra"`, 1), "given_name"},
		{"json in a list", "POST", "/api/v1/persons", strings.Replace(intakeJSON(t, "Dara", "Nul", "KH"), `["km"]`, `["k\u0000m"]`, 1), "languages"},
		{"json transition", "POST", "/api/v1/cases/" + caseID + "/transitions", `{"to":"screening","reason":"a\u0000b","version":1}`, "reason"},
		{"json key", "POST", "/api/v1/persons", `{"given\u0000name":"Dara"}`, "body"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := api(tt.method, tt.path, tt.body)
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", res.Status, excerpt(res.Body))
			}
			if e := decodeError(t, res.Body); e.Error.Code != "invalid" || e.Error.Fields[tt.field] == "" {
				t.Errorf("error %+v, want invalid on %s", e.Error, tt.field)
			}
		})
	}
	// Pages: a query and a form.
	c := env.Login(t, thWorker)
	if status, body := apptest.Get(t, c, env.URL()+"/cases?q=a%00b"); status != http.StatusUnprocessableEntity {
		t.Errorf("page query: status %d: %s", status, excerpt(body))
	}
	form := url.Values{"given_name": {"Da\x00ra"}, "sex": {"female"}, "age_estimate": {"27"}, "nationality": {"KH"}}
	res := apptest.PostForm(t, c, env.URL()+"/cases/new", env.URL()+"/cases", form)
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("page form: status %d, want 422", res.StatusCode)
	}
	signIn := apptest.PostForm(t, apptest.Client(), env.URL()+"/login", env.URL()+"/login",
		url.Values{"email": {"a\x00@b.c"}, "password": {"x"}})
	signIn.Body.Close()
	if signIn.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("sign-in form: status %d, want 422", signIn.StatusCode)
	}
	// Multipart uploads are parsed by their handlers: a NUL in a field is refused there (422); in
	// a part's header (the file name) the upload cannot be read (400). Never a 500.
	for name, up := range map[string][3]string{"kind": {"ph\x00oto", "photo.png", "422"}, "file name": {"photo", "ph\x00oto.png", "400"}} {
		if status, body := uploadAPI(t, env, tok, caseID, up[0], up[1], testPNG(t)); strconv.Itoa(status) != up[2] {
			t.Errorf("upload with a NUL in its %s: status %d, want %s: %s", name, status, up[2], excerpt(body))
		}
	}
	// A valid request still passes.
	if res := api("GET", "/api/v1/cases?q=Dara", ""); res.Status != http.StatusOK {
		t.Errorf("plain query: status %d", res.Status)
	}
}

// TestStaticListsNoDirectory: the static folder and its sub-folders are not found; files are
// served with their types.
func TestStaticListsNoDirectory(t *testing.T) {
	env := apptest.New(t)
	get := func(path string) response {
		return send(t, nil, apiRequest(t, http.MethodGet, env.URL()+path, "", nil))
	}
	for _, p := range []string{"/static/", "/static/sub/", "/static//", "/static/./", "/static", "/static/no-such.css", "/static/../templates/", "/static/%2e%2e/templates/base.html"} {
		if res := get(p); res.Status != http.StatusNotFound || strings.Contains(res.Body, `href="app.css"`) || strings.Contains(res.Body, `<pre>`) {
			t.Errorf("GET %s: status %d: %s", p, res.Status, excerpt(res.Body))
		}
	}
	for p, ct := range map[string]string{"/static/app.css": "text/css", "/static/htmx.min.js": "javascript", "/static/openapi.json": "application/json"} {
		res := get(p)
		if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), ct) {
			t.Errorf("GET %s: status %d, type %q", p, res.Status, res.Header.Get("Content-Type"))
		}
	}
}

// TestJointCSVDefusesFormulas: operation names that a spreadsheet would run as a formula are
// written as text in the joint report's CSV.
func TestJointCSVDefusesFormulas(t *testing.T) {
	env := apptest.New(t)
	a := env.Actor(t, thAnalyst)
	names := []string{"=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)"}
	for i, n := range names {
		id := "0f1c0009-0000-4000-8000-00000000000" + string(rune('1'+i))
		testdb.Exec(t, env.Databases["TH"], `INSERT INTO operations (id, name, operation_date, lead_agency_id) VALUES ($1, $2, '2019-06-01', $3)`, id, n, a.AgencyID)
		for j := range 6 {
			pid := "0f1c000a-0000-4000-8000-0000000000" + string(rune('1'+i)) + string(rune('0'+j))
			testdb.Exec(t, env.Databases["TH"], `INSERT INTO persons (id, given_name, sex, nationality, minor, operation_id, created_at)
				VALUES ($1, 'Formula', 'female', 'KH', false, $2, '2019-06-02T00:00:00Z')`, pid, id)
			testdb.Exec(t, env.Databases["TH"], `INSERT INTO cases (id, reference, person_id, owner_agency_id, stage, created_at, updated_at)
				VALUES ($1, $2, $1, $3, 'reception', '2019-06-02T00:00:00Z', '2019-06-02T00:00:00Z')`, pid, "FX-F"+string(rune('1'+i))+string(rune('0'+j)), a.AgencyID)
		}
	}
	c := env.Login(t, thAnalyst)
	status, body := apptest.Get(t, c, env.URL()+"/reports/joint.csv?from=2019-01-01&to=2019-12-31")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, excerpt(body))
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("formula cell %q in row %v", cell, row)
			}
		}
		if len(row) > 2 && row[0] == "operation" {
			for _, n := range names {
				if row[1] == "'"+n {
					seen++
				}
			}
		}
	}
	if seen != len(names) {
		t.Errorf("%d of %d operations written as text: %v", seen, len(names), rows)
	}
}
