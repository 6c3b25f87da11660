package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/services"
)

// TestReferralRepliesThroughPages: an NGO's reply through the API cannot complete or decline a
// referral it never accepted; through its pages it accepts, then posts progress and completion,
// and the caseworker's service follows.
func TestReferralRepliesThroughPages(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	caseID := supportCase(t, env)
	status, body := apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+caseID+"/referrals", env.Token(t, thWorker),
		`{"recipient": "ngo-th-legal", "service": "legal_aid", "needs": "Lawyer for the wage claim"}`)
	var ref struct {
		Service struct{ ID string } `json:"service"`
		Packet  struct{ ID string } `json:"packet"`
	}
	json.Unmarshal([]byte(body), &ref)
	if status != http.StatusCreated || ref.Packet.ID == "" {
		t.Fatalf("refer: %d %s", status, body)
	}
	if status, body := apptest.API(t, http.MethodPost, base+"/api/v1/packets/"+ref.Packet.ID+"/approve", env.Token(t, thSupervisor), `{"version": 1}`); status != http.StatusOK {
		t.Fatalf("approve: %d %s", status, body)
	}
	svc := services.New(env.App.Stores, env.App.Directory, env.App.Exchange)
	serviceOf := func() services.Record {
		t.Helper()
		l, err := svc.List(context.Background(), env.Actor(t, thWorker), caseID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range l.Items {
			if r.ReferralID == ref.Packet.ID {
				return r
			}
		}
		t.Fatalf("no service for referral %s", ref.Packet.ID)
		return services.Record{}
	}
	before := serviceOf()

	// A status posted as a plain reply before accepting changes nothing in the store.
	tok := env.Token(t, supportNGO)
	for _, fields := range []string{`{"status": "completed", "outcome": "Done"}`, `{"status": "declined", "reason": "No"}`} {
		status, body := apptest.API(t, http.MethodPost, base+"/api/v1/inbox/"+ref.Packet.ID+"/replies", tok, `{"fields": `+fields+`}`)
		if status >= 300 {
			t.Fatalf("reply %s: %d %s", fields, status, body)
		}
		if s := serviceOf(); s.Status != before.Status || s.ReferralStatus != before.ReferralStatus {
			t.Errorf("after a plain reply %s: %s / %s, want %s / %s", fields, s.Status, s.ReferralStatus, before.Status, before.ReferralStatus)
		}
	}

	ngo := env.Login(t, supportNGO)
	page := base + "/referrals/" + ref.Packet.ID
	post := func(path string, v url.Values, want int) {
		t.Helper()
		res := apptest.PostForm(t, ngo, page, page+path, v)
		res.Body.Close()
		if res.StatusCode != want {
			t.Fatalf("POST %s: %d, want %d", path, res.StatusCode, want)
		}
	}
	post("/accept", url.Values{}, http.StatusSeeOther)
	if s := serviceOf(); s.ReferralStatus != "accepted" {
		t.Errorf("after accepting on the page: %s / %s", s.Status, s.ReferralStatus)
	}
	post("/progress", url.Values{"status": {"in_progress"}, "note": {"First meeting held"}}, http.StatusSeeOther)
	if s := serviceOf(); s.Status != "in_progress" || s.ReferralStatus != "in_progress" {
		t.Errorf("after progress on the page: %s / %s", s.Status, s.ReferralStatus)
	}
	post("/progress", url.Values{"status": {"completed"}, "outcome": {"Claim filed"}}, http.StatusSeeOther)
	if s := serviceOf(); s.Status != "completed" || s.ReferralStatus != "completed" || s.Outcome != "Claim filed" {
		t.Errorf("after completion on the page: %s / %s (%q)", s.Status, s.ReferralStatus, s.Outcome)
	}
}
