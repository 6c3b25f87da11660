package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/attachments"
	"homeward/internal/investigation"
	"homeward/internal/locale"
	"homeward/internal/notes"
)

// Demo users of the investigation tests (others are in main_test.go).
const (
	thPoliceSup = "supervisor@th-pct.demo"
	khPolice    = "investigator@kh-cnp-aht.demo"
)

// sharedCaseID returns a TH demo case of the welfare agency with the TH police on its team: the
// caseworker and the investigator both see it.
func sharedCaseID(t *testing.T, env *apptest.Env) string {
	t.Helper()
	st, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatal(err)
	}
	var id string
	err = st.DB.Raw(`SELECT c.id FROM cases c JOIN case_team ct ON ct.case_id = c.id
		WHERE c.owner_agency_id = ? AND ct.agency_id = ? ORDER BY c.id LIMIT 1`,
		env.Actor(t, thWorker).AgencyID, env.Actor(t, thPolice).AgencyID).Scan(&id).Error
	if err != nil || id == "" {
		t.Fatalf("no TH case shared by welfare and police: %v", err)
	}
	return id
}

// postPage posts a form from the page at from (for its CSRF token) and returns status and body.
func postPage(t *testing.T, c *http.Client, from, to string, form url.Values) (int, string) {
	t.Helper()
	res := apptest.PostForm(t, c, from, to, form)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

const warrantNote = "Warrant 77/2568 of the Aranyaprathet court, checked by phone."

func TestInvestigationPages(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	id := sharedCaseID(t, env)
	page := base + "/cases/" + id + "/investigation"
	police, worker := env.Login(t, thPolice), env.Login(t, thWorker)

	status, body := apptest.Get(t, police, page)
	if status != http.StatusOK || !strings.Contains(body, `data-testid="investigation-none"`) {
		t.Fatalf("police page before any record: %d %s", status, excerpt(body))
	}
	form := url.Values{"status": {"victim"}, "warrant_check": {"hit"}, "warrant_note": {warrantNote},
		"non_punishment": {"granted"}, "willing_to_testify": {"yes"}, "version": {"0"}}
	if status, body := postPage(t, police, page, page, form); status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", status, excerpt(body))
	}
	_, body = apptest.Get(t, police, page)
	for _, key := range []string{"investigation.status.victim", "investigation.warrant_check.hit", "investigation.testify.yes"} {
		if !strings.Contains(body, message(t, body, key)) {
			t.Errorf("police page lacks %s", key)
		}
	}
	if !strings.Contains(body, "Aranyaprathet") {
		t.Error("police page lacks the warrant note")
	}

	// The caseworker sees that a legal status exists, and nothing of it.
	status, body = apptest.Get(t, worker, base+"/cases/"+id+"/legal-status")
	if status != http.StatusOK || !strings.Contains(body, `data-testid="legal-status-exists"`) {
		t.Fatalf("caseworker legal-status page: %d %s", status, excerpt(body))
	}
	for _, leak := range []string{"Aranyaprathet", message(t, body, "investigation.status.victim"),
		message(t, body, "investigation.warrant_check.hit"), `/investigation"`} {
		if strings.Contains(body, leak) {
			t.Errorf("legal-status page reveals %q", leak)
		}
	}
	status, body = apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+id+"/legal-status", env.Token(t, thWorker), "")
	var presence map[string]any
	if err := json.Unmarshal([]byte(body), &presence); status != http.StatusOK || err != nil || presence["exists"] != true || len(presence) != 2 {
		t.Errorf("API legal-status: %d %s", status, body)
	}

	// A stale form: 409, the record as stored now, and the typed input kept.
	stale := url.Values{"status": {"suspect"}, "warrant_check": {"clear"}, "warrant_note": {"typed on a stale form"},
		"non_punishment": {"refused"}, "willing_to_testify": {"no"}, "version": {"0"}}
	status, body = postPage(t, police, page, page, stale)
	if status != http.StatusConflict {
		t.Fatalf("stale save: %d, want 409: %s", status, excerpt(body))
	}
	for _, want := range []string{message(t, body, "error.conflict"), "typed on a stale form", `<option value="suspect" selected>`,
		"Aranyaprathet", `name="version" value="1"`} {
		if !strings.Contains(body, want) {
			t.Errorf("409 page lacks %q", want)
		}
	}
	// Invalid input: 422 with the message beside the field, input kept.
	bad := url.Values{"status": {"boss"}, "warrant_check": {"clear"}, "warrant_note": {"kept"},
		"non_punishment": {"refused"}, "willing_to_testify": {"no"}, "version": {"1"}}
	status, body = postPage(t, police, page, page, bad)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, message(t, body, "form.error.choose")) || !strings.Contains(body, ">kept</textarea>") {
		t.Errorf("invalid save: %d %s", status, excerpt(body))
	}
}

