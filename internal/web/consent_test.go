package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

// consentBody is a valid answer for the API.
func consentBody(t *testing.T, purpose, answer string) string {
	t.Helper()
	return mustJSON(t, map[string]any{"purpose": purpose, "answer": answer, "answered_on": "2026-01-10",
		"method": "spoken", "language": "km", "interpreter": "Dara Interp", "witness": "Mali Witness"})
}

// consentLedgerJSON is the body of GET /api/v1/cases/{id}/consents.
type consentLedgerJSON struct {
	Current []struct {
		Purpose string `json:"purpose"`
		Consent *struct {
			ID     string `json:"id"`
			Answer string `json:"answer"`
		} `json:"consent"`
	} `json:"current"`
	History []struct {
		ID         string  `json:"id"`
		Answer     string  `json:"answer"`
		AnsweredOn string  `json:"answered_on"`
		Supersedes *string `json:"supersedes"`
	} `json:"history"`
	Version int `json:"version"`
}

func TestConsentAPI(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	tok := env.Token(t, thWorker)
	c := intakeAPI(t, env, tok, intakeJSON(t, "Srey", "Consentapi", "KH"))
	u := base + "/api/v1/cases/" + c.Case.ID + "/consents"

	status, body := apptest.API(t, http.MethodPost, u, tok, consentBody(t, "share_embassy", "given"))
	if status != http.StatusCreated || !strings.Contains(body, `"answer":"given"`) || !strings.Contains(body, `"answered_on":"2026-01-10"`) {
		t.Fatalf("record = %d %s", status, body)
	}
	// Withdrawing through the API is an answer "withdrawn".
	if status, body := apptest.API(t, http.MethodPost, u, tok, consentBody(t, "share_embassy", "withdrawn")); status != http.StatusCreated {
		t.Fatalf("withdraw = %d %s", status, body)
	}
	status, body = apptest.API(t, http.MethodGet, u, tok, "")
	var l consentLedgerJSON
	if status != http.StatusOK || json.Unmarshal([]byte(body), &l) != nil {
		t.Fatalf("GET = %d %s", status, body)
	}
	if len(l.History) != 2 || l.Version != 2 || len(l.Current) != 7 {
		t.Fatalf("ledger = %+v", l)
	}
	if l.History[0].Answer != "withdrawn" || l.History[0].Supersedes == nil || *l.History[0].Supersedes != l.History[1].ID {
		t.Fatalf("history = %+v, want the withdrawal superseding the consent", l.History)
	}

	bad := []struct{ name, body, field string }{
		{"unknown purpose", consentBody(t, "marketing", "given"), "purpose"},
		{"unknown answer", consentBody(t, "services", "perhaps"), "answer"},
		{"withdraw what was never given", consentBody(t, "services", "withdrawn"), "answer"},
		{"bad date", strings.Replace(consentBody(t, "services", "given"), "2026-01-10", "10/01/2026", 1), "answered_on"},
		{"thumbprint without witness", strings.Replace(strings.Replace(consentBody(t, "services", "given"), "spoken", "thumbprint", 1), "Mali Witness", "", 1), "witness"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			status, body := apptest.API(t, http.MethodPost, u, tok, tt.body)
			if status != http.StatusUnprocessableEntity || decodeError(t, body).Error.Fields[tt.field] == "" {
				t.Fatalf("%d %s, want 422 on %s", status, body, tt.field)
			}
		})
	}
	for name, body := range map[string]string{"unknown field": `{"purpose":"services","mood":"good"}`, "not JSON": `{"purpose":`} {
		if status, out := apptest.API(t, http.MethodPost, u, tok, body); status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", name, status, out)
		}
	}
	stale := strings.Replace(consentBody(t, "services", "given"), `{`, `{"version":0,`, 1)
	if status, body := apptest.API(t, http.MethodPost, u, tok, stale); status != http.StatusConflict {
		t.Fatalf("stale version: %d %s, want 409", status, body)
	}
}

func TestConsentRefusedAccess(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	c := intakeAPI(t, env, env.Token(t, thWorker), intakeJSON(t, "Srey", "Consenthidden", "KH"))
	_, generic := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+noSuchCaseID+"/consents", env.Token(t, thWorker), "")
	for _, email := range []string{khWorker, thPolice, thAuditor, thEmbassy} {
		t.Run(email, func(t *testing.T) {
			tok := env.Token(t, email)
			for _, m := range []struct{ method, body string }{{http.MethodGet, ""}, {http.MethodPost, consentBody(t, "services", "given")}} {
				status, body := apptest.API(t, m.method, base+"/api/v1/cases/"+c.Case.ID+"/consents", tok, m.body)
				if status != http.StatusNotFound || withoutRequestID(body) != withoutRequestID(generic) {
					t.Errorf("%s: %d %s, want 404 %s", m.method, status, body, generic)
				}
			}
			cl := env.Login(t, email)
			for _, path := range []string{"/consents", "/consents/withdraw"} {
				if status, page := apptest.Get(t, cl, base+"/cases/"+c.Case.ID+path); status != http.StatusNotFound {
					t.Errorf("page %s: %d %s", path, status, excerpt(page))
				}
			}
		})
	}
}

