package web_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/handover"
	"homeward/internal/handover/handovertest"
)

// formCase is one refused form: who submits it, in which language, the post (from the page at
// from, for its CSRF token, to to), the status wanted, the message keys the summary must hold and
// what the re-rendered form must still hold of the input.
type formCase struct {
	name, user, lang string
	post             func(t *testing.T, c *http.Client) (status int, body string)
	status           int
	keys, kept       []string
}

// formPost posts form from the page at from to to.
func formPost(from, to string, form url.Values) func(t *testing.T, c *http.Client) (int, string) {
	return func(t *testing.T, c *http.Client) (int, string) { return postPage(t, c, from, to, form) }
}

// TestFormErrorsLinkedB: every case-section, packet, handover and linkage form, submitted with an
// error by a demo user, answers with one error summary at the top whose links lead to fields marked
// aria-invalid and described by their message (or to the summary, for a message about the whole
// form), and keeps what was typed; in English, Thai and Khmer.
func TestFormErrorsLinkedB(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	thTok := env.Token(t, thWorker)

	scr := scrCase(t, env, thTok)
	scrPage := base + "/cases/" + scr + "/screening"
	recorded := scrCase(t, env, thTok)
	if status, body := apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+recorded+"/screening", thTok, scrBody(t, 0, "Told")); status != http.StatusCreated {
		t.Fatalf("screening: %d %s", status, body)
	}
	badScreening := scrForm(0, "Kept narrative")
	badScreening.Set("interviewer", "")
	badScreening["event.country"] = []string{"XX", ""}

	reviewed := scrCase(t, env, thTok)
	if status, body := apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+reviewed+"/screening", thTok, scrBody(t, 0, "Told")); status != http.StatusCreated {
		t.Fatalf("screening: %d %s", status, body)
	}
	proposal := postCreated(t, base+"/api/v1/cases/"+reviewed+"/decisions", thTok, `{"decision":"identified","legal_basis":"ATIP s. 6"}`)

	shared := sharedCaseID(t, env)
	inv := base + "/cases/" + shared + "/investigation"

	repat := repatCase(t, env, "Ratana", "TH")
	repatPage := base + "/cases/" + repat + "/repatriation"
	badRepat := repatForm("0")
	badRepat.Set("planned_date", repatDay(-1))
	badRepat.Set("escort_agency", "Kept agency")

	support := supportCase(t, env)
	sp := base + "/cases/" + support
	fresh := freshCase(t, env)
	service := postCreated(t, base+"/api/v1/cases/"+support+"/services", thTok, `{"kind": "medical", "status": "planned", "provider_kind": "own"}`)

	pkt := pktCase(t, env)
	pktPage := base + "/cases/" + pkt + "/packets"
	_, pid := repatRequest(t, env, "Boonmee")
	inboxPkt := base + "/inbox/" + pid
	revokeID := packetToRevoke(t, env, pkt)
	revoke := pktPage + "/" + revokeID + "/revoke"

	referral := referralPacket(t, env, support)
	refPage := base + "/referrals/" + referral
	accepted := base + "/referrals/" + referralPacket(t, env, support)
	if status, body := postPage(t, env.Login(t, supportNGO), accepted, accepted+"/accept", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("accept the referral: %d %s", status, excerpt(body))
	}

	batch, answer := batchToAnswer(t, env)
	th, _ := linkagePair(t, env)

	rows := []formCase{
		{"screening edit", thWorker, "km", formPost(scrPage+"/edit", scrPage, badScreening), 422,
			[]string{"form.error.required", "form.error.country"}, []string{"Kept narrative", `value="Poipet"`}},
		{"screening proposal", thWorker, "th", formPost(base+"/cases/"+recorded+"/screening", base+"/cases/"+recorded+"/decisions",
			url.Values{"decision": {"maybe"}, "legal_basis": {"Kept basis"}}), 422, nil, []string{"Kept basis</textarea>"}},
		{"identification returned without a comment", thSupervisor, "km", formPost(base+"/cases/"+reviewed+"/screening",
			base+"/decisions/"+proposal.ID+"/return", url.Values{"case_id": {reviewed}, "version": {itoa(proposal.Version)}, "comment": {""}}),
			422, nil, nil},
		{"investigation", thPolice, "en", formPost(inv, inv, url.Values{"status": {"boss"}, "warrant_check": {"clear"},
			"warrant_note": {"kept"}, "non_punishment": {"refused"}, "willing_to_testify": {"no"}, "version": {"0"}}), 422,
			[]string{"form.error.choose"}, []string{">kept</textarea>"}},
		{"repatriation", khWorker, "km", formPost(repatPage, repatPage, badRepat), 422,
			[]string{"repatriation.error.planned_past"}, []string{`value="Kept agency"`}},
		{"repatriation request", khWorker, "en", formPost(repatPage, repatPage+"/request",
			url.Values{"note": {"Family waiting in Surin"}}), 422, nil, []string{"Family waiting in Surin</textarea>"}},
		{"reintegration plan", thWorker, "en", formPost(sp+"/reintegration", sp+"/reintegration",
			url.Values{"summary": {strings.Repeat("x", 20001)}, "version": {"0"}}), 422, nil, nil},
		{"reintegration goal", thWorker, "th", formPost(sp+"/reintegration", sp+"/reintegration/goals",
			url.Values{"goal": {""}, "status": {"open"}}), 422, []string{"form.error.required"}, nil},
		{"reintegration visit", thWorker, "en", formPost(sp+"/reintegration", sp+"/reintegration/visits",
			url.Values{"status": {"done"}, "visit_date": {time.Now().AddDate(0, 0, 3).Format(time.DateOnly)}, "location_kind": {"home"},
				"address": {"Kept address"}}), 422, []string{"reintegration.error.future"}, []string{`value="Kept address"`}},
		{"service", thWorker, "km", formPost(sp+"/services", sp+"/services", url.Values{"kind": {""}, "status": {"planned"},
			"provider_kind": {"own"}, "outcome": {"Kept outcome"}}), 422, nil, []string{"Kept outcome</textarea>"}},
		{"service edit", thWorker, "th", formPost(sp+"/services", sp+"/services/"+service.ID, url.Values{"kind": {"medical"},
			"status": {"planned"}, "provider_kind": {"own"}, "start_date": {"31/12/2025"}, "outcome": {"Kept outcome"},
			"version": {itoa(service.Version)}}), 422, []string{"form.error.date"}, []string{`value="31/12/2025"`, "Kept outcome</textarea>"}},
		{"referral without a recipient", thWorker, "en", formPost(sp+"/services", sp+"/referrals", url.Values{"recipient": {""},
			"service": {"shelter"}, "needs": {"Kept needs"}, "urgency": {"routine"}, "expires_in_days": {"30"}}), 422,
			[]string{"form.error.required"}, []string{"Kept needs</textarea>"}},
		{"referral without consent", thWorker, "th", formPost(base+"/cases/"+fresh+"/services", base+"/cases/"+fresh+"/referrals",
			url.Values{"recipient": {"ngo-th-legal"}, "service": {"shelter"}, "needs": {"A bed"}, "expires_in_days": {"30"}}), 422,
			[]string{"services.error.no_consent"}, []string{"A bed</textarea>"}},
		{"referral renewal", thWorker, "km", formPost(sp+"/services", refPage+"/renew", url.Values{"case_id": {support},
			"expires_in_days": {"400"}}), 422, []string{"services.error.expiry"}, []string{`value="400"`}},
		{"referral decline", supportNGO, "km", formPost(refPage, refPage+"/decline", url.Values{"reason": {""}}), 422, nil, nil},
		{"referral progress", supportNGO, "en", formPost(accepted, accepted+"/progress", url.Values{"status": {""}, "note": {"Kept note"}}), 422,
			nil, []string{"Kept note</textarea>"}},
		{"team", thSupervisor, "en", formPost(sp+"/team", sp+"/team", url.Values{"agency": {"kh-cnp-aht"}}), 422,
			[]string{"team.error.other_store"}, nil},
		{"team stale assignment", thSupervisor, "th", formPost(sp+"/team", sp+"/team/assign", url.Values{"user_id": {""}, "version": {"99"}}), 409,
			[]string{"error.conflict"}, nil},
		{"note", thWorker, "km", formPost(sp+"/notes", sp+"/notes", url.Values{"class": {"general"}, "body": {"  "}}), 422, nil, nil},
		{"attachment of a refused type", thWorker, "th", upload(sp+"/attachments", "photo", "notes.txt", []byte("plain text")), 422,
			[]string{"attachment.error.type"}, []string{`value="photo" selected`}},
		{"attachment over the limit", thWorker, "en", upload(sp+"/attachments", "scanned_document", "big.pdf",
			append([]byte("%PDF-1.4\n"), make([]byte, 10<<20)...)), 413,
			[]string{"attachment.error.too_large"}, []string{`value="scanned_document" selected`}},
		{"packet", khWorker, "km", formPost(pktPage+"?kind=repatriation", pktPage, url.Values{"kind": {"repatriation"},
			"recipient": {"th-embassy-pnh"}, "note": {"Kept note"}}), 422, nil, []string{"Kept note</textarea>"}},
		{"packet revoke", khWorker, "en", formPost(revoke, revoke, url.Values{"reason": {""}}), 422, []string{"form.error.required"}, nil},
		{"inbox reply", thEmbassy, "th", formPost(inboxPkt, inboxPkt+"/replies", url.Values{"nationality_verified": {"no"},
			"travel_date": {"31/12/2026"}, "travel_route": {"flight"}, "travel_route_flight": {""}, "note": {"Keep this note"}}), 422,
			[]string{"form.error.date", "repatriation.error.flight_details"}, []string{`value="31/12/2026"`, "Keep this note</textarea>"}},
		{"inbox decline", thEmbassy, "en", formPost(inboxPkt+"/decline", inboxPkt+"/decline", url.Values{"reason": {" "}}), 422, nil, nil},
		{"handover batch", khWorker, "km", formPost(base+"/handover/batches/new", base+"/handover/batches", url.Values{"recipient": {""},
			"checkpoint": {"poipet_aranyaprathet"}, "sending_officials": {"Kept officials"}}), 422,
			[]string{"form.error.required"}, []string{"Kept officials</textarea>"}},
		{"handover answer", thSupervisor, "en", formPost(batch, batch+"/accept", url.Values{"person": {answer}, "accept": {answer},
			"receiving_officials": {""}}), 422, []string{"form.error.required"}, nil},
		{"linkage override", "supervisor@th-msdhs-sakaeo.demo", "th", formPost(base+"/linkage?case="+th.ID,
			base+"/cases/"+th.ID+"/linkage-override", url.Values{"reason": {"   "}}), 422, []string{"form.error.required"}, nil},
	}
	clients := map[string]*http.Client{}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			c := clients[tt.user]
			if c == nil {
				c = env.Login(t, tt.user)
				clients[tt.user] = c
			}
			setLang(t, env, c, tt.lang)
			status, body := tt.post(t, c)
			if status != tt.status {
				t.Fatalf("%d, want %d: %s", status, tt.status, excerpt(body))
			}
			if !strings.Contains(body, `<html lang="`+tt.lang+`"`) {
				t.Errorf("the page is not in %s", tt.lang)
			}
			var want []string
			for _, k := range tt.keys {
				want = append(want, message(t, body, k))
			}
			checkLinkedErrors(t, body, want...)
			for _, k := range tt.kept {
				if !strings.Contains(body, k) {
					t.Errorf("the form lost %q", k)
				}
			}
		})
	}
}

