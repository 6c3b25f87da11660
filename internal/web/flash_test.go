package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/locale"
)

// flashOf returns the text of the page's confirmation (data-testid="flash"), "" when none shows.
func flashOf(body string) string {
	i := strings.Index(body, `data-testid="flash">`)
	if i < 0 {
		return ""
	}
	rest := body[i+len(`data-testid="flash">`):]
	end := strings.Index(rest, "</p>")
	if j := strings.Index(rest, "<a "); j >= 0 && j < end {
		end = j
	}
	return strings.TrimSpace(rest[:end])
}

// postAndFlash posts a page form (CSRF from the page at from), wants a 303, follows it once and
// returns the page it lands on; it checks the confirmation shows there once, with role=status,
// and is gone on the next visit. params are the message's parameters as name, i18n key pairs,
// translated in the landing page's language.
func postAndFlash(t *testing.T, c *http.Client, from, to string, form url.Values, key string, params ...string) string {
	t.Helper()
	res := apptest.PostForm(t, c, from, to, form)
	body := pageBody(t, res)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST %s: %d, want 303: %s", to, res.StatusCode, excerpt(body))
	}
	loc, err := res.Location()
	if err != nil {
		t.Fatal(err)
	}
	status, page := apptest.Get(t, c, loc.String())
	if status != http.StatusOK {
		t.Fatalf("GET %s after POST %s: %d", loc, to, status)
	}
	var args []any
	for i := 0; i+1 < len(params); i += 2 {
		args = append(args, params[i], html.UnescapeString(message(t, page, params[i+1])))
	}
	want := message(t, page, key, args...)
	if got := flashOf(page); got != want {
		t.Fatalf("after POST %s the flash is %q, want %q (%s)", to, html.UnescapeString(got), html.UnescapeString(want), key)
	}
	if !strings.Contains(page, `<p class="flash flash-ok" role="status" data-testid="flash">`) {
		t.Errorf("the flash after POST %s is not a role=status line", to)
	}
	if _, again := apptest.Get(t, c, loc.String()); flashOf(again) != "" {
		t.Errorf("the flash after POST %s shows twice: %q", to, flashOf(again))
	}
	return page
}

// caseVersion reads a case's version through the API.
func caseVersion(t *testing.T, env *apptest.Env, tok, id string) int {
	t.Helper()
	_, body := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/cases/"+id, tok, "")
	var cs struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal([]byte(body), &cs); err != nil {
		t.Fatalf("case: %v: %s", err, body)
	}
	return cs.Version
}

