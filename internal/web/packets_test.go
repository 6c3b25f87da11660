package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/consent"
	"homeward/internal/exchange"
	"homeward/internal/locale"
)

// Demo users of the packet tests (others are in main_test.go).
const (
	pktKHSupervisor = "supervisor@kh-mosvy-poipet.demo"
	pktKHEmbassy    = "embassy_officer@kh-embassy-bkk.demo"
	pktIDEmbassy    = "embassy_officer@id-embassy-pnh.demo"
	pktNGOTH        = "ngo_worker@ngo-th-legal.demo"
)

// pktCase registers a Thai national in the KH store with consent to share with the embassy.
func pktCase(t *testing.T, env *apptest.Env) string {
	t.Helper()
	ctx := context.Background()
	age := 31
	_, c, err := env.App.Cases.Intake(ctx, env.Actor(t, khWorker), cases.IntakeInput{GivenName: "Somchai", FamilyName: "Rakdee",
		Sex: "male", AgeEstimate: &age, Nationality: "TH"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Consent.Record(ctx, env.Actor(t, khWorker), c.ID, consent.Input{Purpose: consent.PurposeShareEmbassy,
		Answer: consent.AnswerGiven, AnsweredOn: "2026-01-10", Method: "spoken", Language: "th"}); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// pktDemo is how many packets the demo data hold (the same in every environment: each is a clone of
// the demo-seeded templates); pktCount counts the others, those a test saved.
var (
	pktDemoOnce sync.Once
	pktDemo     int
)

func pktCount(t *testing.T, env *apptest.Env) int {
	t.Helper()
	pktDemoOnce.Do(func() {
		if err := apptest.New(t).App.Hub.Raw(`SELECT count(*) FROM packets`).Scan(&pktDemo).Error; err != nil {
			t.Fatal(err)
		}
	})
	var n int
	if err := env.App.Hub.Raw(`SELECT count(*) FROM packets`).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n - pktDemo
}

func decode(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("JSON %s: %v", body, err)
	}
	return m
}

func TestPacketsAPI(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	id := pktCase(t, env)
	worker, sup, emb := env.Token(t, khWorker), env.Token(t, pktKHSupervisor), env.Token(t, thEmbassy)
	post := func(tok, path, body string) (int, map[string]any) {
		t.Helper()
		status, b := apptest.API(t, http.MethodPost, base+path, tok, body)
		return status, decode(t, b)
	}

	// Bad input: 422 naming the field, nothing saved.
	status, res := post(worker, "/api/v1/cases/"+id+"/packets", `{"kind":"repatriation","recipient":"th-embassy-pnh","fields":["given_name","contact"]}`)
	if status != http.StatusUnprocessableEntity || !strings.Contains(mustJSON(t, res), `"fields.contact"`) || pktCount(t, env) != 0 {
		t.Fatalf("field outside the allow-list: %d %v", status, res)
	}
	status, res = post(worker, "/api/v1/cases/"+id+"/packets", `{"kind":"repatriation","recipient":"kh-embassy-bkk","fields":["given_name"]}`)
	if status != http.StatusUnprocessableEntity || pktCount(t, env) != 0 {
		t.Fatalf("embassy of another nationality: %d %v", status, res)
	}
	status, res = post(worker, "/api/v1/cases/"+id+"/packets", `{"kind":"repatriation","recipient":"th-embassy-pnh","fields":["given_name"],"override":"urgent"}`)
	if status != http.StatusCreated { // consent is in force: the override is not needed and not used
		t.Fatalf("prepare: %d %v", status, res)
	}
	if res["override"] != false {
		t.Fatalf("an override was recorded while consent is in force: %v", res)
	}
	pid := res["id"].(string)
	if status, _ := post(worker, "/api/v1/packets/"+pid+"/approve", ""); status != http.StatusNotFound {
		t.Fatalf("caseworker approve: %d", status)
	}
	if status, res = post(sup, "/api/v1/packets/"+pid+"/approve", `{"version":1}`); status != http.StatusOK || res["status"] != "sent" {
		t.Fatalf("approve: %d %v", status, res)
	}
	// The inbox: CONTRACT shape plus next_cursor; the packet comes first (newest first; the demo's
	// own packets to the embassy follow).
	_, b := apptest.API(t, http.MethodGet, base+"/api/v1/inbox?status=sent&limit=10", emb, "")
	inbox := decode(t, b)
	items, _ := inbox["items"].([]any)
	if _, ok := inbox["next_cursor"]; !ok || len(items) == 0 || items[0].(map[string]any)["id"] != pid {
		t.Fatalf("inbox = %s", b)
	}
	for _, k := range []string{"id", "kind", "status", "sender", "case_ref", "expires_at"} {
		if _, ok := items[0].(map[string]any)[k]; !ok {
			t.Errorf("inbox item lacks %s", k)
		}
	}
	if status, _ := apptest.API(t, http.MethodGet, base+"/api/v1/inbox?status=lost", emb, ""); status != http.StatusUnprocessableEntity {
		t.Errorf("bad status filter: %d", status)
	}
	for _, other := range []string{ngoWorker, pktKHEmbassy, pktIDEmbassy, pktNGOTH} {
		tok := env.Token(t, other)
		if status, _ := apptest.API(t, http.MethodGet, base+"/api/v1/inbox/"+pid, tok, ""); status != http.StatusNotFound {
			t.Errorf("%s opened the packet: %d", other, status)
		}
		_, b := apptest.API(t, http.MethodGet, base+"/api/v1/inbox", tok, "")
		if strings.Contains(b, pid) {
			t.Errorf("%s's inbox lists the packet", other)
		}
	}
	status, b = apptest.API(t, http.MethodGet, base+"/api/v1/inbox/"+pid, emb, "")
	if opened := decode(t, b); status != http.StatusOK || opened["status"] != "opened" || opened["payload"].(map[string]any)["given_name"] != "Somchai" {
		t.Fatalf("open: %d %s", status, b)
	}
	if status, res = post(emb, "/api/v1/inbox/"+pid+"/accept", ""); status != http.StatusOK {
		t.Fatalf("accept: %d %v", status, res)
	}
	if status, _ = post(emb, "/api/v1/inbox/"+pid+"/accept", ""); status != http.StatusConflict {
		t.Fatalf("second accept: %d, want 409", status)
	}
	status, res = post(emb, "/api/v1/inbox/"+pid+"/replies", `{"fields":{"nationality_verified":true,"given_name":"X"}}`)
	if status != http.StatusUnprocessableEntity || !strings.Contains(mustJSON(t, res), `"given_name"`) {
		t.Fatalf("reply outside the allow-list: %d %v", status, res)
	}
	if status, res = post(env.Token(t, pktKHEmbassy), "/api/v1/inbox/"+pid+"/replies", `{"fields":{"note":"x"}}`); status != http.StatusNotFound {
		t.Fatalf("reply by another agency: %d", status)
	}
	if status, res = post(emb, "/api/v1/inbox/"+pid+"/replies", `{"fields":{"nationality_verified":true,"note":"Verified at the embassy."}}`); status != http.StatusCreated || res["kind"] != "reply" {
		t.Fatalf("reply: %d %v", status, res)
	}
	// The sending store sees the packet and both replies; the other store and the embassy do not.
	status, b = apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+id+"/packets", worker, "")
	if list, _ := decode(t, b)["items"].([]any); status != http.StatusOK || len(list) != 3 {
		t.Fatalf("case packets: %d %s", status, b)
	}
	for _, other := range []string{thWorker, thSupervisor, thEmbassy, ngoWorker} {
		if status, _ := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+id+"/packets", env.Token(t, other), ""); status != http.StatusNotFound {
			t.Errorf("%s listed the case's packets: %d", other, status)
		}
		if status, _ := apptest.API(t, http.MethodGet, base+"/api/v1/packets/"+pid, env.Token(t, other), ""); status != http.StatusNotFound {
			t.Errorf("%s read the outgoing packet: %d", other, status)
		}
	}
	// Revoke: the embassy can no longer open it, and the hub row has no payload.
	_, res = post(worker, "/api/v1/cases/"+id+"/packets", `{"kind":"repatriation","recipient":"th-embassy-pnh","fields":["given_name"]}`)
	second := res["id"].(string)
	post(sup, "/api/v1/packets/"+second+"/approve", `{"version":1}`)
	if status, _ = post(worker, "/api/v1/packets/"+second+"/revoke", `{"reason":""}`); status != http.StatusUnprocessableEntity {
		t.Fatalf("revoke without reason: %d", status)
	}
	if status, _ = post(env.Token(t, thSupervisor), "/api/v1/packets/"+second+"/revoke", `{"reason":"x"}`); status != http.StatusNotFound {
		t.Fatalf("revoke from the other store: %d", status)
	}
	if status, res = post(worker, "/api/v1/packets/"+second+"/revoke", `{"reason":"sent by mistake"}`); status != http.StatusOK || res["status"] != "revoked" {
		t.Fatalf("revoke: %d %v", status, res)
	}
	if status, _ := apptest.API(t, http.MethodGet, base+"/api/v1/inbox/"+second, emb, ""); status != http.StatusNotFound {
		t.Fatalf("open revoked: %d", status)
	}
	var gone bool
	env.App.Hub.Raw(`SELECT sealed_payload IS NULL FROM packets WHERE id = ?`, second).Scan(&gone)
	if !gone {
		t.Fatal("revoked payload still in the hub")
	}
}

