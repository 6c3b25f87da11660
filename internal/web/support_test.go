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
	"homeward/internal/cases"
	"homeward/internal/consent"
)

const supportNGO = "ngo_worker@ngo-th-legal.demo"

// freshCase takes a person in at the TH welfare agency and returns the case id.
func freshCase(t *testing.T, env *apptest.Env) string {
	t.Helper()
	age := 24
	_, c, err := env.App.Cases.Intake(context.Background(), env.Actor(t, thWorker), cases.IntakeInput{GivenName: "Sreymom",
		FamilyName: "Keo", Sex: "female", AgeEstimate: &age, Nationality: "KH", Languages: []string{"km"}})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// supportCase is a new TH welfare case with the consent to share with an NGO given.
func supportCase(t *testing.T, env *apptest.Env) string {
	t.Helper()
	return withConsent(t, env, freshCase(t, env))
}

func withConsent(t *testing.T, env *apptest.Env, id string) string {
	t.Helper()
	if _, err := env.App.Consent.Record(context.Background(), env.Actor(t, thWorker), id, consent.Input{
		Purpose: consent.PurposeShareNGO, Answer: consent.AnswerGiven, AnsweredOn: time.Now().Format(time.DateOnly),
		Method: "spoken", Language: "km"}); err != nil {
		t.Fatal(err)
	}
	return id
}

func setLang(t *testing.T, env *apptest.Env, c *http.Client, lang string) {
	t.Helper()
	res := apptest.PostForm(t, c, env.URL()+"/settings", env.URL()+"/language", url.Values{"lang": {lang}, "next": {"/settings"}})
	res.Body.Close()
}

// TestSupportPagesRender: every support page in en, th and km, with its heading.
func TestSupportPagesRender(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	caseID := supportCase(t, env)
	tok := env.Token(t, thWorker)
	status, body := apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+caseID+"/referrals", tok,
		`{"recipient": "ngo-th-legal", "service": "legal_aid", "needs": "Lawyer for the wage claim"}`)
	if status != http.StatusCreated {
		t.Fatalf("refer: %d %s", status, body)
	}
	var ref struct {
		Packet struct{ ID string } `json:"packet"`
	}
	json.Unmarshal([]byte(body), &ref)
	if status, body := apptest.API(t, http.MethodPost, base+"/api/v1/packets/"+ref.Packet.ID+"/approve", env.Token(t, thSupervisor), `{"version": 1}`); status != http.StatusOK {
		t.Fatalf("approve: %d %s", status, body)
	}
	pages := []struct {
		who, path, heading string
	}{
		{thWorker, "/", "dashboard.title"},
		{thSupervisor, "/", "dashboard.approvals"},
		{thWorker, "/cases/" + caseID + "/services", "services.title"},
		{thWorker, "/cases/" + caseID + "/reintegration", "reintegration.title"},
		{thWorker, "/cases/" + caseID + "/closure", "closure.title"},
		{supportNGO, "/", "dashboard.inbox"},
		{supportNGO, "/referrals", "referral.list_title"},
		{supportNGO, "/referrals/" + ref.Packet.ID, "referral.field.needs"},
	}
	for _, lang := range []string{"en", "th", "km"} {
		clients := map[string]*http.Client{}
		for _, p := range pages {
			t.Run(lang+" "+p.who+" "+p.path, func(t *testing.T) {
				c := clients[p.who]
				if c == nil {
					c = env.Login(t, p.who)
					setLang(t, env, c, lang)
					clients[p.who] = c
				}
				status, page := apptest.Get(t, c, base+p.path)
				if status != http.StatusOK {
					t.Fatalf("status %d: %s", status, excerpt(page))
				}
				if !strings.Contains(page, `<html lang="`+lang+`"`) || !strings.Contains(page, message(t, page, p.heading)) {
					t.Errorf("page lacks %s in %s: %s", p.heading, lang, excerpt(page))
				}
			})
		}
	}
	// The NGO sees the referral's fields and nothing else of the person.
	c := env.Login(t, supportNGO)
	_, page := apptest.Get(t, c, base+"/referrals/"+ref.Packet.ID)
	for _, leak := range []string{"birth", "document", "nationality"} {
		if strings.Contains(page, `data-field="`+leak) {
			t.Errorf("the NGO's referral page shows %s", leak)
		}
	}
}