func TestConsentPages(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	c := intakeAPI(t, env, env.Token(t, thWorker), intakeJSON(t, "Srey", "Consentpage", "KH"))
	page := base + "/cases/" + c.Case.ID + "/consents"
	cl := env.Login(t, thWorker)

	form := url.Values{"purpose": {"notify_home_country"}, "answer": {"refused"}, "answered_on": {"2026-01-12"},
		"method": {"thumbprint"}, "language": {"km"}, "witness": {"Witness Chanthy"}, "version": {"0"}}
	res := apptest.PostForm(t, cl, page, page, form)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("record: %d", res.StatusCode)
	}
	status, body := apptest.Get(t, cl, page)
	if status != http.StatusOK || !strings.Contains(body, "Witness Chanthy") || !strings.Contains(body, message(t, body, "consent.answer.refused")) {
		t.Fatalf("page after recording: %d %s", status, excerpt(body))
	}
	if !strings.Contains(body, message(t, body, "consent.notify_home_country_hint")) {
		t.Error("the page does not explain what refusing notify_home_country means")
	}
	// It prints: the forms are hidden in print, the signature lines shown.
	if !strings.Contains(body, `class="section no-print" id="record"`) || !strings.Contains(body, `<div class="print-only" aria-hidden="true"><div class="signature"`) {
		t.Error("the consent page lacks its print layout")
	}

	// The same version again is stale: 409, the current answers, and the typed input kept.
	form.Set("purpose", "services")
	form.Set("witness", "Typed Witness Name")
	res = apptest.PostForm(t, cl, page, page, form)
	stale := pageBody(t, res)
	if res.StatusCode != http.StatusConflict || !strings.Contains(stale, "Typed Witness Name") || !strings.Contains(stale, "Witness Chanthy") ||
		!strings.Contains(stale, message(t, stale, "error.conflict")) {
		t.Fatalf("stale form: %d %s", res.StatusCode, excerpt(stale))
	}
	// Invalid input: 422 with the input kept.
	form.Set("version", "1")
	form.Set("language", "")
	res = apptest.PostForm(t, cl, page, page, form)
	invalid := pageBody(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(invalid, "Typed Witness Name") || !strings.Contains(invalid, message(t, invalid, "consent.error.language")) {
		t.Fatalf("invalid form: %d %s", res.StatusCode, excerpt(invalid))
	}

	// Withdrawal, with its confirmation step: only purposes in force are offered.
	form = url.Values{"purpose": {"share_ngo"}, "answer": {"given"}, "answered_on": {"2026-01-12"}, "method": {"written"},
		"language": {"th"}, "version": {"1"}}
	res = apptest.PostForm(t, cl, page, page, form)
	res.Body.Close()
	confirm := page + "/withdraw?purpose=share_ngo"
	status, body = apptest.Get(t, cl, confirm)
	if status != http.StatusOK || !strings.Contains(body, `value="share_ngo" selected`) || strings.Contains(body, `value="notify_home_country"`) {
		t.Fatalf("confirmation page: %d %s", status, excerpt(body))
	}
	res = apptest.PostForm(t, cl, confirm, page+"/withdraw", url.Values{"purpose": {"share_ngo"}, "answered_on": {"2026-01-13"},
		"method": {"spoken"}, "language": {"th"}, "version": {"2"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", res.StatusCode)
	}
	status, body = apptest.Get(t, cl, page)
	if status != http.StatusOK || !strings.Contains(body, message(t, body, "consent.answer.withdrawn")) || strings.Count(body, "<tr>") < 4 {
		t.Fatalf("page after withdrawal: %d %s", status, excerpt(body))
	}
	// Nothing left in force: the confirmation page says so.
	if status, body = apptest.Get(t, cl, page+"/withdraw"); status != http.StatusOK || !strings.Contains(body, message(t, body, "consent.nothing_in_force")) {
		t.Fatalf("empty confirmation: %d %s", status, excerpt(body))
	}
	// The investigator reads consent but does not record it: no form, no withdraw buttons.
	if status, body = apptest.Get(t, env.Login(t, thPolice), base+"/cases/"+sharedCaseID(t, env)+"/consents"); status != http.StatusOK || strings.Contains(body, `id="record"`) {
		t.Fatalf("investigator page: %d %s", status, excerpt(body))
	}
}

func pageBody(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
