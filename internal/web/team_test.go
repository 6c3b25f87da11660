package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

const (
	teamKHSupervisor     = "supervisor@kh-mosvy-poipet.demo"
	teamThPoliceSupervor = "supervisor@th-pct.demo"
)

func TestTeamAPI(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	c := intakeAPI(t, env, env.Token(t, thWorker), intakeJSON(t, "Kosal", "Teamapi", "KH"))
	sup := env.Token(t, thSupervisor)
	worker := env.Actor(t, thWorker)
	assign := base + "/api/v1/cases/" + c.Case.ID + "/assign"
	team := base + "/api/v1/cases/" + c.Case.ID + "/team"

	// Refused: other store, other agency, no section, and the caseworker who may not assign.
	_, generic := apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+noSuchCaseID+"/assign", sup, `{"user_id":"","version":1}`)
	for _, email := range []string{teamKHSupervisor, teamThPoliceSupervor, thAuditor, thWorker} {
		tok := env.Token(t, email)
		for _, m := range []struct{ method, url, body string }{
			{http.MethodPost, assign, mustJSON(t, map[string]any{"user_id": worker.UserID, "version": 1})},
			{http.MethodPost, team, `{"agency":"th-pct"}`},
			{http.MethodDelete, team + "/th-pct", ""},
		} {
			if status, body := apptest.API(t, m.method, m.url, tok, m.body); status != http.StatusNotFound || withoutRequestID(body) != withoutRequestID(generic) {
				t.Errorf("%s %s as %s: %d %s, want 404", m.method, m.url, email, status, body)
			}
		}
	}

	// Only a caseworker of the owner agency.
	for _, email := range []string{thSupervisor, thPolice, khWorker} {
		status, body := apptest.API(t, http.MethodPost, assign, sup, mustJSON(t, map[string]any{"user_id": env.Actor(t, email).UserID, "version": 1}))
		if status != http.StatusUnprocessableEntity || decodeError(t, body).Error.Fields["user_id"] != "team.error.not_caseworker" {
			t.Errorf("assign %s: %d %s, want 422", email, status, body)
		}
	}
	status, body := apptest.API(t, http.MethodPost, assign, sup, mustJSON(t, map[string]any{"user_id": worker.UserID, "version": 1}))
	if status != http.StatusOK || !strings.Contains(body, worker.UserID) || !strings.Contains(body, `"version":2`) {
		t.Fatalf("assign: %d %s", status, body)
	}
	if status, body := apptest.API(t, http.MethodPost, assign, sup, `{"user_id":"","version":1}`); status != http.StatusConflict {
		t.Fatalf("stale assign: %d %s, want 409", status, body)
	}

	// Team agencies: another agency of the same store joins; other countries and kinds do not.
	for _, slug := range []string{"kh-cnp-aht", "th-embassy-pnh", "ngo-th-legal", "th-msdhs-sakaeo", "no-such-agency"} {
		status, body := apptest.API(t, http.MethodPost, team, sup, mustJSON(t, map[string]any{"agency": slug}))
		if status != http.StatusUnprocessableEntity || decodeError(t, body).Error.Fields["agency"] == "" {
			t.Errorf("add %s: %d %s, want 422", slug, status, body)
		}
	}
	police := env.Token(t, thPolice)
	if status, _ := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+c.Case.ID, police, ""); status != http.StatusNotFound {
		t.Fatalf("police before joining: %d", status)
	}
	status, body = apptest.API(t, http.MethodPost, team, sup, `{"agency":"th-pct"}`)
	var tj struct {
		OwnerAgency string `json:"owner_agency"`
		Team        []struct {
			Slug string `json:"slug"`
		} `json:"team"`
	}
	if status != http.StatusCreated || json.Unmarshal([]byte(body), &tj) != nil || tj.OwnerAgency != "th-msdhs-sakaeo" || len(tj.Team) != 1 || tj.Team[0].Slug != "th-pct" {
		t.Fatalf("add th-pct: %d %s", status, body)
	}
	if status, body := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+c.Case.ID, police, ""); status != http.StatusOK {
		t.Fatalf("police on the team: %d %s", status, body)
	}
	if status, body := apptest.API(t, http.MethodGet, team, police, ""); status != http.StatusOK || !strings.Contains(body, "th-pct") {
		t.Fatalf("police reads the team: %d %s", status, body)
	}
	if status, body := apptest.API(t, http.MethodDelete, team+"/th-pct", sup, ""); status != http.StatusNoContent {
		t.Fatalf("remove: %d %s", status, body)
	}
	if status, _ := apptest.API(t, http.MethodDelete, team+"/th-pct", sup, ""); status != http.StatusNotFound {
		t.Fatalf("remove again: %d, want 404", status)
	}
	if status, _ := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+c.Case.ID, police, ""); status != http.StatusNotFound {
		t.Fatalf("police after leaving: %d, want 404", status)
	}
	if status, body := apptest.API(t, http.MethodPost, assign, sup, `{"user_id":"x","version":2,"extra":1}`); status != http.StatusBadRequest {
		t.Fatalf("unknown field: %d %s, want 400", status, body)
	}
}