// TestSupportRefusalsHTTP: the refusals of issue 5 through the API and the forms.
func TestSupportRefusalsHTTP(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	caseID := freshCase(t, env)
	tok := env.Token(t, thWorker)
	refer := func(body string) (int, string) {
		return apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+caseID+"/referrals", tok, body)
	}
	// Without consent.
	if status, body := refer(`{"recipient": "ngo-th-legal", "service": "shelter", "needs": "A bed"}`); status != http.StatusUnprocessableEntity ||
		decodeError(t, body).Error.Fields["consent"] != "services.error.no_consent" {
		t.Errorf("referral without consent: %d %s", status, body)
	}
	withConsent(t, env, caseID)
	// To a recipient that is not an NGO.
	if status, body := refer(`{"recipient": "th-embassy-pnh", "service": "shelter", "needs": "A bed"}`); status != http.StatusUnprocessableEntity ||
		decodeError(t, body).Error.Fields["recipient"] != "services.error.recipient_not_ngo" {
		t.Errorf("referral to an embassy: %d %s", status, body)
	}
	// A caseworker cannot close a case directly.
	status, body := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+caseID, tok, "")
	var cs struct {
		Case    struct{ Version int } `json:"case"`
		Version int
	}
	json.Unmarshal([]byte(body), &cs)
	version := cs.Version + cs.Case.Version
	if status, body = apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+caseID+"/transitions", tok,
		`{"to": "closed", "reason": "reintegrated", "version": `+itoa(version)+`}`); status != http.StatusUnprocessableEntity {
		t.Errorf("caseworker closing directly: %d %s", status, body)
	}
	// A visit in the future recorded as done.
	future := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	if status, body = apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+caseID+"/reintegration/visits", tok,
		`{"status": "done", "visit_date": "`+future+`", "location_kind": "home", "risk_level": "low"}`); status != http.StatusUnprocessableEntity ||
		decodeError(t, body).Error.Fields["visit_date"] != "reintegration.error.future" {
		t.Errorf("future visit done: %d %s", status, body)
	}
	// The NGO declines, then posts progress: 409 through its page and through the API.
	status, body = refer(`{"recipient": "ngo-th-legal", "service": "shelter", "needs": "A bed"}`)
	var ref struct {
		Packet struct{ ID string } `json:"packet"`
	}
	json.Unmarshal([]byte(body), &ref)
	if status != http.StatusCreated {
		t.Fatalf("refer: %d %s", status, body)
	}
	if status, body := apptest.API(t, http.MethodPost, base+"/api/v1/packets/"+ref.Packet.ID+"/approve", env.Token(t, thSupervisor), `{"version": 1}`); status != http.StatusOK {
		t.Fatalf("approve: %d %s", status, body)
	}
	ngo := env.Login(t, supportNGO)
	page := base + "/referrals/" + ref.Packet.ID
	res := apptest.PostForm(t, ngo, page, page+"/decline", url.Values{"reason": {"No bed free"}, "confirm": {"on"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("decline: %d", res.StatusCode)
	}
	res = apptest.PostForm(t, ngo, page, page+"/progress", url.Values{"status": {"in_progress"}, "note": {"Started"}})
	res.Body.Close()
	if res.StatusCode != http.StatusConflict {
		t.Errorf("progress on a declined referral (page): %d, want 409", res.StatusCode)
	}
	if status, body := apptest.API(t, http.MethodPost, base+"/api/v1/inbox/"+ref.Packet.ID+"/replies", env.Token(t, supportNGO),
		`{"fields": {"status": "in_progress"}}`); status != http.StatusConflict {
		t.Errorf("progress on a declined referral (API): %d %s, want 409", status, body)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestSupportAccessRefused: another store, another agency, NGOs and embassies get 404 on every
// support route of a TH case, and an NGO worker can search no case at all.
func TestSupportAccessRefused(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	caseID := freshCase(t, env)
	routes := []struct{ method, path, body string }{
		{http.MethodGet, "/api/v1/cases/" + caseID + "/services", ""},
		{http.MethodPost, "/api/v1/cases/" + caseID + "/services", `{"kind": "medical", "status": "planned", "provider_kind": "own"}`},
		{http.MethodPost, "/api/v1/cases/" + caseID + "/referrals", `{"recipient": "ngo-th-legal", "service": "shelter", "needs": "x"}`},
		{http.MethodGet, "/api/v1/cases/" + caseID + "/reintegration", ""},
		{http.MethodPost, "/api/v1/cases/" + caseID + "/reintegration/goals", `{"goal": "x"}`},
		{http.MethodGet, "/api/v1/cases/" + caseID + "/closure", ""},
		{http.MethodPost, "/api/v1/cases/" + caseID + "/closure", `{"reason": "deceased"}`},
		{http.MethodPost, "/api/v1/cases/" + caseID + "/reopen", `{"to": "recovery", "reason": "x", "version": 1}`},
	}
	for _, who := range []string{khWorker, thPolice, thAuditor, thEmbassy, supportNGO, ngoWorker} {
		tok := env.Token(t, who)
		for _, r := range routes {
			status, body := apptest.API(t, r.method, base+r.path, tok, r.body)
			if status != http.StatusNotFound {
				t.Errorf("%s %s %s: %d %s, want 404", who, r.method, r.path, status, body)
			}
		}
	}
	// An NGO worker can search nothing: no case list, search or case route answers.
	for _, who := range []string{supportNGO, ngoWorker} {
		tok := env.Token(t, who)
		for _, p := range []string{"/api/v1/cases", "/api/v1/cases?q=Sok", "/api/v1/cases?stage=recovery", "/api/v1/cases/" + caseID,
			"/api/v1/operations", "/api/v1/cases/export"} {
			if status, body := apptest.API(t, http.MethodGet, base+p, tok, ""); status != http.StatusNotFound {
				t.Errorf("%s GET %s: %d %s, want 404", who, p, status, body)
			}
		}
		if status, body := apptest.API(t, http.MethodPost, base+"/api/v1/persons/duplicates", tok, `{"given_name": "Sok"}`); status != http.StatusNotFound {
			t.Errorf("%s duplicates search: %d %s, want 404", who, status, body)
		}
		c := env.Login(t, who)
		for _, p := range []string{"/cases", "/cases?q=Sok", "/cases/" + caseID, "/cases/" + caseID + "/services", "/operations"} {
			if status, _ := apptest.Get(t, c, base+p); status != http.StatusNotFound {
				t.Errorf("%s page %s: %d, want 404", who, p, status)
			}
		}
	}
	// The dashboard API answers every role with its own panels only.
	status, body := apptest.API(t, http.MethodGet, base+"/api/v1/dashboard", env.Token(t, supportNGO), "")
	if status != http.StatusOK || strings.Contains(body, "caseworker") || !strings.Contains(body, `"inbox"`) {
		t.Errorf("NGO dashboard: %d %s", status, body)
	}
}
