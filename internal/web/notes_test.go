package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

// noteJSON is a note of the API.
type noteJSON struct {
	ID      string `json:"id"`
	CaseID  string `json:"case_id"`
	Class   string `json:"class"`
	Body    string `json:"body"`
	Version int    `json:"version"`
}

// addNoteAPI adds a note through the API, failing the test unless it is created.
func addNoteAPI(t *testing.T, env *apptest.Env, token, caseID, class, body string) noteJSON {
	t.Helper()
	status, out := apptest.API(t, http.MethodPost, env.URL()+"/api/v1/cases/"+caseID+"/notes", token,
		mustJSON(t, map[string]string{"class": class, "body": body}))
	if status != http.StatusCreated {
		t.Fatalf("add %s note: %d %s", class, status, out)
	}
	var n noteJSON
	if err := json.Unmarshal([]byte(out), &n); err != nil || n.ID == "" || n.Class != class || n.Version != 1 {
		t.Fatalf("add %s note: %s (%v)", class, out, err)
	}
	return n
}

// TestNotesByClass: each class is listed only for the roles of its section; the investigator never
// sees psychosocial or medical notes, anywhere, and cannot reach them by id.
func TestNotesByClass(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	id := sharedCaseID(t, env)
	workerTok, policeTok := env.Token(t, thWorker), env.Token(t, thPolice)
	texts := map[string]string{
		"general":       "Arrived by bus from Poipet with two others.",
		"psychosocial":  "Flashbacks at night; counsellor sees her on Mondays.",
		"medical":       "Healed fracture of the left wrist, untreated.",
		"investigation": "Identified the compound manager from photographs.",
	}
	ids := map[string]string{}
	for _, class := range []string{"general", "psychosocial", "medical"} {
		ids[class] = addNoteAPI(t, env, workerTok, id, class, texts[class]).ID
	}
	ids["investigation"] = addNoteAPI(t, env, policeTok, id, "investigation", texts["investigation"]).ID

	tests := []struct {
		email       string
		sees, blind []string
	}{
		{thWorker, []string{"general", "psychosocial", "medical"}, []string{"investigation"}},
		{thSupervisor, []string{"general", "psychosocial", "medical"}, []string{"investigation"}},
		{thPolice, []string{"general", "investigation"}, []string{"psychosocial", "medical"}},
		{thPoliceSup, []string{"general", "investigation"}, []string{"psychosocial", "medical"}},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			tok := env.Token(t, tt.email)
			_, apiBody := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+id+"/notes", tok, "")
			_, page := apptest.Get(t, env.Login(t, tt.email), base+"/cases/"+id+"/notes")
			for _, class := range tt.sees {
				if !strings.Contains(apiBody, texts[class]) || !strings.Contains(page, texts[class]) {
					t.Errorf("%s notes missing (API or page)", class)
				}
			}
			for _, class := range tt.blind {
				for where, body := range map[string]string{"API": apiBody, "page": page} {
					if strings.Contains(body, texts[class]) || strings.Contains(body, ids[class]) || strings.Contains(body, `"`+class+`"`) ||
						strings.Contains(body, `notes-`+class) {
						t.Errorf("%s shows the %s class", where, class)
					}
				}
				// Not found by id either: edit through the API or the form, add to the class.
				put := mustJSON(t, map[string]any{"body": "overwritten", "version": 1})
				if status, out := apptest.API(t, http.MethodPut, base+"/api/v1/notes/"+ids[class], tok, put); status != http.StatusNotFound {
					t.Errorf("PUT %s note: %d %s, want 404", class, status, out)
				}
				add := mustJSON(t, map[string]string{"class": class, "body": "x"})
				if status, out := apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+id+"/notes", tok, add); status != http.StatusNotFound {
					t.Errorf("POST %s note: %d %s, want 404", class, status, out)
				}
				c := env.Login(t, tt.email)
				if status, _ := postPage(t, c, base+"/cases/"+id+"/notes", base+"/cases/"+id+"/notes/"+ids[class],
					url.Values{"body": {"overwritten"}, "version": {"1"}}); status != http.StatusNotFound {
					t.Errorf("form edit of %s note: %d, want 404", class, status)
				}
				if _, page := apptest.Get(t, c, base+"/cases/"+id+"/notes?edit="+ids[class]); strings.Contains(page, texts[class]) {
					t.Errorf("?edit= opens a %s note", class)
				}
			}
		})
	}
}

