package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/closure"
	"homeward/internal/consent"
	"homeward/internal/services"
)

// khSupervisorRights is the KH welfare supervisor: every split right, in the other store.
const khSupervisorRights = "supervisor@kh-mosvy-poipet.demo"

// rightsUsers are the demo users every split right is tried as: every role of the TH store, and the
// agencies without a store.
var rightsUsers = []string{thWorker, thSupervisor, thPolice, thPoliceSup, thAdmin, thAuditor, thAnalyst, thEmbassy, ngoWorker}

// rightsFixture holds rows every user with the right may reach: a TH case of the welfare agency
// with the police on its team (not closed), its person, a proposed identification decision on a
// case the police see, a closure request and a referral waiting for approval on the case.
type rightsFixture struct {
	caseID, personID, decisionID, closureID, packetID string
}

// sharedOpenCase returns a case of country owned by the agency of owner or with it on the team,
// that the agency of other sees too, at a stage other than closed, and its person.
func sharedOpenCase(t *testing.T, env *apptest.Env, country, owner, other string) (caseID, personID string) {
	t.Helper()
	st, err := env.App.Stores.For(country)
	if err != nil {
		t.Fatal(err)
	}
	var row struct{ ID, PersonID string }
	st.DB.Raw(`SELECT c.id, c.person_id FROM cases c JOIN case_team ct ON ct.case_id = c.id
		WHERE c.owner_agency_id = ? AND ct.agency_id = ? AND c.stage NOT IN ('closed', 'identification') ORDER BY c.id LIMIT 1`,
		env.Actor(t, owner).AgencyID, env.Actor(t, other).AgencyID).Scan(&row)
	if row.ID == "" {
		t.Fatalf("no open %s case shared by %s and %s", country, owner, other)
	}
	return row.ID, row.PersonID
}

// pendingDecisionSeenBy returns a proposed identification decision of country on a case the
// agency of email owns or is on the team of.
func pendingDecisionSeenBy(t *testing.T, env *apptest.Env, country, email string) string {
	t.Helper()
	st, err := env.App.Stores.For(country)
	if err != nil {
		t.Fatal(err)
	}
	agency := env.Actor(t, email).AgencyID
	var id string
	st.DB.Raw(`SELECT d.id FROM identification_decisions d JOIN cases c ON c.id = d.case_id
		WHERE d.status = 'proposed' AND (c.owner_agency_id = ? OR EXISTS (SELECT 1 FROM case_team ct WHERE ct.case_id = c.id AND ct.agency_id = ?))
		ORDER BY d.id LIMIT 1`, agency, agency).Scan(&id)
	if id == "" {
		t.Fatalf("no proposed %s decision on a case %s sees", country, email)
	}
	return id
}

func newRightsFixture(t *testing.T, env *apptest.Env) rightsFixture {
	t.Helper()
	ctx := context.Background()
	w := env.Actor(t, thWorker)
	f := rightsFixture{decisionID: pendingDecisionSeenBy(t, env, "TH", thPoliceSup)}
	f.caseID, f.personID = sharedOpenCase(t, env, "TH", thWorker, thPolice)
	r, err := closure.New(env.App.Stores, env.App.Cases, env.App.Exchange).RequestClosure(ctx, w, f.caseID,
		closure.RequestInput{Reason: "declined_help"})
	if err != nil {
		t.Fatalf("closure request: %v", err)
	}
	f.closureID = r.ID
	if _, err := env.App.Consent.Record(ctx, w, f.caseID, consent.Input{Purpose: consent.PurposeShareNGO, Answer: consent.AnswerGiven,
		AnsweredOn: time.Now().Format(time.DateOnly), Method: "spoken", Language: "km"}); err != nil {
		t.Fatal(err)
	}
	_, p, err := services.New(env.App.Stores, env.App.Directory, env.App.Exchange).Refer(ctx, w, f.caseID,
		services.ReferralInput{Recipient: "ngo-th-legal", Service: "shelter", Needs: "A bed"})
	if err != nil {
		t.Fatalf("referral: %v", err)
	}
	f.packetID = p.ID
	return f
}

