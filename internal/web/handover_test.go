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
	"homeward/internal/handover"
	"homeward/internal/handover/handovertest"
)

// Demo users of the handover tests (others are in main_test.go).
const (
	khSupervisorHO = "supervisor@kh-mosvy-poipet.demo"
	khAnalystHO    = "analyst@kh-mosvy-poipet.demo"
	thPoliceSupHO  = "supervisor@th-pct.demo"
	idEmbassyHO    = "embassy_officer@id-embassy-pnh.demo"
)

// thBatchID prepares a handover batch of the TH welfare agency (one Cambodian to the KH welfare
// agency), for the route walk.
func thBatchID(t *testing.T, env *apptest.Env) string {
	t.Helper()
	ids := handovertest.Ready(t, env, thWorker, thSupervisor, "KH", 1)
	svc := handover.New(env.App.Hub, env.App.Stores, env.App.Exchange, env.App.Directory)
	b, err := svc.Create(context.Background(), env.Actor(t, thWorker), handover.BatchInput{Recipient: "kh-mosvy-poipet",
		Checkpoint: "poipet_aranyaprathet", HandoverAt: time.Now().Add(24 * time.Hour).Format(time.RFC3339),
		SendingOfficials: "Somchai K.", Persons: []handover.PersonInput{{CaseID: ids[0]}}})
	if err != nil {
		t.Fatalf("TH batch: %v", err)
	}
	return b.ID
}

func hoBody(t *testing.T, in any) string { return mustJSON(t, in) }

func hoBatch(t *testing.T, body string) handover.Batch {
	t.Helper()
	var b handover.Batch
	if err := json.Unmarshal([]byte(body), &b); err != nil || b.ID == "" {
		t.Fatalf("not a batch (%v): %s", err, excerpt(body))
	}
	return b
}

