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
	"homeward/internal/locale"
	"homeward/internal/repatriation"
)

// Demo users of the repatriation tests (others are in main_test.go and investigation_test.go).
const (
	repKHSupervisor = "supervisor@kh-mosvy-poipet.demo"
	repKHPoliceSup  = "supervisor@kh-cnp-aht.demo"
	idEmbassy       = "embassy_officer@id-embassy-pnh.demo"
)

// repatCase registers a person of a nationality as the KH welfare caseworker, in return preparation.
func repatCase(t *testing.T, env *apptest.Env, given, nationality string) string {
	t.Helper()
	id := intakeAPI(t, env, env.Token(t, khWorker), intakeJSON(t, given, "Repat", nationality)).Case.ID
	st, _ := env.App.Stores.For("KH")
	if err := st.DB.Exec(`UPDATE cases SET stage = 'return_preparation' WHERE id = ?`, id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

func repatDay(days int) string {
	return time.Now().In(repatriation.Zone).AddDate(0, 0, days).Format(time.DateOnly)
}

// repatForm is a valid form of the section at a version.
func repatForm(version string) url.Values {
	return url.Values{"nationality_status": {"verified"}, "nationality_requested_on": {repatDay(-4)},
		"nationality_decided_on": {repatDay(-1)}, "travel_document_type": {"certificate_of_identity"},
		"travel_document_status": {"issued"}, "travel_document_number": {"CI-7731"}, "travel_document_issued_on": {repatDay(0)},
		"travel_document_valid_until": {repatDay(60)}, "family_tracing_status": {"in_progress"}, "risk_level": {"medium"},
		"risk_assessed_by": {"Sok Dara"}, "family_location": {"Village near Wat Phra Yuen"}, "route": {"cham_yeam_hat_lek"},
		"escort_name": {"Chan Sophea"}, "escort_agency": {"MoSVY"}, "planned_date": {repatDay(14)},
		"deadline_family_tracing": {repatDay(5)}, "version": {version}}
}

// repatLanguage switches a signed-in client's language.
func repatLanguage(t *testing.T, env *apptest.Env, c *http.Client, lang string) {
	t.Helper()
	res := apptest.PostForm(t, c, env.URL()+"/cases", env.URL()+"/language", url.Values{"lang": {lang}, "next": {"/cases"}})
	res.Body.Close()
}

func TestRepatriationPages(t *testing.T) {
	env := apptest.New(t)
	id := repatCase(t, env, "Malai", "TH")
	page := env.URL() + "/cases/" + id + "/repatriation"
	worker := env.Login(t, khWorker)
	repatLanguage(t, env, worker, "en")

	status, body := apptest.Get(t, worker, page)
	if status != http.StatusOK || !strings.Contains(body, `data-testid="repatriation-none"`) || !strings.Contains(body, "Royal Thai Embassy, Phnom Penh") {
		t.Fatalf("page before any record: %d %s", status, excerpt(body))
	}
	if status, body := postPage(t, worker, page, page, repatForm("0")); status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", status, excerpt(body))
	}
	_, body = apptest.Get(t, worker, page)
	for _, want := range []string{"CI-7731", "Village near Wat Phra Yuen", message(t, body, "repatriation.route.cham_yeam_hat_lek"),
		message(t, body, "repatriation.set_for_case"), `name="version" value="1"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	// A stale form: 409, the section as stored now, and the typed input kept.
	stale := repatForm("0")
	stale.Set("escort_name", "Typed on a stale form")
	status, body = postPage(t, worker, page, page, stale)
	if status != http.StatusConflict {
		t.Fatalf("stale save: %d, want 409: %s", status, excerpt(body))
	}
	for _, want := range []string{message(t, body, "error.conflict"), `value="Typed on a stale form"`, `name="version" value="1"`, "Chan Sophea"} {
		if !strings.Contains(body, want) {
			t.Errorf("409 page lacks %q", want)
		}
	}
	// Bad input: 422 with the messages beside the fields and the input kept; nothing saved.
	tests := []struct {
		name, field, value, key string
	}{
		{"unknown checkpoint", "route", "aranyaprathet_bridge", "form.error.choose"},
		{"valid until before issue", "travel_document_valid_until", repatDay(-3), "repatriation.error.valid_until_before_issue"},
		{"planned date in the past", "planned_date", repatDay(-1), "repatriation.error.planned_past"},
		{"deadline not a date", "deadline_route", "next Friday", "form.error.date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := repatForm("1")
			bad.Set(tt.field, tt.value)
			bad.Set("escort_agency", "Kept agency")
			status, body := postPage(t, worker, page, page, bad)
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, message(t, body, tt.key)) ||
				!strings.Contains(body, `value="Kept agency"`) || !strings.Contains(body, message(t, body, "form.fix_errors")) {
				t.Errorf("%d %s", status, excerpt(body))
			}
		})
	}
	if _, body := apptest.Get(t, worker, page); strings.Contains(body, "Kept agency") {
		t.Error("refused input was saved")
	}

	// The page in Thai and Khmer.
	for _, lang := range []string{"th", "km"} {
		repatLanguage(t, env, worker, lang)
		status, body := apptest.Get(t, worker, page)
		if status != http.StatusOK || !strings.Contains(body, `<html lang="`+lang+`"`) ||
			!strings.Contains(body, message(t, body, "repatriation.step.family_tracing")) ||
			!strings.Contains(body, message(t, body, "repatriation.request.submit")) {
			t.Errorf("%s page: %d %s", lang, status, excerpt(body))
		}
	}
}

// TestRepatriationRefused: the section and its routes are not found for the other store, another
// agency and every role without the section; the overdue list is for supervisors.
func TestRepatriationRefused(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	id := repatCase(t, env, "Wipa", "TH")
	tests := []struct{ name, email string }{
		{"TH caseworker, KH case", thWorker},
		{"TH supervisor, KH case", thSupervisor},
		{"KH police supervisor, case of another agency", repKHPoliceSup},
		{"KH analyst", khAnalyst},
		{"investigator", khPolice},
		{"embassy", thEmbassy},
		{"NGO", ngoWorker},
	}
	put := `{"route":"poipet_aranyaprathet","version":0}`
	req := `{"requested":["travel_document"]}`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := env.Token(t, tt.email)
			api := base + "/api/v1/cases/" + id + "/repatriation"
			for _, m := range []struct{ method, url, body string }{{http.MethodGet, api, ""}, {http.MethodPut, api, put},
				{http.MethodPost, api + "/request", req}} {
				if status, out := apptest.API(t, m.method, m.url, tok, m.body); status != http.StatusNotFound || decodeError(t, out).Error.Code != "not_found" {
					t.Errorf("%s %s: %d %s, want 404", m.method, m.url, status, out)
				}
			}
			c := env.Login(t, tt.email)
			if status, _ := apptest.Get(t, c, base+"/cases/"+id+"/repatriation"); status != http.StatusNotFound {
				t.Errorf("page: %d, want 404", status)
			}
		})
	}
	for _, email := range []string{khWorker, khAnalyst, thEmbassy, ngoWorker, khPolice} {
		if status, _ := apptest.API(t, http.MethodGet, base+"/api/v1/repatriation/overdue", env.Token(t, email), ""); status != http.StatusNotFound {
			t.Errorf("%s overdue API: %d, want 404", email, status)
		}
		if status, _ := apptest.Get(t, env.Login(t, email), base+"/repatriation/overdue"); status != http.StatusNotFound {
			t.Errorf("%s overdue page: %d, want 404", email, status)
		}
	}
}

func TestRepatriationAPI(t *testing.T) {
	env := apptest.New(t)
	id := repatCase(t, env, "Suda", "TH")
	tok := env.Token(t, khWorker)
	u := env.URL() + "/api/v1/cases/" + id + "/repatriation"
	valid := `{"nationality_status":"requested","route":"flight","flight_details":"TG 581 PNH-BKK","deadlines":{"route":"` + repatDay(7) + `"},"version":%d}`
	at := func(v string) string { return strings.Replace(valid, "%d", v, 1) }
	tests := []struct {
		name, method, body string
		status             int
		fields             []string
	}{
		{"empty section", http.MethodGet, "", 200, nil},
		{"create", http.MethodPut, at("0"), 200, nil},
		{"create again", http.MethodPut, at("0"), 409, nil},
		{"update", http.MethodPut, at("1"), 200, nil},
		{"stale", http.MethodPut, at("1"), 409, nil},
		{"unknown route and bad deadline", http.MethodPut, `{"route":"bridge","deadlines":{"escort":"soon"},"version":2}`, 422, []string{"route", "deadline_escort"}},
		{"unknown field", http.MethodPut, `{"route":"flight","boat":"yes","version":2}`, 400, nil},
		{"read back", http.MethodGet, "", 200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := apptest.API(t, tt.method, u, tok, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if status == 200 {
				var r repatriation.Record
				if err := json.Unmarshal([]byte(body), &r); err != nil || r.CaseID != id || len(r.Steps) != len(repatriation.Defaults) {
					t.Errorf("body %s: %v", body, err)
				}
			}
			for _, f := range tt.fields {
				if decodeError(t, body).Error.Fields[f] == "" {
					t.Errorf("no error for %s: %s", f, body)
				}
			}
		})
	}
	_, body := apptest.API(t, http.MethodGet, u, tok, "")
	if !strings.Contains(body, `"flight_details":"TG 581 PNH-BKK"`) || !strings.Contains(body, `"version":2`) {
		t.Errorf("read back: %s", body)
	}
}

// TestRepatriationRequestAndReply: the caseworker asks the embassy from the page; the request goes
// to the Thai embassy, a supervisor approves it, the embassy officer replies, and the page shows
// the nationality verified and the document issued. The overdue page renders for the supervisor.
func TestRepatriationRequestAndReply(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	id := repatCase(t, env, "Ratana", "TH")
	page := env.URL() + "/cases/" + id + "/repatriation"
	worker := env.Login(t, khWorker)
	repatLanguage(t, env, worker, "en")

	// Without consent the request is refused and the form keeps the note.
	status, body := postPage(t, worker, page, page+"/request", url.Values{"requested": {"nationality_verification", "travel_document"},
		"note": {"Family waiting in Surin"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Family waiting in Surin</textarea>") {
		t.Fatalf("request without consent: %d %s", status, excerpt(body))
	}
	if _, err := env.App.Consent.Record(ctx, env.Actor(t, khWorker), id, consent.Input{Purpose: consent.PurposeShareEmbassy,
		Answer: consent.AnswerGiven, AnsweredOn: repatDay(0), Method: "written", Language: "th"}); err != nil {
		t.Fatal(err)
	}
	res := apptest.PostForm(t, worker, page, page+"/request", url.Values{"requested": {"nationality_verification", "travel_document"},
		"note": {"Family waiting in Surin"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/cases/"+id+"/repatriation?requested=1" {
		t.Fatalf("request: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = apptest.Get(t, worker, page+"?requested=1")
	if !strings.Contains(body, `data-testid="repatriation-notice"`) || !strings.Contains(body, message(t, body, "packet.status.pending_approval")) {
		t.Errorf("page after the request: %s", excerpt(body))
	}
	ps, err := env.App.Exchange.ForCase(ctx, env.Actor(t, khWorker), id)
	if err != nil || len(ps) != 1 || ps[0].Recipient != "th-embassy-pnh" {
		t.Fatalf("packets of the case: %+v, %v", ps, err)
	}
	if _, err := env.App.Exchange.Approve(ctx, env.Actor(t, repKHSupervisor), ps[0].ID, 0); err != nil {
		t.Fatal(err)
	}
	// The embassy officer opens the request in the inbox and answers with the typed reply form.
	officer := env.Login(t, thEmbassy)
	packet := env.URL() + "/inbox/" + ps[0].ID
	if status, body := apptest.Get(t, officer, packet); status != http.StatusOK || !strings.Contains(body, "Ratana") {
		t.Fatalf("embassy packet page: %d %s", status, excerpt(body))
	}
	reply := url.Values{"nationality_verified": {"yes"}, "travel_document_type": {"passport"},
		"travel_document_number": {"AB9912345"}, "travel_document_valid_until": {repatDay(3650)},
		"travel_date": {repatDay(21)}, "travel_route": {"poipet_aranyaprathet"}, "travel_route_flight": {""}, "note": {"Passport renewed."}}
	if status, body := postPage(t, officer, packet, packet+"/replies", reply); status != http.StatusSeeOther {
		t.Fatalf("embassy reply: %d %s", status, excerpt(body))
	}
	// Another embassy cannot see the request.
	if status, _ := apptest.Get(t, env.Login(t, idEmbassy), packet); status != http.StatusNotFound {
		t.Errorf("Indonesian embassy on the Thai embassy's request: %d, want 404", status)
	}
	// The page read applies the waiting reply.
	_, body = apptest.Get(t, worker, page)
	for _, want := range []string{message(t, body, "repatriation.nationality_status.verified"), "AB9912345", "Passport renewed.",
		message(t, body, "repatriation.document_status.issued"), message(t, body, "repatriation.document_type.passport"),
		message(t, body, "repatriation.route.poipet_aranyaprathet"), `data-testid="embassy-reply"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page after the reply lacks %q", want)
		}
	}

	// The overdue page renders for the supervisor in every language.
	sup := env.Login(t, repKHSupervisor)
	for _, lang := range locale.Supported {
		repatLanguage(t, env, sup, lang)
		status, body := apptest.Get(t, sup, env.URL()+"/repatriation/overdue")
		if status != http.StatusOK || !strings.Contains(body, message(t, body, "repatriation.overdue.title")) {
			t.Errorf("%s overdue page: %d %s", lang, status, excerpt(body))
		}
	}
	status, body = apptest.API(t, http.MethodGet, env.URL()+"/api/v1/repatriation/overdue", env.Token(t, repKHSupervisor), "")
	if status != http.StatusOK || !strings.Contains(body, `"items":`) {
		t.Errorf("overdue API: %d %s", status, body)
	}
}

