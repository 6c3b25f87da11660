package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

// scrHostile is free text that must come back as text, never as markup.
const scrHostile = `<script>alert("pwn")</script><img src=x onerror=alert(1)>`

// scrCase takes a person in through the API as the TH caseworker and moves the case to screening.
func scrCase(t *testing.T, env *apptest.Env, tok string) string {
	t.Helper()
	c := intakeAPI(t, env, tok, intakeJSON(t, "Chanthou", "Screentest", "KH"))
	scrMove(t, env, tok, c.Case.ID, "screening", http.StatusOK)
	return c.Case.ID
}

// scrMove posts a transition at the case's current version and checks the status; it returns the body.
func scrMove(t *testing.T, env *apptest.Env, tok, caseID, to string, want int) string {
	t.Helper()
	_, body := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/cases/"+caseID, tok, "")
	var cs struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal([]byte(body), &cs); err != nil {
		t.Fatalf("case: %v: %s", err, body)
	}
	status, out := apptest.API(t, http.MethodPost, env.URL()+"/api/v1/cases/"+caseID+"/transitions", tok,
		mustJSON(t, map[string]any{"to": to, "reason": "test", "version": cs.Version}))
	if status != want {
		t.Fatalf("move to %s: %d %s, want %d", to, status, out, want)
	}
	return out
}

// scrBody is a valid screening body for the API.
func scrBody(t *testing.T, version int, narrative string) string {
	t.Helper()
	return mustJSON(t, map[string]any{"version": version, "interview_date": "2025-06-20", "interviewer": "Malee S.",
		"interpreter": "Dara P.", "language": "km", "narrative": narrative,
		"indicators": []map[string]any{
			{"indicator": "deceptive_job_offer", "answer": "present", "note": scrHostile},
			{"indicator": "recruited_online", "answer": "present", "channels": []string{"telegram"}},
			{"indicator": "confinement", "answer": "present"},
		},
		"events": []map[string]any{{"phase": "exploitation", "place": "Jade Garden compound", "country": "TH",
			"date_from": "2025-02-01", "date_to": "2025-05-30", "description": scrHostile}}})
}

