package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/consent"
)

// TestPacketsPagesShowNamesAndReadableValues: the packet lists and pages name agencies (never their
// slugs) and show payload codes translated; a second embassy request while one is outstanding
// re-renders the page with the reason (409) and keeps the note; the form is not offered meanwhile.
func TestPacketsPagesShowNamesAndReadableValues(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	id := repatCase(t, env, "Ratana", "TH")
	if _, err := env.App.Consent.Record(ctx, env.Actor(t, khWorker), id, consent.Input{Purpose: consent.PurposeShareEmbassy,
		Answer: consent.AnswerGiven, AnsweredOn: repatDay(0), Method: "written", Language: "th"}); err != nil {
		t.Fatal(err)
	}
	page := env.URL() + "/cases/" + id + "/repatriation"
	worker := env.Login(t, khWorker)
	repatLanguage(t, env, worker, "en")
	res := apptest.PostForm(t, worker, page, page+"/request", url.Values{"requested": {"nationality_verification", "travel_document"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("request: %d", res.StatusCode)
	}
	_, body := apptest.Get(t, worker, page)
	if !strings.Contains(body, `data-testid="embassy-request-outstanding"`) || strings.Contains(body, `data-testid="embassy-request-form"`) {
		t.Errorf("with a request outstanding the page offers the form: %s", excerpt(body))
	}
	status, body := postPage(t, worker, page, page+"/request", url.Values{"requested": {"travel_arrangements"}, "note": {"Second ask kept"}})
	if status != http.StatusConflict || !strings.Contains(body, message(t, body, "repatriation.request.outstanding")) ||
		!strings.Contains(body, "Second ask kept</textarea>") {
		t.Errorf("second request: %d %s", status, excerpt(body))
	}
	_, body = apptest.Get(t, worker, env.URL()+"/cases/"+id+"/packets")
	if !strings.Contains(body, "Royal Thai Embassy, Phnom Penh") || strings.Contains(body, "<td>th-embassy-pnh</td>") {
		t.Errorf("the packets list does not name the embassy: %s", excerpt(body))
	}
	ps, err := env.App.Exchange.ForCase(ctx, env.Actor(t, khWorker), id)
	if err != nil || len(ps) != 1 {
		t.Fatalf("packets: %v %v", ps, err)
	}
	if _, err := env.App.Exchange.Approve(ctx, env.Actor(t, repKHSupervisor), ps[0].ID, 0); err != nil {
		t.Fatal(err)
	}
	officer := env.Login(t, thEmbassy)
	repatLanguage(t, env, officer, "en")
	_, body = apptest.Get(t, officer, env.URL()+"/inbox")
	if !strings.Contains(body, "MoSVY Poipet Transit Centre") || strings.Contains(body, "<td>kh-mosvy-poipet</td>") {
		t.Errorf("the inbox does not name the sender: %s", excerpt(body))
	}
	_, body = apptest.Get(t, officer, env.URL()+"/inbox/"+ps[0].ID)
	for _, want := range []string{message(t, body, "repatriation.request.nationality_verification"), message(t, body, "sex.female")} {
		if !strings.Contains(body, want) {
			t.Errorf("the packet page lacks %q", want)
		}
	}
	for _, raw := range []string{"nationality_verification", ">female<", "kind: "} {
		if strings.Contains(body, raw) {
			t.Errorf("the packet page shows the code %q", raw)
		}
	}
	if strings.Index(body, message(t, body, "packets.field.given_name")) > strings.Index(body, message(t, body, "packets.field.sex")) {
		t.Error("the payload does not start with the name")
	}
}

// TestSupportFormsKeepTypedInput: a service's edit form and a visit's result form that fail (422)
// show what was typed, not the stored values.
func TestSupportFormsKeepTypedInput(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	caseID := supportCase(t, env)
	tok := env.Token(t, thWorker)
	status, body := apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+caseID+"/services", tok,
		`{"kind": "medical", "status": "in_progress", "provider_kind": "own", "start_date": "`+time.Now().AddDate(0, 0, -5).Format(time.DateOnly)+`"}`)
	if status != http.StatusCreated {
		t.Fatalf("service: %d %s", status, body)
	}
	var svc struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	}
	json.Unmarshal([]byte(body), &svc)
	worker := env.Login(t, thWorker)
	setLang(t, env, worker, "en")
	page := base + "/cases/" + caseID + "/services"
	status, body = postPage(t, worker, page, page+"/"+svc.ID, url.Values{"version": {itoa(svc.Version)}, "kind": {"medical"},
		"provider_kind": {"own"}, "status": {"completed"}, "start_date": {time.Now().AddDate(0, 0, -5).Format(time.DateOnly)},
		"end_date": {time.Now().AddDate(0, 0, -9).Format(time.DateOnly)}, "outcome": {"Typed outcome kept"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Typed outcome kept</textarea>") ||
		!strings.Contains(body, message(t, body, "services.error.end_before_start")) {
		t.Errorf("failed service edit: %d %s", status, excerpt(body))
	}

	future := time.Now().AddDate(0, 0, 4).Format(time.DateOnly)
	status, body = apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+caseID+"/reintegration/visits", tok,
		`{"status": "scheduled", "visit_date": "`+future+`", "location_kind": "home"}`)
	if status != http.StatusCreated {
		t.Fatalf("visit: %d %s", status, body)
	}
	var visit struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	}
	json.Unmarshal([]byte(body), &visit)
	page = base + "/cases/" + caseID + "/reintegration"
	status, body = postPage(t, worker, page, page+"/visits/"+visit.ID, url.Values{"version": {itoa(visit.Version)},
		"location_kind": {"home"}, "status": {"missed"}, "visit_date": {future}, "risk_level": {"high"}, "outcome": {"Nobody at home, typed"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Nobody at home, typed</textarea>") ||
		!strings.Contains(body, `<option value="high" selected>`) || !strings.Contains(body, `<option value="missed" selected>`) {
		t.Errorf("failed visit result: %d %s", status, excerpt(body))
	}
}
