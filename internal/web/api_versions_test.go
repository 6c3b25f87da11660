package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/consent"
	"homeward/internal/handover"
	"homeward/internal/handover/handovertest"
)

// TestCreatePacketAnswersItsVersion: every answer that creates something waiting for approval — a
// packet, a repatriation request to the embassy, a referral to an NGO, a handover batch — carries
// the version that approves it: a wrong version is 409, that version is 200, and using it again
// is 409.
func TestCreatePacketAnswersItsVersion(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	ctx := context.Background()
	type created struct{ approveURL, supervisor string }
	cases := []struct {
		name   string
		create func(t *testing.T) (created, int)
	}{
		{"packet", func(t *testing.T) (created, int) {
			id := pktCase(t, env)
			var p struct {
				ID      string `json:"id"`
				Version int    `json:"version"`
			}
			mustCreate(t, env, khWorker, "/api/v1/cases/"+id+"/packets", `{"kind":"repatriation","recipient":"th-embassy-pnh","fields":["given_name"]}`, &p)
			return created{"/api/v1/packets/" + p.ID + "/approve", pktKHSupervisor}, p.Version
		}},
		{"repatriation request", func(t *testing.T) (created, int) {
			id := repatCase(t, env, "Versioned", "TH")
			if _, err := env.App.Consent.Record(ctx, env.Actor(t, khWorker), id, consent.Input{Purpose: consent.PurposeShareEmbassy,
				Answer: consent.AnswerGiven, AnsweredOn: repatDay(0), Method: "written", Language: "th"}); err != nil {
				t.Fatal(err)
			}
			var p struct {
				ID      string `json:"id"`
				Version int    `json:"version"`
			}
			mustCreate(t, env, khWorker, "/api/v1/cases/"+id+"/repatriation/request", `{"requested":["travel_document"]}`, &p)
			return created{"/api/v1/packets/" + p.ID + "/approve", repKHSupervisor}, p.Version
		}},
		{"referral", func(t *testing.T) (created, int) {
			id := supportCase(t, env)
			var r struct {
				Packet struct {
					ID      string `json:"id"`
					Version int    `json:"version"`
				} `json:"packet"`
			}
			mustCreate(t, env, thWorker, "/api/v1/cases/"+id+"/referrals", `{"recipient": "ngo-th-legal", "service": "legal_aid", "needs": "Lawyer"}`, &r)
			return created{"/api/v1/packets/" + r.Packet.ID + "/approve", thSupervisor}, r.Packet.Version
		}},
		{"handover batch", func(t *testing.T) (created, int) {
			ids := handovertest.Ready(t, env, khWorker, khSupervisorHO, "TH", 1)
			in := handover.BatchInput{Recipient: "th-msdhs-sakaeo", Checkpoint: "cham_yeam_hat_lek",
				HandoverAt: time.Now().Add(72 * time.Hour).Format(time.RFC3339), SendingOfficials: "Sok Dara",
				Persons: []handover.PersonInput{{CaseID: ids[0]}}}
			var b handover.Batch
			mustCreate(t, env, khWorker, "/api/v1/handover/batches", mustJSON(t, in), &b)
			return created{"/api/v1/handover/batches/" + b.ID + "/approve", khSupervisorHO}, b.Version
		}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			c, version := tt.create(t)
			if version < 1 {
				t.Fatalf("the answer carries no version: %d", version)
			}
			tok := env.Token(t, c.supervisor)
			approve := func(v int) (int, string) {
				return apptest.API(t, http.MethodPost, base+c.approveURL, tok, `{"version": `+strconv.Itoa(v)+`}`)
			}
			if status, body := approve(version + 1); status != http.StatusConflict {
				t.Errorf("a wrong version: %d %s, want 409", status, body)
			}
			if status, body := approve(version); status != http.StatusOK {
				t.Fatalf("approve with the answer's version %d: %d %s", version, status, body)
			}
			if status, body := approve(version); status != http.StatusConflict {
				t.Errorf("approve again with the same version: %d %s, want 409", status, body)
			}
		})
	}
}

// mustCreate POSTs body as who and decodes the 201 answer into out.
func mustCreate(t *testing.T, env *apptest.Env, who, path, body string, out any) {
	t.Helper()
	status, res := apptest.API(t, http.MethodPost, env.URL()+path, env.Token(t, who), body)
	if status != http.StatusCreated {
		t.Fatalf("create %s: %d %s", path, status, res)
	}
	if err := json.Unmarshal([]byte(res), out); err != nil {
		t.Fatalf("create %s: %v: %s", path, err, res)
	}
}
