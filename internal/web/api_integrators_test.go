package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

// TestAPIForIntegrators: a query parameter an operation does not take is 400 with the parameter
// named; documented ones pass; error messages say what to do in API terms (never "the page").
func TestAPIForIntegrators(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	tok := env.Token(t, thWorker)
	for _, u := range []string{"/api/v1/cases?stag=closed", "/api/v1/cases?stage=reception&limt=5", "/api/v1/me?debug=1"} {
		status, body := apptest.API(t, http.MethodGet, base+u, tok, "")
		e := decodeError(t, body)
		if status != http.StatusBadRequest || e.Error.Code != "bad_request" || len(e.Error.Fields) != 1 {
			t.Errorf("%s: %d %s", u, status, body)
		}
		for f, key := range e.Error.Fields {
			if !strings.Contains(u, f+"=") || key != "api.error.unknown_parameter" {
				t.Errorf("%s: field %s %s", u, f, key)
			}
		}
	}
	for _, u := range []string{"/api/v1/cases?stage=reception&limit=5", "/api/v1/me"} {
		if status, body := apptest.API(t, http.MethodGet, base+u, tok, ""); status != http.StatusOK {
			t.Errorf("%s: %d %s", u, status, body)
		}
	}
	// A stale version: 409, and the message tells an integrator what to do.
	var list struct {
		Items []struct {
			ID      string `json:"id"`
			Version int    `json:"version"`
		} `json:"items"`
	}
	_, body := apptest.API(t, http.MethodGet, base+"/api/v1/cases?limit=1", tok, "")
	if json.Unmarshal([]byte(body), &list) != nil || len(list.Items) == 0 {
		t.Fatalf("cases: %s", body)
	}
	c := list.Items[0]
	status, body := apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+c.ID+"/transitions", tok,
		`{"to": "closed", "reason": "x", "version": 999}`)
	e := decodeError(t, body)
	if status != http.StatusConflict && status != http.StatusUnprocessableEntity {
		t.Fatalf("stale transition: %d %s", status, body)
	}
	if strings.Contains(strings.ToLower(e.Error.Message), "page") {
		t.Errorf("API message speaks of a page: %q", e.Error.Message)
	}
	if status == http.StatusConflict && !strings.Contains(e.Error.Message, "version") {
		t.Errorf("409 message does not say to send the current version: %q", e.Error.Message)
	}
}

// TestAPISectionRoundTrip: the repatriation section read from the API goes back as an update as
// it is (its read-only fields ignored), with the version it was read at; a field of neither shape
// is still refused.
func TestAPISectionRoundTrip(t *testing.T) {
	env := apptest.New(t)
	id := repatCase(t, env, "Round", "TH")
	tok := env.Token(t, khWorker)
	u := env.URL() + "/api/v1/cases/" + id + "/repatriation"
	worker := env.Login(t, khWorker)
	page := env.URL() + "/cases/" + id + "/repatriation"
	if status, body := postPage(t, worker, page, page, repatForm("0")); status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", status, excerpt(body))
	}
	status, read := apptest.API(t, http.MethodGet, u, tok, "")
	if status != http.StatusOK {
		t.Fatalf("read: %d %s", status, read)
	}
	var section map[string]any
	if err := json.Unmarshal([]byte(read), &section); err != nil {
		t.Fatal(err)
	}
	section["escort_name"] = "Chan Sophea (round trip)"
	body, _ := json.Marshal(section)
	if status, out := apptest.API(t, http.MethodPut, u, tok, string(body)); status != http.StatusOK || !strings.Contains(out, "(round trip)") {
		t.Fatalf("read section sent back: %d %s", status, out)
	}
	section["escrot_name"] = "typo"
	body, _ = json.Marshal(section)
	if status, out := apptest.API(t, http.MethodPut, u, tok, string(body)); status != http.StatusBadRequest {
		t.Errorf("unknown field: %d %s", status, out)
	}
}