// TestInvestigationRefused: the section and its routes are not found for everyone but the police
// of an agency that sees the case; the legal-status page is not found for those without it.
func TestInvestigationRefused(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	shared := sharedCaseID(t, env)
	welfareOnly := intakeAPI(t, env, env.Token(t, thWorker), intakeJSON(t, "Sreyleak", "Welfareonly", "KH")).Case.ID
	tests := []struct {
		name, email, caseID string
		legalStatus         bool // whether the legal-status page is reachable
	}{
		{"TH caseworker", thWorker, shared, true},
		{"TH welfare supervisor", thSupervisor, shared, true},
		{"TH investigator, case of another agency", thPolice, welfareOnly, false},
		{"KH investigator, TH case", khPolice, shared, false},
		{"KH caseworker, TH case", khWorker, shared, false},
		{"TH auditor", thAuditor, shared, false},
		{"embassy", thEmbassy, shared, false},
	}
	body := `{"status":"victim","warrant_check":"none","warrant_note":"","non_punishment":"pending","willing_to_testify":"undecided","version":0}`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := env.Token(t, tt.email)
			api := base + "/api/v1/cases/" + tt.caseID + "/investigation"
			for _, m := range []struct{ method, body string }{{http.MethodGet, ""}, {http.MethodPut, body}} {
				if status, out := apptest.API(t, m.method, api, tok, m.body); status != http.StatusNotFound || decodeError(t, out).Error.Code != "not_found" {
					t.Errorf("%s investigation: %d %s, want 404", m.method, status, out)
				}
			}
			c := env.Login(t, tt.email)
			if status, _ := apptest.Get(t, c, base+"/cases/"+tt.caseID+"/investigation"); status != http.StatusNotFound {
				t.Errorf("investigation page: %d, want 404", status)
			}
			status, _ := apptest.Get(t, c, base+"/cases/"+tt.caseID+"/legal-status")
			if want := map[bool]int{true: http.StatusOK, false: http.StatusNotFound}[tt.legalStatus]; status != want {
				t.Errorf("legal-status page: %d, want %d", status, want)
			}
		})
	}
	// A police supervisor (the police_supervisor matrix row) has the section like the investigator.
	if status, out := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+shared+"/investigation", env.Token(t, thPoliceSup), ""); status != http.StatusOK {
		t.Errorf("police supervisor investigation: %d %s, want 200", status, out)
	}
	// The investigator has the section itself, not the bare legal-status page.
	if status, _ := apptest.Get(t, env.Login(t, thPolice), base+"/cases/"+shared+"/legal-status"); status != http.StatusNotFound {
		t.Errorf("investigator legal-status page: %d, want 404", status)
	}
}