// scrPost posts a page form with the CSRF token of the page at from; it returns status and body.
func scrPost(t *testing.T, c *http.Client, from, to string, form url.Values) (int, string) {
	t.Helper()
	res := apptest.PostForm(t, c, from, to, form)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// scrForm is a filled screening form.
func scrForm(version int, narrative string) url.Values {
	f := url.Values{"version": {strconv.Itoa(version)}, "interview_date": {"2025-06-20"}, "interviewer": {"Malee S."},
		"interpreter": {""}, "language": {"km"}, "narrative": {narrative},
		"answer.forced_online_fraud": {"present"}, "note.forced_online_fraud": {scrHostile},
		"answer.recruited_online": {"present"}, "channels": {"facebook", "line"},
		"event.phase": {"recruitment", ""}, "event.place": {"Poipet", ""}, "event.country": {"KH", ""},
		"event.date_from": {"2025-01-05", ""}, "event.date_to": {"", ""}, "event.description": {scrHostile, ""}}
	return f
}

func TestScreeningPagesAndApproval(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	tok := env.Token(t, thWorker)
	id := scrCase(t, env, tok)
	page := base + "/cases/" + id + "/screening"
	worker, sup := env.Login(t, thWorker), env.Login(t, thSupervisor)

	status, body := apptest.Get(t, worker, page)
	if status != http.StatusOK || !strings.Contains(body, message(t, body, "screening.none")) {
		t.Fatalf("empty page: %d %s", status, excerpt(body))
	}
	if status, body := apptest.Get(t, worker, page+"/edit"); status != http.StatusOK || !strings.Contains(body, `data-testid="screening-form"`) {
		t.Fatalf("edit form: %d %s", status, excerpt(body))
	}
	if status, body := scrPost(t, worker, page+"/edit", page, scrForm(0, "Line one.\n"+scrHostile)); status != http.StatusSeeOther {
		t.Fatalf("record: %d %s", status, excerpt(body))
	}
	_, body = apptest.Get(t, worker, page)
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
		t.Fatal("free text rendered as markup")
	}
	if n := strings.Count(body, "&lt;script&gt;alert(&#34;pwn&#34;)&lt;/script&gt;"); n != 3 { // narrative, note, event
		t.Errorf("escaped text shown %d times, want 3: %s", n, excerpt(body))
	}
	for _, key := range []string{"screening.group.recruitment", "screening.group.exploitation", "screening.group.control",
		"screening.indicator.forced_online_fraud", "screening.channel.line", "screening.phase.recruitment", "screening.answer.present"} {
		if want := message(t, body, key); !strings.Contains(body, want) {
			t.Errorf("page lacks %s (%q)", key, want)
		}
	}

	// Propose on the page; the caseworker sees it pending, the supervisor sees the review form.
	if status, body := scrPost(t, worker, page, base+"/cases/"+id+"/decisions",
		url.Values{"decision": {"identified"}, "legal_basis": {"ATIP Act B.E. 2551, s. 6"}}); status != http.StatusSeeOther {
		t.Fatalf("propose: %d %s", status, excerpt(body))
	}
	_, body = apptest.Get(t, worker, page)
	if !strings.Contains(body, `data-testid="pending"`) || strings.Contains(body, `data-testid="review-form"`) {
		t.Fatalf("caseworker page after proposing: %s", excerpt(body))
	}
	_, body = apptest.Get(t, sup, page)
	if !strings.Contains(body, `data-testid="review-form"`) {
		t.Fatalf("supervisor sees no review form: %s", excerpt(body))
	}
	_, apiBody := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+id+"/screening", tok, "")
	var got struct {
		Decisions []struct {
			ID      string `json:"id"`
			Version int    `json:"version"`
			Status  string `json:"status"`
		} `json:"decisions"`
	}
	if err := json.Unmarshal([]byte(apiBody), &got); err != nil || len(got.Decisions) != 1 {
		t.Fatalf("decisions: %v %s", err, apiBody)
	}
	d := got.Decisions[0]
	review := url.Values{"version": {strconv.Itoa(d.Version)}, "case_id": {id}, "comment": {""}}

	// Returning without a comment keeps the page with the message; the identification gate holds.
	status, body = scrPost(t, sup, page, base+"/decisions/"+d.ID+"/return", review)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, message(t, body, "identification.error.comment_required")) {
		t.Fatalf("return without comment: %d %s", status, excerpt(body))
	}
	scrMove(t, env, tok, id, "identification", http.StatusOK)
	out := scrMove(t, env, tok, id, "recovery", http.StatusUnprocessableEntity)
	if e := decodeError(t, out); e.Error.Fields["to"] != "case.error.decision_required" {
		t.Fatalf("recovery without approval: %s", out)
	}
	review.Set("comment", "Consistent with forced criminality.")
	if status, body := scrPost(t, sup, page, base+"/decisions/"+d.ID+"/approve", review); status != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", status, excerpt(body))
	}
	scrMove(t, env, tok, id, "recovery", http.StatusOK)
	_, body = apptest.Get(t, worker, page)
	if !strings.Contains(body, `data-status="approved"`) || strings.Contains(body, `data-testid="propose-form"`) {
		t.Errorf("page after approval: %s", excerpt(body))
	}
}

// TestScreeningStaleEdit: an edit at an old version is 409, keeps what the user typed and shows
// the saved version.
func TestScreeningStaleEdit(t *testing.T) {
	env := apptest.New(t)
	tok := env.Token(t, thWorker)
	id := scrCase(t, env, tok)
	api := env.URL() + "/api/v1/cases/" + id + "/screening"
	page := env.URL() + "/cases/" + id + "/screening"
	if status, body := apptest.API(t, http.MethodPost, api, tok, scrBody(t, 0, "First")); status != http.StatusCreated {
		t.Fatalf("record: %d %s", status, body)
	}
	if status, body := apptest.API(t, http.MethodPut, api, tok, scrBody(t, 1, "Saved by a colleague")); status != http.StatusOK {
		t.Fatalf("update: %d %s", status, body)
	}
	if status, body := apptest.API(t, http.MethodPut, api, tok, scrBody(t, 1, "stale")); status != http.StatusConflict || decodeError(t, body).Error.Code != "conflict" {
		t.Fatalf("stale PUT: %d %s", status, body)
	}
	c := env.Login(t, thWorker)
	status, body := scrPost(t, c, page+"/edit", page, scrForm(1, "What I typed meanwhile"))
	if status != http.StatusConflict {
		t.Fatalf("stale form: %d %s", status, excerpt(body))
	}
	for _, want := range []string{">What I typed meanwhile</textarea>", `data-testid="current"`, "Saved by a colleague",
		`name="version" value="2"`, `value="Poipet"`, message(t, body, "error.conflict")} {
		if !strings.Contains(body, want) {
			t.Errorf("409 page lacks %q", want)
		}
	}
	// A second recording of the same case is a conflict too, with the form kept.
	if status, body := scrPost(t, c, page+"/edit", page, scrForm(0, "Recorded twice")); status != http.StatusConflict || !strings.Contains(body, "Recorded twice") {
		t.Errorf("second record: %d %s", status, excerpt(body))
	}
}