// TestSplitRights tries every route of every split right as every role: a role holding the right
// passes the guard (the answer is the route's own: 200, or 422 for the empty body sent, never 404);
// every other role gets the same 404 as an unknown route. Nothing is changed: the bodies are empty
// (422, or 409 for the missing version).
func TestSplitRights(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	f := newRightsFixture(t, env)
	notFound := send(t, nil, apiRequest(t, http.MethodGet, base+"/api/v1/no-such-route", "", nil)).Body
	probes := []struct {
		right        authz.Right
		method, path string
	}{
		{authz.Right{Section: authz.SectionIdentification, Action: authz.ActionApprove}, http.MethodPost, "/api/v1/decisions/" + f.decisionID + "/approve"},
		{authz.Right{Section: authz.SectionIdentification, Action: authz.ActionApprove}, http.MethodPost, "/api/v1/decisions/" + f.decisionID + "/return"},
		{authz.Right{Section: authz.SectionPackets, Action: authz.ActionApprove}, http.MethodPost, "/api/v1/packets/" + f.packetID + "/approve"},
		{authz.Right{Section: authz.SectionClosure, Action: authz.ActionApprove}, http.MethodPost, "/api/v1/closures/" + f.closureID + "/return"},
		{authz.Right{Section: authz.SectionClosure, Action: authz.ActionReopen}, http.MethodPost, "/api/v1/cases/" + f.caseID + "/reopen"},
		{authz.Right{Section: authz.SectionPersons, Action: authz.ActionMerge}, http.MethodPost, "/api/v1/persons/" + f.personID + "/merge"},
		{authz.Right{Section: authz.SectionTimeline, Action: authz.ActionRead}, http.MethodGet, "/api/v1/cases/" + f.caseID + "/timeline"},
		{authz.Right{Section: authz.SectionOverdue, Action: authz.ActionRead}, http.MethodGet, "/api/v1/repatriation/overdue"},
	}
	tokens := map[string]string{}
	for _, email := range rightsUsers {
		tokens[email] = env.Token(t, email)
	}
	for _, p := range probes {
		t.Run(p.right.String()+" "+p.method+" "+p.path, func(t *testing.T) {
			holders := 0
			for _, email := range rightsUsers {
				req := apiRequest(t, p.method, base+p.path, tokens[email], nil)
				if p.method == http.MethodPost {
					req = apiRequest(t, p.method, base+p.path, tokens[email], strings.NewReader("{}"))
				}
				res := send(t, nil, req)
				has := env.Actor(t, email).Can(p.right.Section, p.right.Action)
				switch {
				case has && (res.Status == http.StatusNotFound || res.Status >= 500):
					t.Errorf("%s holds %s: %d %s", email, p.right, res.Status, excerpt(res.Body))
				case has && p.method == http.MethodPost && res.Status != http.StatusUnprocessableEntity && res.Status != http.StatusConflict:
					t.Errorf("%s holds %s: %d %s, want 422 or 409 for an empty body", email, p.right, res.Status, excerpt(res.Body))
				case !has && (res.Status != http.StatusNotFound || withoutRequestID(res.Body) != withoutRequestID(notFound)):
					t.Errorf("%s lacks %s: %d %s, want 404 %s", email, p.right, res.Status, excerpt(res.Body), notFound)
				}
				if has {
					holders++
				}
			}
			if holders == 0 {
				t.Errorf("no demo user holds %s", p.right)
			}
		})
	}

	t.Run("isolation", func(t *testing.T) { splitRightsIsolation(t, env, f, notFound) })

	// consent:override has no route of its own: the override field of the packet form shows only
	// to its holders (the police have no packets tab at all).
	_, tab := apptest.Get(t, env.Login(t, thWorker), base+"/cases/"+f.caseID+"/packets")
	kind := regexp.MustCompile(`packets\?kind=([a-z_]+)`).FindStringSubmatch(tab)
	if kind == nil {
		t.Fatalf("no packet kind offered: %s", excerpt(tab))
	}
	for _, email := range []string{thWorker, thSupervisor, thPoliceSup} {
		c := env.Login(t, email)
		code, page := apptest.Get(t, c, base+"/cases/"+f.caseID+"/packets?kind="+kind[1])
		has := env.Actor(t, email).Can(authz.SectionConsent, authz.ActionOverride)
		shows := strings.Contains(page, `name="override"`)
		switch {
		case email == thPoliceSup && code != http.StatusNotFound:
			t.Errorf("%s packets tab: %d, want 404", email, code)
		case email != thPoliceSup && (code != http.StatusOK || shows != has):
			t.Errorf("%s packets tab: %d, override field shown %v, holds consent:override %v", email, code, shows, has)
		}
	}
}