// decisionOf reads the case's latest decision id and version through the API.
func decisionOf(t *testing.T, env *apptest.Env, tok, id string) (string, int) {
	t.Helper()
	_, body := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/cases/"+id+"/screening", tok, "")
	var got struct {
		Decisions []struct {
			ID      string `json:"id"`
			Version int    `json:"version"`
		} `json:"decisions"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || len(got.Decisions) == 0 {
		t.Fatalf("decisions: %v %s", err, body)
	}
	d := got.Decisions[len(got.Decisions)-1]
	return d.ID, d.Version
}

// offers reports whether the case page offers a move to the stage in its stage form.
func offers(body, stage string) bool {
	form := body
	if i := strings.Index(body, `data-testid="stage-form"`); i >= 0 {
		form = body[i:]
		if j := strings.Index(form, "</form>"); j >= 0 {
			form = form[:j]
		}
	} else {
		return false
	}
	return strings.Contains(form, `<option value="`+stage+`"`)
}

// TestFlashAndStageMovesThroughIdentification walks a case from screening to recovery on its
// pages, in Thai and Khmer: each action answers with its confirmation once; a move waiting for an
// approved decision is not offered but named with what it needs; closing is offered only to a
// role that may close, and asks for a reason; after an approved "identified" decision the next step
// "Move to recovery" is offered and preselects the move; after an approved "not identified" it is not.
func TestFlashAndStageMovesThroughIdentification(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	tok := env.Token(t, thWorker)
	id := scrCase(t, env, tok) // in screening
	casePage, scrPage := base+"/cases/"+id, base+"/cases/"+id+"/screening"
	worker, sup := env.Login(t, thWorker), env.Login(t, thSupervisor)
	setLang(t, env, worker, "th")
	setLang(t, env, sup, "km")

	postAndFlash(t, worker, scrPage+"/edit", scrPage, scrForm(0, "Held in the compound."), "flash.screening_saved")

	// Screening: the caseworker may not close, so closing is not offered to her; the supervisor
	// may, and the reason field says it is needed to close.
	_, body := apptest.Get(t, worker, casePage)
	if !offers(body, "identification") || offers(body, "closed") || strings.Contains(body, `data-testid="reason-hint"`) {
		t.Errorf("caseworker's moves from screening: identification offered %v, closed offered %v", offers(body, "identification"), offers(body, "closed"))
	}
	_, body = apptest.Get(t, sup, casePage)
	if !offers(body, "closed") || !strings.Contains(body, `aria-describedby="reason-hint"`) || !strings.Contains(body, message(t, body, "case.move.reason_hint")) {
		t.Errorf("supervisor: closing offered %v, reason asked for: %s", offers(body, "closed"), excerpt(body))
	}

	move := url.Values{"to": {"identification"}, "reason": {""}, "version": {strconv.Itoa(caseVersion(t, env, tok, id))}}
	body = postAndFlash(t, worker, casePage, casePage+"/transitions", move, "flash.stage_moved", "Stage", "stage.identification")
	if !strings.Contains(flashOf(body), message(t, body, "stage.identification")) {
		t.Errorf("the flash does not name the stage: %q", flashOf(body))
	}

	// Identification without an approved decision: recovery is not offered, it is named as waiting
	// with a link to the screening page.
	_, body = apptest.Get(t, worker, casePage)
	if offers(body, "recovery") || !strings.Contains(body, `data-testid="stage-waiting"`) || !strings.Contains(body, `href="/cases/`+id+`/screening">`+message(t, body, "case.move.waiting_link")) {
		t.Errorf("recovery before the decision: offered %v, waiting shown %v", offers(body, "recovery"), strings.Contains(body, "stage-waiting"))
	}
	// The API offers what the page offers.
	status, api := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+id, tok, "")
	if status != http.StatusOK || strings.Contains(api, `"recovery"`) {
		t.Errorf("API next_stages before the decision: %d %s", status, api)
	}

	postAndFlash(t, worker, scrPage, base+"/cases/"+id+"/decisions",
		url.Values{"decision": {"identified"}, "legal_basis": {"ATIP Act B.E. 2551, s. 6"}}, "flash.decision_proposed")
	did, dv := decisionOf(t, env, tok, id)
	review := url.Values{"version": {strconv.Itoa(dv)}, "case_id": {id}, "comment": {"Consistent with forced criminality."}}
	body = postAndFlash(t, sup, scrPage, base+"/decisions/"+did+"/approve", review, "flash.decision_approved")
	next := movePathOf(id, "recovery")
	if !strings.Contains(body, `href="`+html.EscapeString(next)+`" data-testid="flash-next">`+message(t, body, "case.next.recovery")+`</a>`) {
		t.Fatalf("no next step to recovery after the approval: %s", excerpt(body[strings.Index(body, "<main"):]))
	}
	_, body = apptest.Get(t, sup, base+next)
	if !strings.Contains(body, `<option value="recovery" selected>`) {
		t.Errorf("the next step does not preselect recovery: %s", excerpt(body))
	}
	move = url.Values{"to": {"recovery"}, "reason": {""}, "version": {strconv.Itoa(caseVersion(t, env, tok, id))}}
	postAndFlash(t, sup, casePage, casePage+"/transitions", move, "flash.stage_moved", "Stage", "stage.recovery")

	// A second case identified as not a victim: the approval answers, and offers no move to recovery.
	other := scrCase(t, env, tok)
	scrMove(t, env, tok, other, "identification", http.StatusOK)
	otherScr := base + "/cases/" + other + "/screening"
	if status, body := scrPost(t, worker, otherScr+"/edit", otherScr, scrForm(0, "Recruited by a friend, free to leave.")); status != http.StatusSeeOther {
		t.Fatalf("record the second screening: %d %s", status, excerpt(body))
	}
	postAndFlash(t, worker, otherScr, base+"/cases/"+other+"/decisions",
		url.Values{"decision": {"not_identified"}, "legal_basis": {"No indicator of force."}}, "flash.decision_proposed")
	did, dv = decisionOf(t, env, tok, other)
	review = url.Values{"version": {strconv.Itoa(dv)}, "case_id": {other}, "comment": {"Agreed."}}
	body = postAndFlash(t, sup, otherScr, base+"/decisions/"+did+"/approve", review, "flash.decision_approved")
	if strings.Contains(body, `data-testid="flash-next"`) {
		t.Errorf("a next step is offered after a not-identified decision: %s", excerpt(body))
	}
	_, body = apptest.Get(t, sup, base+"/cases/"+other)
	if offers(body, "recovery") || !offers(body, "closed") {
		t.Errorf("after not identified: recovery offered %v, closing offered %v", offers(body, "recovery"), offers(body, "closed"))
	}
	// A ?to= naming a move not offered preselects nothing.
	if _, body = apptest.Get(t, sup, base+movePathOf(other, "recovery")); strings.Contains(body, `selected>`+message(t, body, "stage.recovery")) {
		t.Error("a move that is not offered is preselected")
	}
}

// movePathOf is the case page with a move preselected, as the next step links to it.
func movePathOf(id, stage string) string { return "/cases/" + id + "?to=" + stage + "#stage" }

// TestFlashAfterConsentReferralAndPacket: recording consent, sending a referral, approving its
// packet, and the NGO's acceptance and progress each answer with their own confirmation.
func TestFlashAfterConsentReferralAndPacket(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	id := freshCase(t, env)
	worker, sup, ngo := env.Login(t, thWorker), env.Login(t, thSupervisor), env.Login(t, supportNGO)
	setLang(t, env, sup, "th")
	setLang(t, env, ngo, "km")

	consents := base + "/cases/" + id + "/consents"
	postAndFlash(t, worker, consents, consents, url.Values{"purpose": {"share_ngo"}, "answer": {"given"},
		"answered_on": {"2026-01-12"}, "method": {"spoken"}, "language": {"km"}, "witness": {""}, "version": {"0"}}, "flash.consent_recorded")

	services := base + "/cases/" + id + "/services"
	postAndFlash(t, worker, services, base+"/cases/"+id+"/referrals", url.Values{"recipient": {"ngo-th-legal"},
		"service": {"legal_aid"}, "needs": {"Lawyer for the wage claim"}, "contact": {""}, "urgency": {"routine"},
		"expires_in_days": {"30"}}, "flash.referral_prepared")

	_, body := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+id+"/packets", env.Token(t, thWorker), "")
	var pk struct {
		Items []struct {
			ID      string `json:"id"`
			Version int    `json:"version"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &pk); err != nil || len(pk.Items) != 1 {
		t.Fatalf("packets: %v %s", err, body)
	}
	packets := base + "/cases/" + id + "/packets"
	postAndFlash(t, sup, packets, packets+"/"+pk.Items[0].ID+"/approve", url.Values{"version": {strconv.Itoa(pk.Items[0].Version)}}, "flash.packet_approved")

	ref := base + "/referrals/" + pk.Items[0].ID
	postAndFlash(t, ngo, ref, ref+"/accept", url.Values{}, "flash.referral_accepted")
	postAndFlash(t, ngo, ref, ref+"/progress", url.Values{"status": {"in_progress"}, "note": {"First meeting held"}}, "flash.referral_progress")
	postAndFlash(t, ngo, ref, ref+"/progress", url.Values{"status": {"completed"}, "outcome": {"Claim filed"}}, "flash.referral_completed")
}

// flashKey is a confirmation key in the handlers' code.
var flashKey = regexp.MustCompile(`"(flash\.[a-z_]+)"`)

// TestFlashKeysExist: every confirmation the handlers can set, and the next step's label, has its
// message in every language (not an English copy in th or km).
func TestFlashKeysExist(t *testing.T) {
	bundle, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{"case.next.recovery": true}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range flashKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
	}
	if len(used) < 30 {
		t.Fatalf("only %d confirmation keys found in the handlers: is the pattern right?", len(used))
	}
	en := bundle.For("en", false, nil)
	for key := range used {
		for _, lang := range []string{"th", "km"} {
			text := bundle.For(lang, false, nil).T(key)
			if text == "" || text == key {
				t.Errorf("%s: no %s message", key, lang)
			} else if text == en.T(key) {
				t.Errorf("%s: the %s message is the English one", key, lang)
			}
		}
	}
}
