package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/locale"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// Demo users the HTTP tests act as.
const (
	thWorker       = "caseworker@th-msdhs-sakaeo.demo"
	thSupervisor   = "supervisor@th-msdhs-sakaeo.demo"
	thAuditor      = "auditor@th-msdhs-sakaeo.demo"
	thAnalyst      = "analyst@th-msdhs-sakaeo.demo"
	thAdmin        = "country_admin@th-msdhs-sakaeo.demo"
	thPolice       = "investigator@th-pct.demo"
	khWorker       = "caseworker@kh-mosvy-poipet.demo"
	thEmbassy      = "embassy_officer@th-embassy-pnh.demo"
	ngoWorker      = "ngo_worker@ngo-kh-shelter.demo"
	demoPassword   = "homeward-demo"
	noSuchCaseID   = "00000000-0000-7000-8000-000000000000"
	jsonTypeHeader = "application/json"
)

// response is what a test needs of an HTTP answer.
type response struct {
	Status int
	Header http.Header
	Body   string
}

// send performs req with a client that does not follow redirects.
func send(t *testing.T, c *http.Client, req *http.Request) response {
	t.Helper()
	if c == nil {
		c = apptest.Client()
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// apiRequest builds a JSON API request; token "" sends no Authorization header.
func apiRequest(t *testing.T, method, url, token string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", jsonTypeHeader)
	}
	return req
}

// errorBody is the JSON error body of CONTRACT.md.
type errorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// decodeError parses a JSON error body, failing the test when it is not one.
func decodeError(t *testing.T, body string) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("not a JSON error body (%v): %.300s", err, body)
	}
	return e
}

// mustJSON marshals v.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// intakeJSON is a valid API intake body with the given names.
func intakeJSON(t *testing.T, given, family, nationality string) string {
	t.Helper()
	return mustJSON(t, map[string]any{"given_name": given, "family_name": family, "sex": "female",
		"age_estimate": 24, "nationality": nationality, "document_number": "P 7788-991", "languages": []string{"km"}})
}

// created is the body of a 201 from POST /api/v1/persons.
type created struct {
	Person struct {
		ID         string `json:"id"`
		GivenName  string `json:"given_name"`
		FamilyName string `json:"family_name"`
	} `json:"person"`
	Case struct {
		ID        string `json:"id"`
		Reference string `json:"reference"`
		PersonID  string `json:"person_id"`
		Stage     string `json:"stage"`
		Version   int    `json:"version"`
	} `json:"case"`
}

// intakeAPI registers a person through the API and returns the response body.
func intakeAPI(t *testing.T, env *apptest.Env, token, body string) created {
	t.Helper()
	status, out := apptest.API(t, http.MethodPost, env.URL()+"/api/v1/persons", token, body)
	if status != http.StatusCreated {
		t.Fatalf("POST /api/v1/persons: status %d, want 201: %s", status, out)
	}
	var c created
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("POST /api/v1/persons: %v: %s", err, out)
	}
	return c
}

// ownCaseID returns the id of a case the agency of email owns.
func ownCaseID(t *testing.T, env *apptest.Env, email string) string {
	t.Helper()
	page, err := env.App.Cases.List(context.Background(), env.Actor(t, email), cases.ListQuery{Limit: 1})
	if err != nil {
		t.Fatalf("list cases of %s: %v", email, err)
	}
	if len(page.Items) == 0 {
		t.Fatalf("%s sees no demo case", email)
	}
	return page.Items[0].ID
}

var htmlLang = regexp.MustCompile(`<html lang="([a-z]+)"`)

// message returns the message key as the page body renders it: in the page's language, HTML-escaped.
func message(t *testing.T, page, key string, args ...any) string {
	t.Helper()
	m := htmlLang.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("page has no <html lang>: %.300s", page)
	}
	b, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	text := b.For(m[1], false, nil).T(key, args...)
	if text == "" || text == key {
		t.Fatalf("no message %q in %s", key, m[1])
	}
	var buf bytes.Buffer
	if err := template.Must(template.New("").Parse(`{{.}}`)).Execute(&buf, text); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// excerpt shortens a body for a failure message.
func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}
