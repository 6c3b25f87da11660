package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/web"
)

// openAPIDoc is web/static/openapi.json, decoded.
func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	b, err := web.Files.ReadFile("static/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// jsonAt is the value at keys in nested JSON objects, or nil.
func jsonAt(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

var isoDay = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// dateWalk checks the answers of the API against the dates of its OpenAPI document: every value
// of a `format: date` field is YYYY-MM-DD, every `format: date-time` one RFC 3339.
type dateWalk struct {
	t    *testing.T
	doc  map[string]any
	seen map[string]bool // "Schema.field" of each date field met in an answer
}

func (w *dateWalk) check(schema any, v any, name, at string) {
	s, _ := schema.(map[string]any)
	if s == nil || v == nil {
		return
	}
	if ref, ok := s["$ref"].(string); ok {
		name = strings.TrimPrefix(ref, "#/components/schemas/")
		w.check(jsonAt(w.doc, "components", "schemas", name), v, name, at)
		return
	}
	if str, ok := v.(string); ok {
		switch s["format"] {
		case "date": // "" only where the document says a field may be "" for none
			w.seen[name] = true
			if str == "" && strings.Contains(fmt.Sprint(s["description"]), `""`) {
				break
			}
			if _, err := time.Parse(time.DateOnly, str); err != nil || !isoDay.MatchString(str) {
				w.t.Errorf("%s (%s): %q is not YYYY-MM-DD", at, name, str)
			}
		case "date-time":
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				w.t.Errorf("%s (%s): %q is not RFC 3339", at, name, str)
			}
		}
	}
	for _, k := range []string{"oneOf", "anyOf", "allOf"} {
		alts, _ := s[k].([]any)
		for _, alt := range alts {
			w.check(alt, v, name, at)
		}
	}
	switch v := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for k, x := range v {
			if sub, ok := props[k]; ok {
				w.check(sub, x, name+"."+k, at+"."+k)
			} else if extra, ok := s["additionalProperties"].(map[string]any); ok {
				w.check(extra, x, name+".*", at+"."+k)
			}
		}
	case []any:
		for i, x := range v {
			w.check(s["items"], x, name+"[]", at+"["+string(rune('0'+i%10))+"]")
		}
	}
}

