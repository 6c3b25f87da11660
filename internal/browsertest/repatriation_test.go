package browsertest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"homeward/internal/apptest"
	"homeward/internal/handover/handovertest"
)

const (
	repatCaseworker = "caseworker@kh-mosvy-poipet.demo"
	repatSupervisor = "supervisor@kh-mosvy-poipet.demo"
	repatEmbassy    = "embassy_officer@th-embassy-pnh.demo"
	repatReceiver   = "supervisor@th-msdhs-sakaeo.demo"
)

// TestRepatriationInBrowser walks the whole repatriation of one Thai national from the KH store:
// the caseworker asks the Thai embassy for help, the supervisor approves the request, the embassy
// officer replies (nationality verified, travel document issued), the KH case shows the reply; the
// caseworker prepares a handover batch to the TH welfare agency, the supervisor approves it, the
// TH supervisor accepts the person, a new case exists in the TH store, and the record prints.
func TestRepatriationInBrowser(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	// A Thai national in return preparation, identified, with the handover consent given (fixture);
	// the consent to share with the embassy is recorded here too.
	caseID := handovertest.Ready(t, env, repatCaseworker, repatSupervisor, "TH", 1)[0]
	kh, err := env.App.Stores.For("KH")
	if err != nil {
		t.Fatal(err)
	}
	cw := env.Actor(t, repatCaseworker)
	if err := kh.DB.Exec(`INSERT INTO consents (id, case_id, purpose, answer, answered_on, method, language, recorded_by, recorded_at)
		VALUES (?, ?, 'share_embassy', 'given', ?, 'written', 'th', ?, ?)`, uuid.Must(uuid.NewV7()).String(), caseID,
		time.Now().Format(time.DateOnly), cw.UserID, time.Now()).Error; err != nil {
		t.Fatal(err)
	}
	var givenName string
	kh.DB.Raw(`SELECT p.given_name FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.id = ?`, caseID).Scan(&givenName)
	ctx := browser(t, 6*time.Minute)

	// 1. The caseworker asks the Thai embassy for assistance from the repatriation page.
	signIn(t, ctx, base, repatCaseworker)
	do(t, ctx, "open the repatriation page", chromedp.Navigate(base+"/cases/"+caseID+"/repatriation"))
	waitFor(t, ctx, "wait for the embassy request form", "[data-testid=embassy-request-form]")
	if name := textOf(t, ctx, "[data-testid=embassy-name]"); !strings.Contains(name, "Thai") {
		failPage(t, ctx, "the request goes to %q, want the Royal Thai Embassy", name)
	}
	run(t, ctx, "tick every requested item", chromedp.Evaluate[int](
		`(() => { const b = document.querySelectorAll('[data-testid=embassy-request-form] input[name=requested]'); b.forEach(x => x.checked = true); return b.length })()`))
	do(t, ctx, "write a note", chromedp.SendKeys(chromedp.ID("request-note"), "Please verify nationality and issue a travel document."))
	clickAndLoad(t, ctx, `[data-testid=embassy-request-form] button[type=submit]`)
	waitFor(t, ctx, "wait for the request to be listed", "[data-testid=embassy-requests]")
	signOut(t, ctx)

	// 2. The supervisor approves the request (a packet of the case).
	signIn(t, ctx, base, repatSupervisor)
	do(t, ctx, "open the case's packets", chromedp.Navigate(base+"/cases/"+caseID+"/packets"))
	waitFor(t, ctx, "wait for the packets", "[data-testid=case-packets]")
	clickAndLoad(t, ctx, `form[action$="/approve"] button[type=submit]`)
	signOut(t, ctx)

	// 3. The Thai embassy officer opens the request and replies.
	signInWithoutStore(t, ctx, base, repatEmbassy)
	do(t, ctx, "open the inbox", chromedp.Navigate(base+"/inbox"))
	waitFor(t, ctx, "wait for the inbox", "[data-testid=inbox]")
	clickAndLoad(t, ctx, `[data-testid=inbox] a[href^="/inbox/"]`)
	waitFor(t, ctx, "wait for the request's payload", "[data-testid=packet-payload]")
	if payload := textOf(t, ctx, "[data-testid=packet-payload]"); !strings.Contains(payload, givenName) {
		failPage(t, ctx, "the embassy does not see the person's name %q", givenName)
	}
	do(t, ctx, "fill the reply",
		chromedp.Click(chromedp.ID("r-nationality_verified-yes")),
		chromedp.SetValue(chromedp.ID("r-travel_document_type"), "certificate_of_identity"),
		chromedp.SendKeys(chromedp.ID("r-travel_document_number"), "CI-2026-0042"),
		chromedp.SetValue(chromedp.ID("r-travel_document_valid_until"), time.Now().AddDate(0, 3, 0).Format(time.DateOnly)),
		chromedp.SetValue(chromedp.ID("r-travel_date"), time.Now().AddDate(0, 0, 2).Format(time.DateOnly)),
		chromedp.SetValue(chromedp.ID("r-travel_route"), "poipet_aranyaprathet"),
	)
	clickAndLoad(t, ctx, `form[action$="/replies"] button[type=submit]`)
	signOut(t, ctx)

	// 4. The KH case shows the embassy's reply (applied by Sync in the KH store's own context).
	signIn(t, ctx, base, repatCaseworker)
	do(t, ctx, "open the repatriation page again", chromedp.Navigate(base+"/cases/"+caseID+"/repatriation"))
	waitFor(t, ctx, "wait for the embassy's reply", "[data-testid=embassy-reply]")
	if body := textOf(t, ctx, "#repatriation"); !strings.Contains(body, "CI-2026-0042") && !strings.Contains(textOf(t, ctx, "main"), "CI-2026-0042") {
		failPage(t, ctx, "the KH case does not show the travel document number")
	}
	// The typed reply's document type and route, exactly (not "other" and a flight).
	if steps := textOf(t, ctx, "[data-testid=repatriation-steps]"); !strings.Contains(steps, "Certificate of identity") || !strings.Contains(steps, "Poipet – Aranyaprathet") {
		failPage(t, ctx, "the KH case does not show the document type and the route of the reply")
	}

	// 5. The caseworker prepares the handover batch.
	do(t, ctx, "open the new handover form", chromedp.Navigate(base+"/handover/batches/new"))
	waitFor(t, ctx, "wait for the handover form", "[data-testid=handover-form]")
	do(t, ctx, "fill the handover",
		chromedp.SetValue(chromedp.ID("recipient"), "th-msdhs-sakaeo"),
		chromedp.SetValue(chromedp.ID("checkpoint"), "poipet_aranyaprathet"),
		chromedp.SetValue(chromedp.ID("handover_at"), time.Now().Add(48*time.Hour).Format("2006-01-02T15:04")),
		chromedp.SendKeys(chromedp.ID("sending_officials"), "Sok Dara, MoSVY Poipet"),
		chromedp.Click(chromedp.ID("case_"+caseID)),
		chromedp.SendKeys(chromedp.ID("belongings_"+caseID), "Backpack, phone"),
	)
	clickAndLoad(t, ctx, `[data-testid=handover-form] button[type=submit]`)
	waitFor(t, ctx, "wait for the batch page", "[data-testid=handover-own-batch]")
	batchURL := run(t, ctx, "location", chromedp.Location())
	signOut(t, ctx)

	// 6. The supervisor approves the batch.
	signIn(t, ctx, base, repatSupervisor)
	do(t, ctx, "open the batch", chromedp.Navigate(batchURL))
	waitFor(t, ctx, "wait for the approve button", "[data-testid=handover-approve]")
	clickAndLoad(t, ctx, "[data-testid=handover-approve]")
	signOut(t, ctx)

	// 7. The TH supervisor finds the batch, sees the person and accepts.
	signIn(t, ctx, base, repatReceiver)
	do(t, ctx, "open the handovers", chromedp.Navigate(base+"/handover/batches"))
	waitFor(t, ctx, "wait for the batches", "[data-testid=handover-batches]")
	clickAndLoad(t, ctx, `[data-testid=handover-batches] a[href^="/handover/batches/"]`)
	waitFor(t, ctx, "wait for the answer form", "[data-testid=handover-answer]")
	if persons := textOf(t, ctx, "[data-testid=handover-persons]"); !strings.Contains(persons, givenName) || !strings.Contains(persons, "AA") {
		failPage(t, ctx, "the TH supervisor does not see the person and the passport number")
	}
	do(t, ctx, "name the receiving officials", chromedp.SendKeys(chromedp.ID("receiving_officials"), "Somsak P., MSDHS Sa Kaeo"))
	clickAndLoad(t, ctx, "[data-testid=handover-submit-answer]")
	waitFor(t, ctx, "wait for the new case link", "[data-testid=handover-case]")

	// 8. A new case exists in the TH store, linked by the packet; the TH supervisor opens it.
	th, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatal(err)
	}
	var newCase struct{ ID, Stage, PacketRef string }
	th.DB.Raw(`SELECT c.id, c.stage, c.packet_ref::text AS packet_ref FROM received_handovers r JOIN cases c ON c.id = r.case_id
		JOIN persons p ON p.id = c.person_id WHERE p.given_name = ? ORDER BY r.received_at DESC LIMIT 1`, givenName).Scan(&newCase)
	if newCase.ID == "" || newCase.Stage != "reintegration" || newCase.PacketRef == "" {
		t.Fatalf("no new case in the TH store: %+v", newCase)
	}
	clickAndLoad(t, ctx, "[data-testid=handover-case]")
	if loc := run(t, ctx, "location", chromedp.Location()); loc != base+"/cases/"+newCase.ID {
		failPage(t, ctx, "the new case link leads to %s", loc)
	}

	// 9. The printed record, in Thai and Khmer with English.
	do(t, ctx, "open the record", chromedp.Navigate(batchURL+"/record"))
	waitFor(t, ctx, "wait for the record", "[data-testid=handover-record]")
	record := textOf(t, ctx, "[data-testid=handover-record]")
	for _, want := range []string{"บันทึกการส่งมอบบุคคล", "កំណត់ត្រាប្រគល់", "Record of handover", givenName, "Sok Dara", "Somsak P."} {
		if !strings.Contains(record, want) {
			failPage(t, ctx, "the record lacks %q", want)
		}
	}
	screenshot(t, ctx, "handover_record.png")

	// The KH case moved to handover once the KH store synced (its batch page runs Sync).
	signOut(t, ctx)
	signIn(t, ctx, base, repatCaseworker)
	do(t, ctx, "open the batch as KH", chromedp.Navigate(batchURL))
	waitFor(t, ctx, "wait for the new case reference", "[data-testid=handover-new-ref]")
	var stage string
	kh.DB.Raw(`SELECT stage FROM cases WHERE id = ?`, caseID).Scan(&stage)
	if stage != "handover" {
		t.Errorf("the KH case is at %q after the handover, want handover", stage)
	}
}

// signInWithoutStore signs in a user of an agency without a store (an embassy: no case list) and
// switches the interface to English on the inbox.
func signInWithoutStore(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	do(t, ctx, "open the sign-in page as "+email, chromedp.Navigate(base+"/login"))
	waitFor(t, ctx, "wait for the sign-in form", "#email")
	do(t, ctx, "sign in as "+email,
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), lifecyclePassword),
	)
	clickAndLoad(t, ctx, `form[action="/login"] button[type=submit]`)
	do(t, ctx, "open the inbox", chromedp.Navigate(base+"/inbox"))
	waitFor(t, ctx, "wait for the inbox heading", "main h1")
	clickAndLoad(t, ctx, `form.lang-switch button[value=en]`)
}

// signOut signs the current user out.
func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	clickAndLoad(t, ctx, `form.signout button[type=submit]`)
}