func TestInvestigationAPI(t *testing.T) {
	env := apptest.New(t)
	id := sharedCaseID(t, env)
	tok := env.Token(t, thPolice)
	u := env.URL() + "/api/v1/cases/" + id + "/investigation"
	valid := `{"status":"witness","warrant_check":"pending","warrant_note":"` + warrantNote + `","non_punishment":"not_applicable","willing_to_testify":"yes","version":%d}`
	at := func(v string) string { return strings.Replace(valid, "%d", v, 1) }
	tests := []struct {
		name, method, body string
		status             int
		code               string
		fields             []string
	}{
		{"empty record", http.MethodGet, "", 200, "", nil},
		{"create", http.MethodPut, at("0"), 200, "", nil},
		{"create again", http.MethodPut, at("0"), 409, "conflict", nil},
		{"update", http.MethodPut, at("1"), 200, "", nil},
		{"stale", http.MethodPut, at("1"), 409, "conflict", nil},
		{"unknown values", http.MethodPut, `{"status":"boss","warrant_check":"x","non_punishment":"y","willing_to_testify":"z","version":2}`, 422, "invalid",
			[]string{"status", "warrant_check", "non_punishment", "willing_to_testify"}},
		{"unknown field", http.MethodPut, `{"status":"victim","verdict":"guilty"}`, 400, "bad_request", nil},
		{"malformed", http.MethodPut, `{"status":`, 400, "bad_request", nil},
		{"wrong type", http.MethodPut, `{"version":"two"}`, 400, "bad_request", nil},
		{"read back", http.MethodGet, "", 200, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := apptest.API(t, tt.method, u, tok, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if tt.code == "" {
				var r map[string]any
				if err := json.Unmarshal([]byte(body), &r); err != nil || r["case_id"] != id {
					t.Errorf("body %s: %v", body, err)
				}
				return
			}
			e := decodeError(t, body)
			if e.Error.Code != tt.code {
				t.Errorf("code %q, want %q", e.Error.Code, tt.code)
			}
			for _, f := range tt.fields {
				if e.Error.Fields[f] == "" {
					t.Errorf("fields %v lack %s", e.Error.Fields, f)
				}
			}
		})
	}
	_, body := apptest.API(t, http.MethodGet, u, tok, "")
	if !strings.Contains(body, `"version":2`) || !strings.Contains(body, `"status":"witness"`) || !strings.Contains(body, "Aranyaprathet") {
		t.Errorf("read back: %s", body)
	}
}

// TestSectionLabelKeys checks the message keys the investigation, notes and attachments handlers
// build from values (option labels) or return from validation, in every language.
func TestSectionLabelKeys(t *testing.T) {
	bundle, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"attachment.error.type"}
	add := func(prefix string, values []string) {
		for _, v := range values {
			keys = append(keys, prefix+v)
		}
	}
	add("investigation.status.", investigation.Statuses)
	add("investigation.warrant_check.", investigation.WarrantChecks)
	add("investigation.non_punishment.", investigation.NonPunishments)
	add("investigation.testify.", investigation.TestifyAnswers)
	add("investigation.field.", []string{"status", "warrant_check", "non_punishment", "willing_to_testify"})
	add("note.class.", stringsOf(notes.Classes))
	add("attachment.kind.", attachments.Kinds)
	for _, key := range keys {
		for _, lang := range locale.Supported {
			if !bundle.Has(lang, key) {
				t.Errorf("key %q is missing in %s", key, lang)
			}
		}
	}
}

// TestPoliceSupervisorNoCareSections: a supervisor at a police agency approves and assigns but, like
// an investigator, never reads services or reintegration (404); notes by class are in TestNotesByClass.
func TestPoliceSupervisorNoCareSections(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	shared := sharedCaseID(t, env)
	c := env.Login(t, thPoliceSup)
	for _, path := range []string{"/services", "/reintegration", "/repatriation"} {
		if status, _ := apptest.Get(t, c, base+"/cases/"+shared+path); status != http.StatusNotFound {
			t.Errorf("police supervisor %s: %d, want 404", path, status)
		}
	}
	if status, _ := apptest.Get(t, env.Login(t, thSupervisor), base+"/cases/"+shared+"/services"); status != http.StatusOK {
		t.Errorf("welfare supervisor services: %d, want 200", status)
	}
}