func TestScreeningBadInput(t *testing.T) {
	env := apptest.New(t)
	tok := env.Token(t, thWorker)
	id := scrCase(t, env, tok)
	api := env.URL() + "/api/v1/cases/" + id + "/screening"
	page := env.URL() + "/cases/" + id + "/screening"

	form := scrForm(0, "Kept narrative")
	form.Set("interview_date", "31/12/2024")
	form.Set("interviewer", "")
	c := env.Login(t, thWorker)
	status, body := scrPost(t, c, page+"/edit", page, form)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Kept narrative") || !strings.Contains(body, `value="Poipet"`) {
		t.Fatalf("invalid form: %d %s", status, excerpt(body))
	}
	if want := message(t, body, "form.error.date"); !strings.Contains(body, want) {
		t.Errorf("no date message %q", want)
	}

	for _, tt := range []struct {
		name, method, url, body string
		status                  int
		field                   string
	}{
		{"bad indicator", http.MethodPost, api, `{"interview_date":"2025-06-20","interviewer":"A","language":"km","indicators":[{"indicator":"nope","answer":"present"}]}`, 422, "indicators"},
		{"bad event date", http.MethodPost, api, `{"interview_date":"2025-06-20","interviewer":"A","language":"km","events":[{"phase":"transit","place":"x","date_from":"June"}]}`, 422, "events.0.date_from"},
		{"unknown field", http.MethodPost, api, `{"interview_date":"2025-06-20","secret":"x"}`, 400, ""},
		{"not JSON", http.MethodPost, api, `{"interview_date":`, 400, ""},
		{"bad decision", http.MethodPost, env.URL() + "/api/v1/cases/" + id + "/decisions", `{"decision":"maybe","legal_basis":"x"}`, 422, "decision"},
		{"decision id not a uuid", http.MethodPost, env.URL() + "/api/v1/decisions/nope/approve", `{"version":1}`, 404, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tk := tok
			if strings.Contains(tt.url, "/approve") {
				tk = env.Token(t, thSupervisor)
			}
			status, out := apptest.API(t, tt.method, tt.url, tk, tt.body)
			if status != tt.status {
				t.Fatalf("%d %s, want %d", status, out, tt.status)
			}
			if tt.field != "" && decodeError(t, out).Error.Fields[tt.field] == "" {
				t.Errorf("no message for %s: %s", tt.field, out)
			}
		})
	}
}

