package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/crossmatch"
)

// linkagePair registers one Thai national in both stores (Thai script in TH, Latin in KH),
// publishes, and returns the TH case and the TH side's candidate.
func linkagePair(t *testing.T, env *apptest.Env) (*cases.Case, crossmatch.Candidate) {
	t.Helper()
	ctx := context.Background()
	_, th, err := env.App.Cases.Intake(ctx, env.Actor(t, "caseworker@th-msdhs-sakaeo.demo"), cases.IntakeInput{
		GivenName: "มานี", FamilyName: "มีสุข", Sex: "female", BirthDate: "1994-08-03", Nationality: "TH"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := env.App.Cases.Intake(ctx, env.Actor(t, "caseworker@kh-mosvy-poipet.demo"), cases.IntakeInput{
		GivenName: "Manee", FamilyName: "Meesuk", Sex: "female", BirthDate: "1994-08-03", Nationality: "TH"}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Linkage.PublishAll(ctx); err != nil {
		t.Fatal(err)
	}
	list, err := env.App.Linkage.ForCase(ctx, env.Actor(t, "supervisor@th-msdhs-sakaeo.demo"), th.ID)
	if err != nil || len(list) == 0 {
		t.Fatalf("no candidate: %v", err)
	}
	return th, list[0]
}

func TestLinkagePages(t *testing.T) {
	env := apptest.New(t)
	th, cand := linkagePair(t, env)
	sup := env.Login(t, "supervisor@th-msdhs-sakaeo.demo")
	for _, lang := range []string{"th", "km", "en"} {
		res := apptest.PostForm(t, sup, env.URL()+"/", env.URL()+"/language", url.Values{"lang": {lang}})
		res.Body.Close()
		status, body := apptest.Get(t, sup, env.URL()+"/linkage")
		if status != http.StatusOK || !strings.Contains(body, th.Reference) || !strings.Contains(body, cand.ID) {
			t.Fatalf("%s: GET /linkage = %d, case %s or candidate missing", lang, status, th.Reference)
		}
	}
	// Refused: a role without persons:merge, a case outside the scope.
	cw := env.Login(t, "caseworker@th-msdhs-sakaeo.demo")
	if status, _ := apptest.Get(t, cw, env.URL()+"/linkage"); status != http.StatusNotFound {
		t.Errorf("caseworker: GET /linkage = %d, want 404", status)
	}
	police := env.Login(t, "supervisor@th-pct.demo")
	if status, _ := apptest.Get(t, police, env.URL()+"/linkage?case="+th.ID); status != http.StatusNotFound {
		t.Errorf("other agency: GET /linkage?case= = %d, want 404", status)
	}
	if status, body := apptest.Get(t, police, env.URL()+"/linkage"); status != http.StatusOK || strings.Contains(body, cand.ID) {
		t.Errorf("other agency's list = %d, shows the candidate: %v", status, strings.Contains(body, cand.ID))
	}
	kh := env.Login(t, "supervisor@kh-mosvy-poipet.demo")
	res := apptest.PostForm(t, kh, env.URL()+"/linkage", env.URL()+"/linkage/"+cand.ID+"/not-same", url.Values{})
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("other country's answer = %d, want 404", res.StatusCode)
	}

	// The override form: bad input is 422 with the form kept.
	res = apptest.PostForm(t, sup, env.URL()+"/linkage?case="+th.ID, env.URL()+"/cases/"+th.ID+"/linkage-override", url.Values{"reason": {"   "}})
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("empty override reason = %d, want 422", res.StatusCode)
	}

	// Not the same: redirected to the list, which no longer shows it.
	res = apptest.PostForm(t, sup, env.URL()+"/linkage?case="+th.ID, env.URL()+"/linkage/"+cand.ID+"/not-same", url.Values{"case": {th.ID}})
	res.Body.Close()
	if status, body := apptest.Get(t, sup, env.URL()+"/linkage?case="+th.ID); status != http.StatusOK || strings.Contains(body, cand.ID) {
		t.Errorf("after the answer: %d, still listed: %v", status, strings.Contains(body, cand.ID))
	}
}

func TestLinkageAPI(t *testing.T) {
	env := apptest.New(t)
	th, cand := linkagePair(t, env)
	sup := env.Token(t, "supervisor@th-msdhs-sakaeo.demo")
	status, body := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/linkage/candidates?case_id="+th.ID, sup, "")
	var list struct {
		Items []crossmatch.Candidate `json:"items"`
	}
	if status != http.StatusOK || json.Unmarshal([]byte(body), &list) != nil || len(list.Items) == 0 || list.Items[0].CaseRef != th.Reference {
		t.Fatalf("GET candidates = %d %s", status, body)
	}
	if strings.Contains(body, "Manee") || strings.Contains(body, "1994") {
		t.Errorf("the other side's data in the answer: %s", body)
	}
	for _, tc := range []struct{ who, method, path, body string }{
		{"caseworker@th-msdhs-sakaeo.demo", http.MethodGet, "/api/v1/linkage/candidates", ""},
		{"supervisor@th-pct.demo", http.MethodGet, "/api/v1/linkage/candidates?case_id=" + th.ID, ""},
		{"supervisor@th-pct.demo", http.MethodPost, "/api/v1/linkage/candidates/" + cand.ID + "/not-same", ""},
		{"supervisor@kh-mosvy-poipet.demo", http.MethodPost, "/api/v1/linkage/candidates/" + cand.ID + "/not-same", ""},
		{"supervisor@kh-mosvy-poipet.demo", http.MethodPost, "/api/v1/linkage/candidates/" + cand.ID + "/ask", ""},
		{"caseworker@th-msdhs-sakaeo.demo", http.MethodPost, "/api/v1/cases/" + th.ID + "/linkage-override", `{"reason":"x"}`},
		{"supervisor@kh-mosvy-poipet.demo", http.MethodPost, "/api/v1/cases/" + th.ID + "/linkage-override", `{"reason":"x"}`},
	} {
		if status, body := apptest.API(t, tc.method, env.URL()+tc.path, env.Token(t, tc.who), tc.body); status != http.StatusNotFound ||
			!strings.Contains(body, `"not_found"`) {
			t.Errorf("%s %s as %s = %d %s, want 404", tc.method, tc.path, tc.who, status, body)
		}
	}
	status, body = apptest.API(t, http.MethodPost, env.URL()+"/api/v1/cases/"+th.ID+"/linkage-override", sup, `{"reason":""}`)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `"reason"`) {
		t.Errorf("empty reason = %d %s, want 422 with field reason", status, body)
	}
	// Asking: without the person's consent to home-country notice nor an override, 422 naming the
	// candidate; with a supervisor's written override, 201 with the question, pending approval.
	if status, body := apptest.API(t, http.MethodPost, env.URL()+"/api/v1/linkage/candidates/"+cand.ID+"/ask", sup, ""); status != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `"candidate"`) {
		t.Errorf("ask without consent = %d %s, want 422 naming the candidate", status, body)
	}
	status, body = apptest.API(t, http.MethodPost, env.URL()+"/api/v1/linkage/candidates/"+cand.ID+"/ask", sup, `{"override":"Family tracing requested by the person's mother"}`)
	if status != http.StatusCreated || !strings.Contains(body, `"kind":"linkage_ask"`) || !strings.Contains(body, `"status":"pending_approval"`) {
		t.Errorf("ask = %d %s, want 201 with the pending question", status, body)
	}
	if status, _ := apptest.API(t, http.MethodPost, env.URL()+"/api/v1/linkage/candidates/"+cand.ID+"/not-same", sup, ""); status != http.StatusNoContent {
		t.Errorf("not the same = %d", status)
	}
	if status, body := apptest.API(t, http.MethodPost, env.URL()+"/api/v1/linkage/candidates/"+cand.ID+"/not-same", sup, ""); status != http.StatusConflict ||
		!strings.Contains(body, `"candidate":"linkage.error.answered"`) || !strings.Contains(body, "already answered") {
		t.Errorf("second answer = %d %s, want 409 saying it was already answered", status, body)
	}
}