// TestAPIDates: the answers of the API's reads, walked against the OpenAPI document, write every
// date as YYYY-MM-DD and every timestamp as RFC 3339; each date field documented for these reads
// is met at least once; a date sent in another shape is 422 naming the field.
func TestAPIDates(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	doc := openAPIDoc(t)
	w := &dateWalk{t: t, doc: doc, seen: map[string]bool{}}

	// A TH case with a consent, a service, a visit and a note; a KH case with its repatriation
	// section and a screening.
	th := supportCase(t, env)
	thTok := env.Token(t, thWorker)
	mustOK := func(tok, method, u, body string, want int) {
		t.Helper()
		if status, out := apptest.API(t, method, base+u, tok, body); status != want {
			t.Fatalf("%s %s: %d %s", method, u, status, out)
		}
	}
	mustOK(thTok, http.MethodPost, "/api/v1/cases/"+th+"/services", `{"kind":"shelter","status":"completed","provider_kind":"own","start_date":"`+
		repatDay(-30)+`","end_date":"`+repatDay(-2)+`","outcome":"Moved home"}`, http.StatusCreated)
	mustOK(thTok, http.MethodPost, "/api/v1/cases/"+th+"/reintegration/visits", `{"status":"scheduled","visit_date":"`+repatDay(7)+
		`","location_kind":"home","address":"Ban Khlong Luek"}`, http.StatusCreated)
	addNoteAPI(t, env, thTok, th, "general", "Called the family.")
	kh := repatCase(t, env, "Dates", "TH")
	page := base + "/cases/" + kh + "/repatriation"
	if status, body := postPage(t, env.Login(t, khWorker), page, page, repatForm("0")); status != http.StatusSeeOther {
		t.Fatalf("repatriation: %d %s", status, excerpt(body))
	}
	khTok := env.Token(t, khWorker)
	scr := scrCase(t, env, khTok)
	mustOK(khTok, http.MethodPost, "/api/v1/cases/"+scr+"/screening", scrBody(t, 0, "Account."), http.StatusCreated)
	op := impOperation(t, env, "TH")

	reads := []struct{ who, tmpl, url string }{
		{thWorker, "/api/v1/cases", "/api/v1/cases?limit=20"},
		{thWorker, "/api/v1/cases/{id}", "/api/v1/cases/" + th},
		{thWorker, "/api/v1/cases/{id}/consents", "/api/v1/cases/" + th + "/consents"},
		{thWorker, "/api/v1/cases/{id}/services", "/api/v1/cases/" + th + "/services"},
		{thWorker, "/api/v1/cases/{id}/reintegration", "/api/v1/cases/" + th + "/reintegration"},
		{thWorker, "/api/v1/cases/{id}/notes", "/api/v1/cases/" + th + "/notes"},
		{thWorker, "/api/v1/operations", "/api/v1/operations"},
		{thWorker, "/api/v1/operations/{id}", "/api/v1/operations/" + op},
		{thAnalyst, "/api/v1/reports/operations", "/api/v1/reports/operations"},
		{khWorker, "/api/v1/cases/{id}", "/api/v1/cases/" + kh},
		{khWorker, "/api/v1/cases/{id}/repatriation", "/api/v1/cases/" + kh + "/repatriation"},
		{khWorker, "/api/v1/cases/{id}/screening", "/api/v1/cases/" + scr + "/screening"},
		{khWorker, "/api/v1/cases/{id}/consents", "/api/v1/cases/" + kh + "/consents"},
	}
	for _, r := range reads {
		status, body := apptest.API(t, http.MethodGet, base+r.url, env.Token(t, r.who), "")
		if status != http.StatusOK {
			t.Errorf("GET %s: %d %s", r.url, status, body)
			continue
		}
		schema := jsonAt(doc, "paths", r.tmpl, "get", "responses", "200", "content", "application/json", "schema")
		if schema == nil {
			t.Errorf("%s: no 200 schema in openapi.json", r.tmpl)
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatalf("GET %s: %v", r.url, err)
		}
		w.check(schema, v, "", r.tmpl)
	}
	// Every date field of these answers was met at least once (so each was checked).
	for _, want := range []string{"Consent.answered_on", "Service.start_date", "Service.end_date", "FollowUpVisit.visit_date",
		"Repatriation.planned_date", "Repatriation.nationality_requested_on", "Repatriation.travel_document_valid_until",
		"Repatriation.deadlines.*", "OperationProgress.date"} {
		if !w.seen[want] {
			t.Errorf("no answer had the date field %s", want)
		}
	}
	seen := make([]string, 0, len(w.seen))
	for k := range w.seen {
		seen = append(seen, k)
	}
	sort.Strings(seen)
	t.Logf("date fields checked: %v", seen)

	// A date in another shape is 422 naming the field.
	bad := []struct {
		who, method, url, body, field string
	}{
		{thWorker, http.MethodPost, "/api/v1/cases/" + th + "/services", `{"kind":"shelter","status":"planned","provider_kind":"own","start_date":"07/12/2026"}`, "start_date"},
		{thWorker, http.MethodPost, "/api/v1/cases/" + th + "/reintegration/visits", `{"status":"scheduled","visit_date":"2026-12-07T10:00:00Z","location_kind":"home"}`, "visit_date"},
		{thWorker, http.MethodPost, "/api/v1/cases/" + th + "/consents", strings.Replace(consentBody(t, "services", "given"), "2026-01-10", "10/01/2026", 1), "answered_on"},
		{khWorker, http.MethodPost, "/api/v1/cases/" + scr + "/screening", strings.Replace(scrBody(t, 0, "x"), "2025-06-20", "20.06.2025", 1), "interview_date"},
	}
	for _, b := range bad {
		status, body := apptest.API(t, b.method, base+b.url, env.Token(t, b.who), b.body)
		if e := decodeError(t, body); status != http.StatusUnprocessableEntity || e.Error.Fields[b.field] == "" {
			t.Errorf("%s with %s in another shape: %d %s, want 422 naming it", b.url, b.field, status, body)
		}
	}
}