// TestScreeningAPIDecisions: propose, approval by the proposer refused (403), return needs a
// comment, approve; the JSON shapes.
func TestScreeningAPIDecisions(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	tok, supTok := env.Token(t, thWorker), env.Token(t, thSupervisor)
	id := scrCase(t, env, tok)
	if status, body := apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+id+"/screening", tok, scrBody(t, 0, "n")); status != http.StatusCreated {
		t.Fatalf("record: %d %s", status, body)
	}
	propose := func(tk string) (string, int) {
		t.Helper()
		status, body := apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+id+"/decisions", tk, `{"decision":"identified","legal_basis":"ATIP s. 6"}`)
		var d struct {
			ID      string `json:"id"`
			Status  string `json:"status"`
			Version int    `json:"version"`
		}
		if err := json.Unmarshal([]byte(body), &d); status != http.StatusCreated || err != nil || d.Status != "proposed" {
			t.Fatalf("propose: %d %s", status, body)
		}
		return d.ID, d.Version
	}
	own, v := propose(supTok)
	status, body := apptest.API(t, http.MethodPost, base+"/api/v1/decisions/"+own+"/approve", supTok, mustJSON(t, map[string]any{"version": v}))
	if status != http.StatusForbidden || decodeError(t, body).Error.Code != "forbidden" {
		t.Fatalf("approval by the proposer: %d %s", status, body)
	}
	status, body = apptest.API(t, http.MethodPost, base+"/api/v1/decisions/"+own+"/return", supTok, `{"version":1,"comment":"mine"}`)
	if status != http.StatusForbidden {
		t.Fatalf("return by the proposer: %d %s", status, body)
	}
	// The other supervisor of the store is at the police: the case is not theirs.
	status, body = apptest.API(t, http.MethodPost, base+"/api/v1/decisions/"+own+"/approve", env.Token(t, "supervisor@th-pct.demo"), `{"version":1}`)
	if status != http.StatusNotFound {
		t.Fatalf("approval by another agency: %d %s", status, body)
	}
	// The supervisor's own proposal now waits for a second supervisor; go on with a fresh case.
	id = scrCase(t, env, tok)
	if status, body := apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+id+"/screening", tok, scrBody(t, 0, "n")); status != http.StatusCreated {
		t.Fatalf("record: %d %s", status, body)
	}
	did, v := propose(tok)
	status, body = apptest.API(t, http.MethodPost, base+"/api/v1/decisions/"+did+"/return", supTok, `{"version":1,"comment":" "}`)
	if status != http.StatusUnprocessableEntity || decodeError(t, body).Error.Fields["comment"] != "identification.error.comment_required" {
		t.Fatalf("return without comment: %d %s", status, body)
	}
	status, body = apptest.API(t, http.MethodPost, base+"/api/v1/decisions/"+did+"/approve", supTok, mustJSON(t, map[string]any{"version": v, "comment": "ok"}))
	var d map[string]any
	if err := json.Unmarshal([]byte(body), &d); status != http.StatusOK || err != nil || d["status"] != "approved" || d["decided_by"] == nil || d["version"] != float64(2) {
		t.Fatalf("approve: %d %s", status, body)
	}
	status, body = apptest.API(t, http.MethodPost, base+"/api/v1/decisions/"+did+"/approve", supTok, mustJSON(t, map[string]any{"version": 2}))
	if status != http.StatusConflict {
		t.Fatalf("second approval: %d %s", status, body)
	}
	_, body = apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+id+"/screening", tok, "")
	var view struct {
		Stage     string `json:"stage"`
		Screening struct {
			Version    int    `json:"version"`
			Narrative  string `json:"narrative"`
			Indicators []struct {
				Indicator, Group, Answer string
				Channels                 []string
			} `json:"indicators"`
			Events []struct {
				DateFrom string `json:"date_from"`
			} `json:"events"`
		} `json:"screening"`
		Decisions []map[string]any `json:"decisions"`
	}
	if err := json.Unmarshal([]byte(body), &view); err != nil || view.Screening.Version != 1 || len(view.Screening.Indicators) != 18 ||
		len(view.Screening.Events) != 1 || view.Screening.Events[0].DateFrom != "2025-02-01" || len(view.Decisions) != 1 {
		t.Fatalf("GET screening: %v %s", err, body)
	}
}

// TestScreeningRefusedOverHTTP: another store, another agency, a role without the section and an
// embassy get the same not-found as a case that does not exist.
func TestScreeningRefusedOverHTTP(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	tok := env.Token(t, thWorker)
	id := scrCase(t, env, tok)
	if status, body := apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+id+"/screening", tok, scrBody(t, 0, "secret narrative")); status != http.StatusCreated {
		t.Fatalf("record: %d %s", status, body)
	}
	status, body := apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+id+"/decisions", tok, `{"decision":"identified","legal_basis":"x"}`)
	var d struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(body), &d); status != http.StatusCreated || err != nil {
		t.Fatalf("propose: %d %s", status, body)
	}
	for _, email := range []string{khWorker, thPolice, thAuditor, thEmbassy, "supervisor@kh-mosvy-poipet.demo"} {
		t.Run(email, func(t *testing.T) {
			tk := env.Token(t, email)
			_, generic := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+noSuchCaseID+"/screening", tk, "")
			for _, r := range []struct{ method, path, body string }{
				{http.MethodGet, "/api/v1/cases/" + id + "/screening", ""},
				{http.MethodPost, "/api/v1/cases/" + id + "/screening", scrBody(t, 0, "x")},
				{http.MethodPut, "/api/v1/cases/" + id + "/screening", scrBody(t, 1, "x")},
				{http.MethodPost, "/api/v1/cases/" + id + "/decisions", `{"decision":"identified","legal_basis":"x"}`},
				{http.MethodPost, "/api/v1/decisions/" + d.ID + "/approve", `{"version":1}`},
				{http.MethodPost, "/api/v1/decisions/" + d.ID + "/return", `{"version":1,"comment":"x"}`},
			} {
				status, out := apptest.API(t, r.method, base+r.path, tk, r.body)
				if status != http.StatusNotFound || withoutRequestID(out) != withoutRequestID(generic) || strings.Contains(out, "secret") {
					t.Errorf("%s %s: %d %s, want 404 %s", r.method, r.path, status, out, generic)
				}
			}
			c := env.Login(t, email)
			if status, page := apptest.Get(t, c, base+"/cases/"+id+"/screening"); status != http.StatusNotFound || strings.Contains(page, "secret") {
				t.Errorf("page: %d %s", status, excerpt(page))
			}
		})
	}
}