// postCreated posts body to an API route and returns the id and version of what it created.
func postCreated(t *testing.T, u, token, body string) (out struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
}) {
	t.Helper()
	status, raw := apptest.API(t, http.MethodPost, u, token, body)
	if err := json.Unmarshal([]byte(raw), &out); err != nil || status != http.StatusCreated || out.ID == "" {
		t.Fatalf("POST %s: %d %s", u, status, raw)
	}
	return out
}

// upload posts a file with its kind from the page at page.
func upload(page, kind, filename string, content []byte) func(t *testing.T, c *http.Client) (int, string) {
	return func(t *testing.T, c *http.Client) (int, string) {
		ct, body := multipartBody(t, map[string]string{"_csrf": apptest.CSRF(t, c, page), "kind": kind}, filename, content)
		res, err := c.Post(page, ct, strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
}

// packetToRevoke prepares a repatriation packet of the KH case id, waiting for approval.
func packetToRevoke(t *testing.T, env *apptest.Env, id string) string {
	t.Helper()
	status, body := apptest.API(t, http.MethodPost, env.URL()+"/api/v1/cases/"+id+"/packets", env.Token(t, khWorker),
		`{"kind": "repatriation", "recipient": "th-embassy-pnh", "fields": ["given_name"]}`)
	var out struct{ ID string }
	if err := json.Unmarshal([]byte(body), &out); err != nil || status != http.StatusCreated || out.ID == "" {
		t.Fatalf("packet: %d %s", status, body)
	}
	return out.ID
}

// referralPacket refers the TH case id to ngo-th-legal and approves it.
func referralPacket(t *testing.T, env *apptest.Env, id string) string {
	t.Helper()
	status, body := apptest.API(t, http.MethodPost, env.URL()+"/api/v1/cases/"+id+"/referrals", env.Token(t, thWorker),
		`{"recipient": "ngo-th-legal", "service": "legal_aid", "needs": "Lawyer for the wage claim"}`)
	var ref struct {
		Packet struct{ ID string } `json:"packet"`
	}
	if err := json.Unmarshal([]byte(body), &ref); err != nil || status != http.StatusCreated {
		t.Fatalf("refer: %d %s", status, body)
	}
	if status, body := apptest.API(t, http.MethodPost, env.URL()+"/api/v1/packets/"+ref.Packet.ID+"/approve",
		env.Token(t, thSupervisor), `{"version": 1}`); status != http.StatusOK {
		t.Fatalf("approve: %d %s", status, body)
	}
	return ref.Packet.ID
}

// batchToAnswer sends an approved KH batch of one person to the TH welfare agency; it returns the
// batch's page and the person's packet.
func batchToAnswer(t *testing.T, env *apptest.Env) (page, person string) {
	t.Helper()
	ctx := context.Background()
	ids := handovertest.Ready(t, env, khWorker, khSupervisorHO, "TH", 1)
	svc := handover.New(env.App.Hub, env.App.Stores, env.App.Exchange, env.App.Directory)
	b, err := svc.Create(ctx, env.Actor(t, khWorker), handover.BatchInput{Recipient: "th-msdhs-sakaeo",
		Checkpoint: "poipet_aranyaprathet", HandoverAt: time.Now().Add(24 * time.Hour).Format(time.RFC3339),
		SendingOfficials: "Sok Dara", Persons: []handover.PersonInput{{CaseID: ids[0]}}})
	if err != nil {
		t.Fatalf("batch: %v", err)
	}
	if b, err = svc.Approve(ctx, env.Actor(t, khSupervisorHO), b.ID, b.Version); err != nil {
		t.Fatalf("approve: %v", err)
	}
	return env.URL() + "/handover/batches/" + b.ID, b.Persons[0].PacketID
}

var (
	feSummaryLink   = regexp.MustCompile(`<a href="#([^"]+)">([^<]*)</a>`)
	feElementWithID = regexp.MustCompile(`<([a-z]+)\b[^>]*\bid="([^"]+)"[^>]*>`)
	feRawKey        = regexp.MustCompile(`(^|: )[a-z_]+\.[a-z_.]+($|:)`)
)

// checkLinkedErrors checks a refused form's page: one error summary, at the top of the page's content
// (before any form and any field message); at least one link; each link leads either to the summary
// itself (a message about the whole form) or to an element present in the page that carries
// aria-invalid="true" and aria-describedby naming an element whose text is the link's message (the
// link may lead it with the field's label). want are messages the summary must hold, as rendered.
func checkLinkedErrors(t *testing.T, body string, want ...string) {
	t.Helper()
	if n := strings.Count(body, `data-testid="error-summary"`); n != 1 {
		t.Fatalf("%d error summaries, want 1: %s", n, excerpt(body))
	}
	at := strings.Index(body, `data-testid="error-summary"`)
	main := strings.Index(body, `<main`)
	if main < 0 || at < main {
		t.Fatalf("the summary is not in the page's content")
	}
	if f := strings.Index(body[main:], "<form"); f >= 0 && main+f < at {
		t.Errorf("the summary comes after a form: %s", excerpt(body[main:at]))
	}
	if f := strings.Index(body, `class="field-error"`); f >= 0 && f < at {
		t.Errorf("the summary comes after a field's message")
	}
	summary := body[at:]
	summary = summary[:strings.Index(summary, "</div>")]
	links := feSummaryLink.FindAllStringSubmatch(summary, -1)
	if len(links) == 0 {
		t.Fatalf("the summary links to nothing: %s", summary)
	}
	ids := map[string]string{} // id -> opening tag
	for _, m := range feElementWithID.FindAllStringSubmatch(body, -1) {
		if _, dup := ids[m[2]]; dup {
			t.Errorf("two elements with id %q", m[2])
		}
		ids[m[2]] = m[0]
	}
	for _, l := range links {
		id, msg := html.UnescapeString(l[1]), l[2]
		if feRawKey.MatchString(msg) {
			t.Errorf("the summary shows a message key: %q", msg)
		}
		if id == "error-summary" {
			continue
		}
		tag, ok := ids[id]
		if !ok {
			t.Errorf("the summary links to #%s, which the page does not hold", id)
			continue
		}
		if !strings.Contains(tag, `aria-invalid="true"`) {
			t.Errorf("#%s is not marked invalid: %s", id, tag)
		}
		d := regexp.MustCompile(`aria-describedby="([^"]*)"`).FindStringSubmatch(tag)
		if d == nil {
			t.Errorf("#%s names no description: %s", id, tag)
			continue
		}
		found := false
		for _, ref := range strings.Fields(d[1]) {
			if text, ok := linkedText(body, ref); ok && text != "" && strings.HasSuffix(msg, text) {
				found = true
			}
		}
		if !found {
			t.Errorf("#%s is not described by its message %q (aria-describedby=%q)", id, msg, d[1])
		}
	}
	for _, w := range want {
		if !strings.Contains(summary, w) {
			t.Errorf("the summary does not hold %q: %s", w, summary)
		}
	}
}

// linkedText returns the text of the element with the given id, tags removed, as rendered (escaped).
func linkedText(body, id string) (string, bool) {
	i := strings.Index(body, ` id="`+id+`"`)
	if i < 0 {
		return "", false
	}
	open := strings.Index(body[i:], ">")
	start := strings.LastIndex(body[:i], "<")
	name := body[start+1:]
	name = name[:strings.IndexAny(name, " \t\n>")]
	rest := body[i+open+1:]
	end := strings.Index(rest, "</"+name+">")
	if end < 0 {
		return "", false
	}
	text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(rest[:end], "")
	return strings.TrimSpace(text), true
}