// TestHandoverAPI hands two Thai nationals over from the KH store to the TH welfare agency through
// the API: one accepted (a new TH case), one declined; the KH cases learn the answers by Sync only,
// and neither side's API returns the other's case.
func TestHandoverAPI(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	ids := handovertest.Ready(t, env, khWorker, khSupervisorHO, "TH", 2)
	khTok, khSupTok, thSupTok := env.Token(t, khWorker), env.Token(t, khSupervisorHO), env.Token(t, thSupervisor)
	in := handover.BatchInput{Recipient: "th-msdhs-sakaeo", Checkpoint: "cham_yeam_hat_lek",
		HandoverAt:       time.Now().Add(72 * time.Hour).In(time.FixedZone("", 7*3600)).Format("2006-01-02T15:04"),
		SendingOfficials: "Sok Dara", Persons: []handover.PersonInput{{CaseID: ids[0], Belongings: "Bag"}, {CaseID: ids[1]}}}

	// A handover to an agency of the sender's own country is invalid, and nothing is saved.
	same := in
	same.Recipient = "kh-mosvy-poipet"
	status, body := apptest.API(t, http.MethodPost, base+"/api/v1/handover/batches", khTok, hoBody(t, same))
	if status != http.StatusUnprocessableEntity || decodeError(t, body).Error.Fields["recipient"] != "handover.error.same_country" {
		t.Fatalf("same country: %d %s", status, body)
	}
	status, body = apptest.API(t, http.MethodPost, base+"/api/v1/handover/batches", khTok, hoBody(t, in))
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, excerpt(body))
	}
	b := hoBatch(t, body)
	url := base + "/api/v1/handover/batches/" + b.ID

	// Nobody else sees it: the receiving supervisor before approval, other agencies, roles, countries.
	for _, who := range []string{thSupervisor, thWorker, thPoliceSupHO, thEmbassy, idEmbassyHO, ngoWorker, khAnalystHO} {
		if status, body := apptest.API(t, http.MethodGet, url, env.Token(t, who), ""); status != http.StatusNotFound {
			t.Errorf("%s reads the pending batch: %d %s", who, status, excerpt(body))
		}
	}
	status, body = apptest.API(t, http.MethodPost, url+"/approve", khSupTok, hoBody(t, map[string]int{"version": b.Version}))
	if status != http.StatusOK || hoBatch(t, body).Status != handover.BatchSent {
		t.Fatalf("approve: %d %s", status, excerpt(body))
	}
	status, body = apptest.API(t, http.MethodPost, url+"/approve", khSupTok, hoBody(t, map[string]int{"version": b.Version}))
	if status != http.StatusConflict {
		t.Errorf("approve twice: %d", status)
	}
	for _, who := range []string{thWorker, thPoliceSupHO, thEmbassy, ngoWorker, khAnalystHO} {
		if status, _ := apptest.API(t, http.MethodGet, url, env.Token(t, who), ""); status != http.StatusNotFound {
			t.Errorf("%s reads the sent batch: %d", who, status)
		}
		if status, _ := apptest.API(t, http.MethodPost, url+"/accept", env.Token(t, who), `{"accept":[]}`); status != http.StatusNotFound {
			t.Errorf("%s answers the batch: %d", who, status)
		}
	}

	status, body = apptest.API(t, http.MethodGet, url, thSupTok, "")
	if status != http.StatusOK {
		t.Fatalf("TH supervisor opens: %d %s", status, excerpt(body))
	}
	rb := hoBatch(t, body)
	if rb.Side != handover.SideRecipient || len(rb.Persons) != 2 || rb.Persons[0].GivenName == "" {
		t.Fatalf("recipient batch: %+v", rb)
	}
	answer := handover.AcceptInput{Accept: []string{rb.Persons[0].PacketID},
		Decline: []handover.Decline{{ID: rb.Persons[1].PacketID, Reason: "Not on our list for this date"}}}
	status, body = apptest.API(t, http.MethodPost, url+"/accept", thSupTok, hoBody(t, answer))
	if status != http.StatusUnprocessableEntity || decodeError(t, body).Error.Fields["receiving_officials"] != "form.error.required" {
		t.Errorf("answer without officials: %d %s", status, body)
	}
	answer.ReceivingOfficials = "Somsak P."
	status, body = apptest.API(t, http.MethodPost, url+"/accept", thSupTok, hoBody(t, answer))
	if status != http.StatusOK {
		t.Fatalf("accept: %d %s", status, excerpt(body))
	}
	rb = hoBatch(t, body)
	var newCase handover.Person
	for _, p := range rb.Persons {
		if p.Status == handover.PersonAccepted {
			newCase = p
		}
	}
	if newCase.CaseID == "" || !strings.HasPrefix(newCase.CaseRef, "TH-") {
		t.Fatalf("no new TH case: %+v", rb.Persons)
	}
	// Issue 13: the same answer again is a retry (200, nothing decided twice); the other answer is 409.
	if status, _ := apptest.API(t, http.MethodPost, url+"/accept", thSupTok, hoBody(t, answer)); status != http.StatusOK {
		t.Errorf("the same answer again: %d", status)
	}
	flipped := handover.AcceptInput{Decline: []handover.Decline{{ID: newCase.PacketID, Reason: "changed"}}, ReceivingOfficials: "Somsak P."}
	if status, _ := apptest.API(t, http.MethodPost, url+"/accept", thSupTok, hoBody(t, flipped)); status != http.StatusConflict {
		t.Errorf("declining an accepted person: %d", status)
	}

	// Sync, run by the KH side's read, applies the answers in the KH store.
	status, body = apptest.API(t, http.MethodGet, url, khTok, "")
	if status != http.StatusOK {
		t.Fatalf("KH reads the answered batch: %d", status)
	}
	kb := hoBatch(t, body)
	if kb.Persons[0].Status != handover.PersonAccepted || kb.Persons[0].NewCaseRef != newCase.CaseRef ||
		kb.Persons[1].Status != handover.PersonDeclined || kb.Persons[1].Reason == "" {
		t.Errorf("KH persons after sync: %+v", kb.Persons)
	}
	stage := func(tok, id string) (int, string) {
		status, body := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+id, tok, "")
		var c struct {
			Stage string `json:"stage"`
			Case  struct {
				Stage string `json:"stage"`
			} `json:"case"`
		}
		_ = json.Unmarshal([]byte(body), &c)
		return status, c.Stage + c.Case.Stage
	}
	if st, s := stage(khTok, ids[0]); st != http.StatusOK || s != "handover" {
		t.Errorf("KH case handed over: %d %q", st, s)
	}
	if st, s := stage(khTok, ids[1]); st != http.StatusOK || s != "return_preparation" {
		t.Errorf("KH case declined: %d %q", st, s)
	}

	// Nothing else crosses: each side sees only its own store's case.
	thTok := env.Token(t, thWorker)
	if st, s := stage(thTok, newCase.CaseID); st != http.StatusOK || s != handover.ReceivedStage {
		t.Errorf("TH caseworker reads the new case: %d %q", st, s)
	}
	for _, tok := range []string{thTok, thSupTok} {
		for _, id := range ids {
			if st, _ := stage(tok, id); st != http.StatusNotFound {
				t.Errorf("a TH user reads the KH case: %d", st)
			}
		}
	}
	for _, tok := range []string{khTok, khSupTok} {
		if st, _ := stage(tok, newCase.CaseID); st != http.StatusNotFound {
			t.Errorf("a KH user reads the TH case: %d", st)
		}
		_, list := apptest.API(t, http.MethodGet, base+"/api/v1/cases?limit=200&q="+url2(newCase.GivenName), tok, "")
		if strings.Contains(list, newCase.CaseRef) || strings.Contains(list, newCase.CaseID) {
			t.Errorf("the KH case list names the TH case")
		}
	}
	_, list := apptest.API(t, http.MethodGet, base+"/api/v1/cases?limit=200&stage=return_preparation", thTok, "")
	for _, id := range ids {
		if strings.Contains(list, id) {
			t.Errorf("the TH case list names a KH case")
		}
	}
	// The other side's data exists for each side only as packets (and the hub batch envelope).
	var hubCases int64
	env.App.Hub.Raw(`SELECT count(*) FROM information_schema.tables WHERE table_name IN ('cases', 'persons')`).Scan(&hubCases)
	if hubCases != 0 {
		t.Errorf("the hub holds case tables")
	}
}