func TestPacketsPages(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	id := pktCase(t, env)
	page := base + "/cases/" + id + "/packets"
	worker, sup, emb := env.Login(t, khWorker), env.Login(t, pktKHSupervisor), env.Login(t, thEmbassy)

	status, body := apptest.Get(t, worker, page+"?kind=repatriation")
	if status != http.StatusOK || !strings.Contains(body, `value="th-embassy-pnh"`) || strings.Contains(body, `value="kh-embassy-bkk"`) {
		t.Fatalf("packets tab: %d %s", status, excerpt(body))
	}
	// Nothing ticked: 422 with the message, nothing saved.
	status, body = postPage(t, worker, page, page, url.Values{"kind": {"repatriation"}, "recipient": {"th-embassy-pnh"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, message(t, body, "packets.error.fields_empty")) || pktCount(t, env) != 0 {
		t.Fatalf("empty fields: %d %s", status, excerpt(body))
	}
	// A field outside the allow-list, named on the form.
	status, body = postPage(t, worker, page, page, url.Values{"kind": {"repatriation"}, "recipient": {"th-embassy-pnh"}, "fields": {"given_name", "contact"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, message(t, body, "packets.field.contact")) || pktCount(t, env) != 0 {
		t.Fatalf("field outside the allow-list: %d %s", status, excerpt(body))
	}
	status, body = postPage(t, worker, page, page, url.Values{"kind": {"repatriation"}, "recipient": {"th-embassy-pnh"},
		"fields": {"given_name", "nationality"}, "note": {"Family in Surin"}})
	if status != http.StatusSeeOther {
		t.Fatalf("prepare: %d %s", status, excerpt(body))
	}
	var pid string
	env.App.Hub.Raw(`SELECT id FROM packets ORDER BY created_at DESC LIMIT 1`).Scan(&pid)
	_, body = apptest.Get(t, sup, page)
	if !strings.Contains(body, "/packets/"+pid+"/approve") {
		t.Fatalf("supervisor sees no approve button: %s", excerpt(body))
	}
	if status, body = postPage(t, sup, page, page+"/"+pid+"/approve", url.Values{"version": {"1"}}); status != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", status, excerpt(body))
	}
	// The embassy's inbox and packet page.
	status, body = apptest.Get(t, emb, base+"/inbox")
	if status != http.StatusOK || !strings.Contains(body, "/inbox/"+pid) {
		t.Fatalf("inbox: %d %s", status, excerpt(body))
	}
	status, body = apptest.Get(t, emb, base+"/inbox/"+pid)
	if status != http.StatusOK || !strings.Contains(body, message(t, body, "packets.field.given_name")) || !strings.Contains(body, "Somchai") {
		t.Fatalf("packet page: %d %s", status, excerpt(body))
	}
	pkt := base + "/inbox/" + pid
	status, body = postPage(t, emb, pkt, pkt+"/replies", url.Values{"nationality_verified": {"yes"}, "note": {"Verified."}})
	if status != http.StatusSeeOther {
		t.Fatalf("reply: %d %s", status, excerpt(body))
	}
	status, body = postPage(t, emb, pkt, pkt+"/decline", url.Values{"reason": {" "}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, message(t, body, "form.error.required")) {
		t.Fatalf("decline without reason: %d %s", status, excerpt(body))
	}
	if status, body = postPage(t, emb, pkt+"/decline", pkt+"/decline", url.Values{"reason": {"Not our national."}}); status != http.StatusSeeOther {
		t.Fatalf("decline: %d %s", status, excerpt(body))
	}
	if status, _ = postPage(t, emb, pkt, pkt+"/accept", url.Values{}); status != http.StatusConflict {
		t.Fatalf("accept after decline: %d", status)
	}

	// A revocation with its confirmation step.
	postPage(t, worker, page, page, url.Values{"kind": {"repatriation"}, "recipient": {"th-embassy-pnh"}, "fields": {"given_name"}})
	var second string
	env.App.Hub.Raw(`SELECT id FROM packets WHERE status = 'pending_approval' LIMIT 1`).Scan(&second)
	revoke := page + "/" + second + "/revoke"
	if status, body = apptest.Get(t, worker, revoke); status != http.StatusOK || !strings.Contains(body, message(t, body, "packets.revoke_warning")) {
		t.Fatalf("revoke page: %d %s", status, excerpt(body))
	}
	if status, _ = postPage(t, worker, revoke, revoke, url.Values{"reason": {""}}); status != http.StatusUnprocessableEntity {
		t.Fatalf("revoke without reason: %d", status)
	}
	if status, _ = postPage(t, worker, revoke, revoke, url.Values{"reason": {"Prepared by mistake."}}); status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", status)
	}

	// Every page in Thai and Khmer.
	for _, lang := range []string{"th", "km"} {
		for _, c := range []struct {
			client *http.Client
			urls   []string
		}{{worker, []string{page, page + "?kind=repatriation", page + "?kind=referral", page + "?kind=handover"}},
			{emb, []string{base + "/inbox", base + "/inbox?status=declined", pkt, pkt + "/decline"}}} {
			apptest.PostForm(t, c.client, base+"/settings", base+"/language", url.Values{"lang": {lang}, "next": {"/settings"}}).Body.Close()
			for _, u := range c.urls {
				status, body := apptest.Get(t, c.client, u)
				if u == pkt+"/decline" {
					// A declined packet cannot be declined again, but its page still renders.
					u = pkt
					status, body = apptest.Get(t, c.client, u)
				}
				if status != http.StatusOK || !strings.Contains(body, `<html lang="`+lang+`"`) {
					t.Errorf("%s in %s: %d %s", u, lang, status, excerpt(body))
				}
			}
		}
	}

	// Refused: another store, another agency, a role without the section.
	for _, c := range []struct{ user, url string }{
		{thWorker, page}, {thSupervisor, page}, {thEmbassy, page}, {ngoWorker, page},
		{pktKHEmbassy, pkt}, {pktIDEmbassy, pkt}, {ngoWorker, pkt}, {pktNGOTH, pkt}, {thSupervisor, pkt},
		{khWorker, base + "/inbox"}, {khWorker, pkt}, {thWorker, revoke},
	} {
		if status, _ := apptest.Get(t, env.Login(t, c.user), c.url); status != http.StatusNotFound {
			t.Errorf("%s GET %s: %d, want 404", c.user, c.url, status)
		}
	}
}

// TestPacketsRefusals: no handover outside a handover batch, approval needs the version the
// supervisor saw, an accepted packet can still be revoked, a closed case sends nothing.
func TestPacketsRefusals(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	id := pktCase(t, env)
	worker, sup, emb := env.Token(t, khWorker), env.Token(t, pktKHSupervisor), env.Token(t, thEmbassy)
	post := func(tok, path, body string) (int, string) {
		t.Helper()
		return apptest.API(t, http.MethodPost, base+path, tok, body)
	}
	ctx := context.Background()
	if _, err := env.App.Consent.Record(ctx, env.Actor(t, khWorker), id, consent.Input{Purpose: consent.PurposeCrossBorderHandover,
		Answer: consent.AnswerGiven, AnsweredOn: "2026-01-10", Method: "spoken", Language: "th"}); err != nil {
		t.Fatal(err)
	}

	// A handover through the generic route: 422, nothing saved; the form does not offer it.
	status, b := post(worker, "/api/v1/cases/"+id+"/packets", `{"kind":"handover","recipient":"th-msdhs-sakaeo","fields":["given_name"]}`)
	if status != http.StatusUnprocessableEntity || !strings.Contains(b, "packets.error.handover_batch_only") || pktCount(t, env) != 0 {
		t.Fatalf("lone handover: %d %s", status, b)
	}
	page := base + "/cases/" + id + "/packets"
	wc := env.Login(t, khWorker)
	if status, body := apptest.Get(t, wc, page+"?kind=handover"); status != http.StatusOK || strings.Contains(body, "kind=handover") ||
		strings.Contains(body, `value="th-msdhs-sakaeo"`) || !strings.Contains(body, "kind=repatriation") {
		t.Fatalf("packet form offers a handover: %d %s", status, excerpt(body))
	}
	status, body := postPage(t, wc, page, page, url.Values{"kind": {"handover"}, "recipient": {"th-msdhs-sakaeo"}, "fields": {"given_name"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, message(t, body, "packets.error.handover_batch_only")) || pktCount(t, env) != 0 {
		t.Fatalf("handover from the form: %d %s", status, excerpt(body))
	}

	// Approval needs the version: missing is 422, stale is 409.
	status, b = post(worker, "/api/v1/cases/"+id+"/packets", `{"kind":"repatriation","recipient":"th-embassy-pnh","fields":["given_name"]}`)
	if status != http.StatusCreated {
		t.Fatalf("prepare: %d %s", status, b)
	}
	pid := decode(t, b)["id"].(string)
	for _, body := range []string{"", `{}`, `{"version":0}`} {
		if status, b = post(sup, "/api/v1/packets/"+pid+"/approve", body); status != http.StatusUnprocessableEntity || !strings.Contains(b, `"version"`) {
			t.Fatalf("approve with %q: %d %s", body, status, b)
		}
	}
	if status, b = post(sup, "/api/v1/packets/"+pid+"/approve", `{"version":7}`); status != http.StatusConflict {
		t.Fatalf("stale approve: %d %s", status, b)
	}
	sc := env.Login(t, pktKHSupervisor)
	if status, body = postPage(t, sc, page, page+"/"+pid+"/approve", url.Values{}); status != http.StatusUnprocessableEntity {
		t.Fatalf("form approve without version: %d %s", status, excerpt(body))
	}
	if status, b = post(sup, "/api/v1/packets/"+pid+"/approve", `{"version":1}`); status != http.StatusOK {
		t.Fatalf("approve: %d %s", status, b)
	}

	// Accepted by the embassy: still revocable by the sender, and gone for the embassy after.
	if status, b = post(emb, "/api/v1/inbox/"+pid+"/accept", ""); status != http.StatusOK {
		t.Fatalf("accept: %d %s", status, b)
	}
	if _, body = apptest.Get(t, wc, page); !strings.Contains(body, "/packets/"+pid+"/revoke") {
		t.Fatalf("no revoke button on an accepted packet: %s", excerpt(body))
	}
	if status, b = post(worker, "/api/v1/packets/"+pid+"/revoke", `{"reason":"The person went home alone."}`); status != http.StatusOK {
		t.Fatalf("revoke accepted: %d %s", status, b)
	}
	if status, _ := apptest.API(t, http.MethodGet, base+"/api/v1/inbox/"+pid, emb, ""); status != http.StatusNotFound {
		t.Fatalf("open after revoking the accepted packet: %d", status)
	}

	// A closed case sends nothing.
	st, err := env.App.Stores.For("KH")
	if err != nil {
		t.Fatal(err)
	}
	var version int
	st.DB.Raw(`SELECT version FROM cases WHERE id = ?`, id).Scan(&version)
	if _, err := env.App.Cases.Transition(ctx, env.Actor(t, pktKHSupervisor), id,
		cases.TransitionInput{To: cases.StageClosed, Reason: "lost_contact", Version: version}); err != nil {
		t.Fatal(err)
	}
	n := pktCount(t, env)
	status, b = post(worker, "/api/v1/cases/"+id+"/packets", `{"kind":"repatriation","recipient":"th-embassy-pnh","fields":["given_name"]}`)
	if status != http.StatusUnprocessableEntity || !strings.Contains(b, "packets.error.case_closed") || pktCount(t, env) != n {
		t.Fatalf("prepare from a closed case: %d %s", status, b)
	}
	status, body = postPage(t, wc, page, page, url.Values{"kind": {"repatriation"}, "recipient": {"th-embassy-pnh"}, "fields": {"given_name"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, message(t, body, "packets.error.case_closed")) {
		t.Fatalf("form prepare from a closed case: %d %s", status, excerpt(body))
	}
}

// walkPacketIDs makes real packets for the exchange's :pid routes of the route walk: one in the inbox
// of the Thai embassy (from a KH case of a Thai national), and one prepared from the TH case caseID
// for the Cambodian embassy, waiting for approval. A closed case sends nothing: when caseID is
// closed (the demo's), the outgoing packet leaves from a new open case of the same agency.
func walkPacketIDs(t *testing.T, env *apptest.Env, caseID string) (inboxID, outgoingID string) {
	t.Helper()
	ctx := context.Background()
	th, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatal(err)
	}
	var stage string
	th.DB.Raw(`SELECT stage FROM cases WHERE id = ?`, caseID).Scan(&stage)
	if stage == string(cases.StageClosed) {
		age := 30
		_, c, err := env.App.Cases.Intake(ctx, env.Actor(t, thWorker), cases.IntakeInput{GivenName: "Sokha", FamilyName: "Chan",
			Sex: "female", AgeEstimate: &age, Nationality: "KH"})
		if err != nil {
			t.Fatal(err)
		}
		caseID = c.ID
	}
	khCase := pktCase(t, env)
	p, err := env.App.Exchange.Prepare(ctx, env.Actor(t, khWorker), khCase, exchange.Draft{Kind: exchange.KindRepatriation,
		Recipient: "th-embassy-pnh", Fields: []string{"given_name"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Exchange.Approve(ctx, env.Actor(t, pktKHSupervisor), p.ID, p.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Consent.Record(ctx, env.Actor(t, thWorker), caseID, consent.Input{Purpose: consent.PurposeShareEmbassy,
		Answer: consent.AnswerGiven, AnsweredOn: "2026-01-10", Method: "spoken", Language: "km"}); err != nil {
		t.Fatal(err)
	}
	out, err := env.App.Exchange.Prepare(ctx, env.Actor(t, thWorker), caseID, exchange.Draft{Kind: exchange.KindRepatriation,
		Recipient: "kh-embassy-bkk", Fields: []string{"given_name"}})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID, out.ID
}

// pktWalkURL puts the walk's packets into the exchange's :pid routes (other :pid routes are left).
func pktWalkURL(path, u, inboxID, outgoingID string) string {
	switch {
	case strings.HasPrefix(path, "/inbox/:pid"), strings.HasPrefix(path, "/api/v1/inbox/:pid"),
		strings.HasPrefix(path, "/history/:pid"), strings.HasPrefix(path, "/api/v1/history/:pid"):
		return strings.ReplaceAll(u, ":pid", inboxID)
	case strings.Contains(path, "/packets/:pid"):
		return strings.ReplaceAll(u, ":pid", outgoingID)
	}
	return u
}

// TestPacketFieldLabels: every field a packet or reply may carry has its label in every language.
func TestPacketFieldLabels(t *testing.T) {
	bundle, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"decision"}
	for _, s := range apptest.New(t).App.Exchange.Specs() {
		names = append(names, s.Fields...)
		names = append(names, s.ReplyFields...)
	}
	for _, n := range names {
		for _, lang := range locale.Supported {
			if !bundle.Has(lang, "packets.field."+n) {
				t.Errorf("packets.field.%s missing in %s", n, lang)
			}
		}
	}
}