func TestTeamAndTimelinePages(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	c := intakeAPI(t, env, env.Token(t, thWorker), intakeJSON(t, "Kosal", "Teampage", "KH"))
	page := base + "/cases/" + c.Case.ID + "/team"
	cl := env.Login(t, thSupervisor)
	worker := env.Actor(t, thWorker)

	status, body := apptest.Get(t, cl, page)
	if status != http.StatusOK || !strings.Contains(body, `action="/cases/`+c.Case.ID+`/team/assign"`) || !strings.Contains(body, worker.Name) {
		t.Fatalf("team page: %d %s", status, excerpt(body))
	}
	res := apptest.PostForm(t, cl, page, page+"/assign", url.Values{"user_id": {worker.UserID}, "version": {"1"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("assign form: %d", res.StatusCode)
	}
	res = apptest.PostForm(t, cl, page, page+"/assign", url.Values{"user_id": {""}, "version": {"1"}})
	if stale := pageBody(t, res); res.StatusCode != http.StatusConflict || !strings.Contains(stale, message(t, stale, "error.conflict")) {
		t.Fatalf("stale assign form: %d %s", res.StatusCode, excerpt(stale))
	}
	res = apptest.PostForm(t, cl, page, page, url.Values{"agency": {"kh-cnp-aht"}})
	if bad := pageBody(t, res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad, message(t, bad, "team.error.other_store")) {
		t.Fatalf("add agency of another country: %d %s", res.StatusCode, excerpt(bad))
	}
	res = apptest.PostForm(t, cl, page, page, url.Values{"agency": {"th-pct"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add th-pct: %d", res.StatusCode)
	}
	res = apptest.PostForm(t, cl, page, page+"/remove", url.Values{"agency": {"th-pct"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove th-pct: %d", res.StatusCode)
	}
	// The caseworker reads the team but has no forms.
	status, body = apptest.Get(t, env.Login(t, thWorker), page)
	if status != http.StatusOK || !strings.Contains(body, worker.Name) || strings.Contains(body, "/team/assign") {
		t.Fatalf("caseworker team page: %d %s", status, excerpt(body))
	}

	// The timeline: supervisors only, newest first, actor names and translated actions.
	tl := base + "/cases/" + c.Case.ID + "/timeline"
	status, body = apptest.Get(t, cl, tl)
	if status != http.StatusOK || !strings.Contains(body, worker.Name) || !strings.Contains(body, message(t, body, "timeline.action.case.assign")) ||
		!strings.Contains(body, message(t, body, "timeline.action.case.team.remove")) {
		t.Fatalf("timeline: %d %s", status, excerpt(body))
	}
	if strings.Index(body, message(t, body, "timeline.action.case.team.remove")) > strings.Index(body, message(t, body, "timeline.action.case.intake")) {
		t.Error("timeline is not newest first")
	}
	for _, email := range []string{thWorker, thPolice, khWorker, thAuditor} {
		if status, _ := apptest.Get(t, env.Login(t, email), tl); status != http.StatusNotFound {
			t.Errorf("timeline as %s: %d, want 404", email, status)
		}
	}
	status, body = apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+c.Case.ID+"/timeline", env.Token(t, thSupervisor), "")
	if status != http.StatusOK || !strings.Contains(body, `"action":"case.intake"`) || !strings.Contains(body, worker.Name) {
		t.Fatalf("timeline API: %d %s", status, body)
	}
}

// TestWorkListAPI checks each filter of GET /api/v1/cases against fixtures, and bad values.
func TestWorkListAPI(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	wtok, stok := env.Token(t, thWorker), env.Token(t, thSupervisor)
	kenyan := intakeAPI(t, env, wtok, intakeJSON(t, "Otieno", "Worklistapi", "KE"))
	minorBody := mustJSON(t, map[string]any{"given_name": "Dara", "family_name": "Worklistapi", "sex": "male", "age_estimate": 15, "nationality": "KH"})
	minor := intakeAPI(t, env, wtok, minorBody)
	assigned := intakeAPI(t, env, wtok, intakeJSON(t, "Vanna", "Worklistapi", "KH"))
	if status, body := apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+assigned.Case.ID+"/assign", stok,
		mustJSON(t, map[string]any{"user_id": env.Actor(t, thWorker).UserID, "version": 1})); status != http.StatusOK {
		t.Fatalf("assign: %d %s", status, body)
	}
	list := func(t *testing.T, query string) (int, []string, string) {
		t.Helper()
		status, body := apptest.API(t, http.MethodGet, base+"/api/v1/cases?q=worklistapi&"+query, wtok, "")
		var r struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		_ = json.Unmarshal([]byte(body), &r)
		var ids []string
		for _, it := range r.Items {
			ids = append(ids, it.ID)
		}
		next := ""
		if r.NextCursor != nil {
			next = *r.NextCursor
		}
		if status != http.StatusOK {
			return status, nil, body
		}
		return status, ids, next
	}
	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"nationality=KE", []string{kenyan.Case.ID}},
		{"minor=true", []string{minor.Case.ID}},
		{"minor=false&nationality=kh", []string{assigned.Case.ID}},
		{"assigned=me", []string{assigned.Case.ID}},
		{"pending_approval=true", nil},
		{"stage=reception&minor=false", []string{assigned.Case.ID, kenyan.Case.ID}},
	} {
		status, ids, _ := list(t, tt.query)
		if status != http.StatusOK || fmt.Sprint(ids) != fmt.Sprint(tt.want) {
			t.Errorf("%s: %d %v, want %v", tt.query, status, ids, tt.want)
		}
	}
	// Cursor pagination keeps the filters: one case per page.
	var seen []string
	cursor := ""
	for range 4 {
		status, ids, next := list(t, "minor=false&limit=1&cursor="+url.QueryEscape(cursor))
		if status != http.StatusOK {
			t.Fatalf("page: %d %s", status, next)
		}
		seen = append(seen, ids...)
		if next == "" {
			break
		}
		cursor = next
	}
	if fmt.Sprint(seen) != fmt.Sprint([]string{assigned.Case.ID, kenyan.Case.ID}) {
		t.Errorf("pages = %v", seen)
	}
	for _, q := range []string{"minor=perhaps", "assigned=someone", "pending_approval=maybe", "nationality=Kenya", "operation=op-1", "stage=limbo", "cursor=%21%21"} {
		status, _, body := list(t, q)
		if status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s, want 422", q, status, body)
		}
	}
	// The page takes the same filters; a bad one from an old link shows the unfiltered first page.
	cl := env.Login(t, thWorker)
	status, body := apptest.Get(t, cl, base+"/cases?q=worklistapi&nationality=KE")
	if status != http.StatusOK || !strings.Contains(body, "Otieno") || strings.Contains(body, "Vanna") {
		t.Fatalf("filtered page: %d %s", status, excerpt(body))
	}
	if status, body := apptest.Get(t, cl, base+"/cases?q=worklistapi&minor=perhaps"); status != http.StatusOK || !strings.Contains(body, "Vanna") {
		t.Fatalf("bad filter page: %d %s", status, excerpt(body))
	}
	if status, body := apptest.Get(t, cl, base+"/cases?assigned=me&q=worklistapi"); status != http.StatusOK || !strings.Contains(body, "Vanna") || strings.Contains(body, "Otieno") {
		t.Fatalf("assigned to me page: %d %s", status, excerpt(body))
	}
}