// TestPoliceSupervisorIdentifiesNoVictim checks, in both countries, that a police supervisor who
// sees a case with a proposed identification decision can neither approve nor return it (404, on
// the page and the API), while the welfare supervisor of the same country can.
func TestPoliceSupervisorIdentifiesNoVictim(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	for _, tt := range []struct{ country, police, welfare string }{
		{"TH", thPoliceSup, thSupervisor},
		{"KH", "supervisor@kh-cnp-aht.demo", "supervisor@kh-mosvy-poipet.demo"},
	} {
		t.Run(tt.country, func(t *testing.T) {
			id := pendingDecisionSeenBy(t, env, tt.country, tt.police)
			st, _ := env.App.Stores.For(tt.country)
			var d struct {
				CaseID  string
				Version int
			}
			st.DB.Raw(`SELECT case_id, version FROM identification_decisions WHERE id = ?`, id).Scan(&d)
			tok := env.Token(t, tt.police)
			if code, _ := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+d.CaseID, tok, ""); code != http.StatusOK {
				t.Fatalf("the police supervisor does not see the case: %d", code)
			}
			for _, action := range []string{"approve", "return"} {
				body := mustJSON(t, map[string]any{"version": d.Version, "comment": "Police view."})
				if code, out := apptest.API(t, http.MethodPost, base+"/api/v1/decisions/"+id+"/"+action, tok, body); code != http.StatusNotFound {
					t.Errorf("API %s as police supervisor: %d %s, want 404", action, code, excerpt(out))
				}
				c := env.Login(t, tt.police)
				res := apptest.PostForm(t, c, base+"/cases/"+d.CaseID, base+"/decisions/"+id+"/"+action,
					url.Values{"version": {strconv.Itoa(d.Version)}, "comment": {"Police view."}})
				res.Body.Close()
				if res.StatusCode != http.StatusNotFound {
					t.Errorf("page %s as police supervisor: %d, want 404", action, res.StatusCode)
				}
			}
			// The screening page offers the police supervisor no review buttons.
			c := env.Login(t, tt.police)
			if code, page := apptest.Get(t, c, base+"/cases/"+d.CaseID+"/screening"); code != http.StatusOK ||
				strings.Contains(page, "/decisions/"+id+"/approve") {
				t.Errorf("police screening page: %d, approve form shown %v", code, strings.Contains(page, "/decisions/"+id+"/approve"))
			}
			body := mustJSON(t, map[string]any{"version": d.Version, "comment": "Consistent indicators."})
			if code, out := apptest.API(t, http.MethodPost, base+"/api/v1/decisions/"+id+"/approve", env.Token(t, tt.welfare), body); code != http.StatusOK {
				t.Errorf("welfare supervisor approves: %d %s", code, excerpt(out))
			}
		})
	}
}

// splitRightsIsolation checks that holding a split right reaches no row outside the holder's
// scope: the KH welfare supervisor on the TH fixture, the TH police supervisor on a welfare case
// without the police on its team; each the same 404 as an unknown route.
func splitRightsIsolation(t *testing.T, env *apptest.Env, f rightsFixture, notFound string) {
	base := env.URL()
	st, _ := env.App.Stores.For("TH")
	var own struct{ ID, PersonID string }
	st.DB.Raw(`SELECT c.id, c.person_id FROM cases c WHERE c.owner_agency_id = ? AND c.stage <> 'closed'
		AND NOT EXISTS (SELECT 1 FROM case_team ct WHERE ct.case_id = c.id AND ct.agency_id = ?) ORDER BY c.id LIMIT 1`,
		env.Actor(t, thWorker).AgencyID, env.Actor(t, thPolice).AgencyID).Scan(&own)
	if own.ID == "" {
		t.Fatal("no TH welfare case without the police")
	}
	r, err := closure.New(env.App.Stores, env.App.Cases, env.App.Exchange).RequestClosure(context.Background(),
		env.Actor(t, thWorker), own.ID, closure.RequestInput{Reason: "declined_help"})
	if err != nil {
		t.Fatal(err)
	}
	review := `{"version": 1, "comment": "Reviewed."}`
	for _, tt := range []struct {
		who, method, path, body string
	}{
		{khSupervisorRights, http.MethodPost, "/api/v1/decisions/" + f.decisionID + "/approve", review},
		{khSupervisorRights, http.MethodPost, "/api/v1/decisions/" + f.decisionID + "/return", review},
		{khSupervisorRights, http.MethodPost, "/api/v1/packets/" + f.packetID + "/approve", `{"version": 1}`},
		{khSupervisorRights, http.MethodPost, "/api/v1/closures/" + f.closureID + "/return", `{"comment": "Not yet."}`},
		{khSupervisorRights, http.MethodPost, "/api/v1/cases/" + f.caseID + "/reopen", `{"to": "recovery", "reason": "Back.", "version": 1}`},
		{khSupervisorRights, http.MethodPost, "/api/v1/persons/" + f.personID + "/merge", `{"into": "` + own.PersonID + `", "reason": "Same person."}`},
		{khSupervisorRights, http.MethodGet, "/api/v1/cases/" + f.caseID + "/timeline", ""},
		{thPoliceSup, http.MethodPost, "/api/v1/closures/" + r.ID + "/return", `{"comment": "Not yet."}`},
		{thPoliceSup, http.MethodPost, "/api/v1/cases/" + own.ID + "/reopen", `{"to": "recovery", "reason": "Back.", "version": 1}`},
		{thPoliceSup, http.MethodPost, "/api/v1/persons/" + own.PersonID + "/merge", `{"into": "` + f.personID + `", "reason": "Same person."}`},
		{thPoliceSup, http.MethodGet, "/api/v1/cases/" + own.ID + "/timeline", ""},
	} {
		req := apiRequest(t, tt.method, base+tt.path, env.Token(t, tt.who), nil)
		if tt.body != "" {
			req = apiRequest(t, tt.method, base+tt.path, env.Token(t, tt.who), strings.NewReader(tt.body))
		}
		if res := send(t, nil, req); res.Status != http.StatusNotFound || withoutRequestID(res.Body) != withoutRequestID(notFound) {
			t.Errorf("%s %s as %s: %d %s, want 404 %s", tt.method, tt.path, tt.who, res.Status, excerpt(res.Body), notFound)
		}
	}
}