// TestRepatriationKeys: every key the handlers build from a value exists in every language.
func TestRepatriationKeys(t *testing.T) {
	b, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for prefix, values := range map[string][]string{
		"repatriation.nationality_status.": repatriation.NationalityStatuses,
		"repatriation.document_type.":      repatriation.TravelDocumentTypes,
		"repatriation.document_status.":    repatriation.TravelDocumentStatuses,
		"repatriation.tracing.":            repatriation.FamilyTracingStatuses,
		"repatriation.risk_level.":         repatriation.RiskLevels,
		"repatriation.route.":              repatriation.Routes,
		"repatriation.request.":            repatriation.RequestItems,
		"repatriation.decision.":           {"accepted", "declined"},
		"repatriation.field.": {"nationality_status", "nationality_requested_on", "nationality_decided_on", "travel_document_type",
			"travel_document_status", "travel_document_number", "travel_document_requested_on", "travel_document_issued_on",
			"travel_document_valid_until", "family_tracing_status", "risk_level", "risk_assessed_by", "risk_assessed_on",
			"family_location", "route", "flight_details", "escort_name", "escort_agency", "planned_date", "deadline"},
		"repatriation.error.": {"valid_until_before_issue", "before_request", "planned_past", "request_items", "no_embassy"},
	} {
		for _, v := range values {
			keys = append(keys, prefix+v)
		}
	}
	for _, s := range repatriation.Steps() {
		keys = append(keys, "repatriation.step."+string(s))
	}
	for _, k := range keys {
		for _, lang := range locale.Supported {
			if !b.Has(lang, k) {
				t.Errorf("key %q missing in %s", k, lang)
			}
		}
	}
}