func url2(s string) string { return url.QueryEscape(s) }

// TestHandoverPages walks the web forms: the caseworker prepares, the supervisor approves, the TH
// supervisor declines one without confirming (422), then answers; the pages and the record render
// in en, th and km with both scripts.
func TestHandoverPages(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	ids := handovertest.Ready(t, env, khWorker, khSupervisorHO, "TH", 2)
	cw, sup, thSup := env.Login(t, khWorker), env.Login(t, khSupervisorHO), env.Login(t, thSupervisor)
	// The TH store already holds the first person's passport: the received person is a possible duplicate.
	age := 20
	_, dup, err := env.App.Cases.Intake(context.Background(), env.Actor(t, thWorker), cases.IntakeInput{GivenName: "Somchai",
		FamilyName: "Jaidee", Sex: "male", AgeEstimate: &age, Nationality: "TH", DocumentNumber: "AA1000000"})
	if err != nil {
		t.Fatal(err)
	}

	status, body := apptest.Get(t, cw, base+"/handover/batches/new")
	if status != http.StatusOK || !strings.Contains(body, ids[0]) {
		t.Fatalf("form: %d %s", status, excerpt(body))
	}
	form := url.Values{"recipient": {"th-msdhs-sakaeo"}, "checkpoint": {"poipet_aranyaprathet"},
		"handover_at": {time.Now().Add(24 * time.Hour).Format("2006-01-02T15:04")}, "sending_officials": {""},
		"case": {ids[0], ids[1]}, "documents_" + ids[0]: {"passport"}, "belongings_" + ids[0]: {"Phone, 2,000 baht"}}
	status, body = postPage(t, cw, base+"/handover/batches/new", base+"/handover/batches", form)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, message(t, body, "form.error.required")) ||
		!strings.Contains(body, "Phone, 2,000 baht") {
		t.Fatalf("form without officials: %d %s", status, excerpt(body))
	}
	form.Set("sending_officials", "Sok Dara, MoSVY")
	res := apptest.PostForm(t, cw, base+"/handover/batches/new", base+"/handover/batches", form)
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/handover/batches/") {
		t.Fatalf("create: %d %q", res.StatusCode, loc)
	}
	page := base + loc
	_, body = apptest.Get(t, cw, page)
	if !strings.Contains(body, message(t, body, "handover.status.pending_approval")) {
		t.Errorf("batch page: %s", excerpt(body))
	}
	_, body = apptest.Get(t, sup, page)
	if !strings.Contains(body, `data-testid="handover-approve"`) {
		t.Fatalf("the supervisor has no approve button: %s", excerpt(body))
	}
	id := strings.TrimPrefix(loc, "/handover/batches/")
	if status, body := postPage(t, sup, page, page+"/approve", url.Values{"version": {"1"}}); status != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", status, excerpt(body))
	}
	_, body = apptest.Get(t, thSup, page)
	if !strings.Contains(body, `data-testid="handover-answer"`) || !strings.Contains(body, "สมชาย") {
		t.Fatalf("TH supervisor's batch page: %s", excerpt(body))
	}
	var b handover.Batch
	_, raw := apptest.API(t, http.MethodGet, base+"/api/v1/handover/batches/"+id, env.Token(t, thSupervisor), "")
	_ = json.Unmarshal([]byte(raw), &b)
	p0, p1 := b.Persons[0].PacketID, b.Persons[1].PacketID
	answer := url.Values{"person": {p0, p1}, "accept": {p0}, "reason_" + p1: {"Not expected today"}, "receiving_officials": {"Somsak P."}}
	status, body = postPage(t, thSup, page, page+"/accept", answer)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, message(t, body, "handover.error.confirm_decline")) {
		t.Fatalf("decline without confirmation: %d %s", status, excerpt(body))
	}
	answer.Set("confirm", "yes")
	if status, body := postPage(t, thSup, page, page+"/accept", answer); status != http.StatusSeeOther {
		t.Fatalf("answer: %d %s", status, excerpt(body))
	}
	// The receiving supervisor sees the possible duplicate in their store, with its case; the sender does not.
	if _, body := apptest.Get(t, thSup, page); !strings.Contains(body, `data-testid="handover-duplicates"`) ||
		!strings.Contains(body, `href="/cases/`+dup.ID+`" data-testid="handover-duplicate-case"`) {
		t.Errorf("TH supervisor's page lacks the possible duplicate: %s", excerpt(body))
	}
	if _, raw := apptest.API(t, http.MethodGet, base+"/api/v1/handover/batches/"+id, env.Token(t, thSupervisor), ""); !strings.Contains(raw, dup.ID) {
		t.Errorf("TH API lacks the possible duplicate: %s", excerpt(raw))
	}
	if _, body := apptest.Get(t, sup, page); strings.Contains(body, "handover-duplicates") || strings.Contains(body, dup.ID) {
		t.Errorf("the sending supervisor sees the receiving store's duplicate")
	}

	for _, lang := range []string{"en", "th", "km"} {
		for _, c := range []*http.Client{cw, thSup} {
			apptest.PostForm(t, c, base+"/handover/batches", base+"/language", url.Values{"lang": {lang}, "next": {"/handover/batches"}}).Body.Close()
			for _, u := range []string{"/handover/batches", loc} {
				if status, body := apptest.Get(t, c, base+u); status != http.StatusOK || !strings.Contains(body, `<html lang="`+lang+`"`) {
					t.Errorf("%s %s: %d %s", lang, u, status, excerpt(body))
				}
			}
			status, body := apptest.Get(t, c, page+"/record")
			if status != http.StatusOK {
				t.Fatalf("%s record: %d %s", lang, status, excerpt(body))
			}
			for _, want := range []string{"บันทึกการส่งมอบบุคคล", "កំណត់ត្រាប្រគល់", "Record of handover", "ปอยเปต", "ប៉ោយប៉ែត", "สมชาย",
				"Sok Dara", "Somsak P.", "signature-line"} {
				if !strings.Contains(body, want) {
					t.Errorf("%s record lacks %q", lang, want)
				}
			}
		}
	}
	if status, _ := apptest.Get(t, cw, base+"/handover/batches/new"); status != http.StatusOK {
		t.Errorf("form after the batch: %d", status)
	}
	if status, _ := apptest.Get(t, env.Login(t, thWorker), page+"/record"); status != http.StatusNotFound {
		t.Errorf("TH caseworker reads the record: %d", status)
	}
}