func TestNotesFormsAndConflict(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	id := sharedCaseID(t, env)
	page := base + "/cases/" + id + "/notes"
	c := env.Login(t, thWorker)

	// Markup is kept as typed and shown as text; lines are kept.
	const script = "<script>alert(1)</script>\nsecond line"
	if status, body := postPage(t, c, page, page, url.Values{"class": {"general"}, "body": {script}}); status != http.StatusSeeOther {
		t.Fatalf("add: %d %s", status, excerpt(body))
	}
	_, body := apptest.Get(t, c, page)
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;<br>second line") {
		t.Errorf("note not shown as escaped text: %s", excerpt(body))
	}
	// A refused add keeps the typed class and shows the message.
	status, body := postPage(t, c, page, page, url.Values{"class": {"medical"}, "body": {"   "}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, message(t, body, "form.error.required")) ||
		!strings.Contains(body, `<option value="medical" selected>`) {
		t.Errorf("empty note: %d %s", status, excerpt(body))
	}

	n := addNoteAPI(t, env, env.Token(t, thWorker), id, "psychosocial", "Sleeps badly.")
	status, body = apptest.Get(t, c, page+"?edit="+n.ID)
	if status != http.StatusOK || !strings.Contains(body, `action="/cases/`+id+`/notes/`+n.ID+`"`) {
		t.Fatalf("edit form: %d %s", status, excerpt(body))
	}
	edit := page + "/" + n.ID
	if status, body := postPage(t, c, page, edit, url.Values{"body": {"Sleeps better."}, "version": {"1"}}); status != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", status, excerpt(body))
	}
	// A stale edit: 409, the typed text kept, the stored text shown, the form at the current version.
	status, body = postPage(t, c, page, edit, url.Values{"body": {"Typed on a stale form."}, "version": {"1"}})
	if status != http.StatusConflict {
		t.Fatalf("stale edit: %d, want 409: %s", status, excerpt(body))
	}
	for _, want := range []string{message(t, body, "error.conflict"), "Typed on a stale form.</textarea>", `data-testid="note-current"`,
		"Sleeps better.", `name="version" value="2"`} {
		if !strings.Contains(body, want) {
			t.Errorf("409 page lacks %q", want)
		}
	}
	// Through another case of the agency the note is not found.
	other := intakeAPI(t, env, env.Token(t, thWorker), intakeJSON(t, "Sokunthea", "Othernotes", "KH")).Case.ID
	if status, _ := postPage(t, c, page, base+"/cases/"+other+"/notes/"+n.ID, url.Values{"body": {"x"}, "version": {"2"}}); status != http.StatusNotFound {
		t.Errorf("edit through another case: %d, want 404", status)
	}
	// An empty edit: 422 with the message, the form still open.
	status, body = postPage(t, c, page, edit, url.Values{"body": {""}, "version": {"2"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, message(t, body, "form.error.required")) {
		t.Errorf("empty edit: %d %s", status, excerpt(body))
	}
}

func TestNotesAPIBadInputAndRefusals(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	id := sharedCaseID(t, env)
	tok := env.Token(t, thWorker)
	n := addNoteAPI(t, env, tok, id, "general", "First contact.")
	list := base + "/api/v1/cases/" + id + "/notes"
	put := base + "/api/v1/notes/" + n.ID
	tests := []struct {
		name, method, url, body string
		status                  int
		code, field             string
	}{
		{"empty body", http.MethodPost, list, `{"class":"general","body":""}`, 422, "invalid", "body"},
		{"unknown class", http.MethodPost, list, `{"class":"diary","body":"x"}`, 422, "invalid", "class"},
		{"too long", http.MethodPost, list, mustJSON(t, map[string]string{"class": "general", "body": strings.Repeat("ก", 20001)}), 422, "invalid", "body"},
		{"unknown field", http.MethodPost, list, `{"class":"general","body":"x","author":"me"}`, 400, "bad_request", ""},
		{"malformed", http.MethodPost, list, `{"class":`, 400, "bad_request", ""},
		{"class on edit", http.MethodPut, put, `{"class":"medical","body":"x","version":1}`, 400, "bad_request", ""},
		{"edit", http.MethodPut, put, `{"body":"First contact, by phone.","version":1}`, 200, "", ""},
		{"stale edit", http.MethodPut, put, `{"body":"lost","version":1}`, 409, "conflict", ""},
		{"no such note", http.MethodPut, base + "/api/v1/notes/" + noSuchCaseID, `{"body":"x","version":1}`, 404, "not_found", ""},
		{"not an id", http.MethodPut, base + "/api/v1/notes/x", `{"body":"x","version":1}`, 404, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := apptest.API(t, tt.method, tt.url, tok, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if tt.code == "" {
				return
			}
			if e := decodeError(t, body); e.Error.Code != tt.code || (tt.field != "" && e.Error.Fields[tt.field] == "") {
				t.Errorf("error %+v, want %s on %q", e.Error, tt.code, tt.field)
			}
		})
	}

	// Another store, another agency, a role without notes: not found on every route.
	welfareOnly := intakeAPI(t, env, tok, intakeJSON(t, "Kanha", "Notestest", "KH")).Case.ID
	own := addNoteAPI(t, env, tok, welfareOnly, "general", "Only the welfare agency sees this.")
	for _, who := range []struct{ name, email, caseID, noteID string }{
		{"KH caseworker", khWorker, id, n.ID},
		{"KH investigator", khPolice, id, n.ID},
		{"TH investigator, case of another agency", thPolice, welfareOnly, own.ID},
		{"TH auditor", thAuditor, id, n.ID},
		{"TH country admin", thAdmin, id, n.ID},
		{"embassy", thEmbassy, id, n.ID},
	} {
		t.Run(who.name, func(t *testing.T) {
			tok := env.Token(t, who.email)
			for _, r := range []struct{ method, url, body string }{
				{http.MethodGet, base + "/api/v1/cases/" + who.caseID + "/notes", ""},
				{http.MethodPost, base + "/api/v1/cases/" + who.caseID + "/notes", `{"class":"general","body":"x"}`},
				{http.MethodPut, base + "/api/v1/notes/" + who.noteID, `{"body":"x","version":1}`},
			} {
				if status, body := apptest.API(t, r.method, r.url, tok, r.body); status != http.StatusNotFound || decodeError(t, body).Error.Code != "not_found" {
					t.Errorf("%s %s: %d %s, want 404", r.method, r.url, status, body)
				}
			}
			c := env.Login(t, who.email)
			if status, _ := apptest.Get(t, c, base+"/cases/"+who.caseID+"/notes"); status != http.StatusNotFound {
				t.Errorf("notes page: %d, want 404", status)
			}
			if status, _ := postPage(t, c, base+"/settings", base+"/cases/"+who.caseID+"/notes", url.Values{"class": {"general"}, "body": {"x"}}); status != http.StatusNotFound {
				t.Errorf("add form: %d, want 404", status)
			}
			if status, _ := postPage(t, c, base+"/settings", base+"/cases/"+who.caseID+"/notes/"+who.noteID, url.Values{"body": {"x"}, "version": {"1"}}); status != http.StatusNotFound {
				t.Errorf("edit form: %d, want 404", status)
			}
		})
	}
}
