package browsertest

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/consent"
)

const (
	referralNGO        = "ngo_worker@ngo-th-legal.demo"
	referralCaseworker = "caseworker@th-msdhs-sakaeo.demo"
	referralSupervisor = "supervisor@th-msdhs-sakaeo.demo"
)

// switchUser signs the browser out (when signed in) and signs in as email, landing on the dashboard.
func switchUser(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	if run(t, ctx, "look for sign-out", chromedp.Evaluate[bool](`!!document.querySelector('form[action="/logout"] button')`)) {
		clickAndLoad(t, ctx, `form[action="/logout"] button`)
	}
	do(t, ctx, "open the sign-in page as "+email, chromedp.Navigate(base+"/login"))
	waitFor(t, ctx, "wait for the sign-in form", "#email")
	do(t, ctx, "sign in as "+email,
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), lifecyclePassword),
	)
	clickAndLoad(t, ctx, `form[action="/login"] button[type=submit]`)
	waitFor(t, ctx, "wait for the dashboard of "+email, "[data-testid=dashboard]")
}

// TestReferralInBrowser: a caseworker refers a person to an NGO, a supervisor approves the packet,
// the NGO worker accepts and completes it, the caseworker sees the service completed on the case
// and asks to close the case, and the supervisor closes it.
func TestReferralInBrowser(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	bg := context.Background()
	worker := env.Actor(t, referralCaseworker)
	age := 27
	_, c, err := env.App.Cases.Intake(bg, worker, cases.IntakeInput{GivenName: "Chenda", FamilyName: "Browser",
		Sex: "female", AgeEstimate: &age, Nationality: "KH", Languages: []string{"km"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Consent.Record(bg, worker, c.ID, consent.Input{Purpose: consent.PurposeShareNGO,
		Answer: consent.AnswerGiven, AnsweredOn: time.Now().Format(time.DateOnly), Method: "spoken", Language: "km"}); err != nil {
		t.Fatal(err)
	}
	services := base + "/cases/" + c.ID + "/services"
	ctx := browser(t, 4*time.Minute)

	// 1. The caseworker refers the person to the NGO for legal aid.
	switchUser(t, ctx, base, referralCaseworker)
	do(t, ctx, "open the services", chromedp.Navigate(services))
	waitFor(t, ctx, "wait for the referral form", "#referral-form")
	do(t, ctx, "fill the referral",
		chromedp.SetValue(chromedp.ID("recipient"), "ngo-th-legal"),
		chromedp.SetValue(chromedp.ID("service"), "legal_aid"),
		chromedp.SendKeys(chromedp.ID("needs"), "A lawyer for the unpaid wages claim"),
	)
	clickAndLoad(t, ctx, `#referral-form button[type=submit]`)
	waitFor(t, ctx, "wait for the referred service", `tr[data-kind=legal_aid] [data-testid=referral-status]`)
	if st := run(t, ctx, "read the referral status", chromedp.Evaluate[string](
		`document.querySelector('tr[data-kind=legal_aid] [data-testid=referral-status]').dataset.status`)); st != "pending_approval" {
		failPage(t, ctx, "after referring, the referral is %q, want pending_approval", st)
	}
	var packetID string
	if err := env.App.Hub.Raw(`SELECT id FROM packets WHERE kind = 'referral' AND case_ref = ?`, c.Reference).Scan(&packetID).Error; err != nil || packetID == "" {
		t.Fatalf("no referral packet: %v", err)
	}

	// 2. The supervisor sees it on the dashboard and approves it on the case's packets.
	switchUser(t, ctx, base, referralSupervisor)
	waitFor(t, ctx, "wait for the packets waiting", `[data-testid=dash-packets] a[href="/cases/`+c.ID+`/packets"]`)
	clickAndLoad(t, ctx, `[data-testid=dash-packets] a[href="/cases/`+c.ID+`/packets"]`)
	clickAndLoad(t, ctx, `form[action="/cases/`+c.ID+`/packets/`+packetID+`/approve"] button[type=submit]`)

	// 3. The NGO worker opens the referral, accepts it, then reports its completion.
	switchUser(t, ctx, base, referralNGO)
	do(t, ctx, "open the referrals", chromedp.Navigate(base+"/referrals"))
	waitFor(t, ctx, "wait for the referral in the list", `tr[data-packet="`+packetID+`"] a`)
	clickAndLoad(t, ctx, `tr[data-packet="`+packetID+`"] a`)
	waitFor(t, ctx, "wait for the referral's needs", `[data-field=needs]`)
	if got := textOf(t, ctx, `[data-field=first_name]`); got != "Chenda" {
		failPage(t, ctx, "the NGO sees the first name %q, want Chenda", got)
	}
	if n := run(t, ctx, "count the fields", chromedp.Evaluate[int](`document.querySelectorAll('[data-field=birth_date],[data-field=family_name]').length`)); n != 0 {
		failPage(t, ctx, "the NGO sees fields outside the referral's allow-list")
	}
	clickAndLoad(t, ctx, `[data-testid=referral-accept]`)
	waitFor(t, ctx, "wait for the progress form", `#progress-status`)
	do(t, ctx, "report completion",
		chromedp.SetValue(chromedp.ID("progress-status"), "completed"),
		chromedp.SendKeys(chromedp.ID("outcome"), "Claim filed at the labour court"),
	)
	clickAndLoad(t, ctx, `[data-testid=referral-progress]`)
	waitFor(t, ctx, "wait for the referral", `[data-testid=referral-status]`)

	// 4. The caseworker sees the service completed, and asks to close the case.
	switchUser(t, ctx, base, referralCaseworker)
	do(t, ctx, "open the services again", chromedp.Navigate(services))
	waitFor(t, ctx, "wait for the service", `tr[data-kind=legal_aid] [data-testid=service-status]`)
	if st := run(t, ctx, "read the service status", chromedp.Evaluate[string](
		`document.querySelector('tr[data-kind=legal_aid] [data-testid=service-status]').dataset.status`)); st != "completed" {
		failPage(t, ctx, "after the NGO's completion the service is %q, want completed", st)
	}
	do(t, ctx, "open the closure", chromedp.Navigate(base+"/cases/"+c.ID+"/closure"))
	waitFor(t, ctx, "wait for the closure form", `#reason`)
	do(t, ctx, "choose the reason", chromedp.SetValue(chromedp.ID("reason"), "reintegrated"))
	clickAndLoad(t, ctx, `[data-testid=closure-request]`)
	waitFor(t, ctx, "wait for the pending request", `[data-testid=closure-pending]`)

	// 5. The supervisor closes the case from the dashboard's closure requests.
	switchUser(t, ctx, base, referralSupervisor)
	waitFor(t, ctx, "wait for the closure request", `[data-testid=dash-closures] a[href="/cases/`+c.ID+`/closure"]`)
	clickAndLoad(t, ctx, `[data-testid=dash-closures] a[href="/cases/`+c.ID+`/closure"]`)
	waitFor(t, ctx, "wait for the decision form", `[data-testid=closure-approve]`)
	do(t, ctx, "confirm", chromedp.Click(chromedp.ID("confirm")))
	clickAndLoad(t, ctx, `[data-testid=closure-approve]`)
	waitFor(t, ctx, "wait for the stage", `[data-testid=closure-stage]`)
	if st := run(t, ctx, "read the stage", chromedp.Evaluate[string](
		`document.querySelector('[data-testid=closure-stage]').dataset.stage`)); st != "closed" {
		failPage(t, ctx, "after approval the case is %q, want closed", st)
	}
	screenshot(t, ctx, "referral-closed.png")
	var stage string
	st, _ := env.App.Stores.For("TH")
	st.DB.Raw(`SELECT stage FROM cases WHERE id = ?`, c.ID).Scan(&stage)
	if stage != "closed" {
		t.Errorf("the case is %s in the store, want closed", stage)
	}
}
