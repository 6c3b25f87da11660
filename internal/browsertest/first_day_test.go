package browsertest

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/directory"
	"homeward/internal/screening"
)

// TestFirstDayFromAnEmptyDirectory is a deployment's first day, from migrated databases with no
// agency and no user: the directory file is applied, the first country admins are invited from
// the command line's code path, the Thai admin enrols in the browser with TOTP, signs in with a
// code, and invites a supervisor and a caseworker on /admin; the supervisor enrols with a passkey
// (Chromium's virtual authenticator), signs in with it and approves the caseworker's proposal to
// identify a person as a victim of trafficking.
func TestFirstDayFromAnEmptyDirectory(t *testing.T) {
	env := apptest.NewEmpty(t)
	ctx := context.Background()
	clk := &totpClock{t: time.Now().UTC().Truncate(30 * time.Second)}
	env.App.MFA.WithClock(clk.now)
	base := strings.Replace(env.URL(), "127.0.0.1", "localhost", 1) // passkeys need a domain
	if err := env.App.MFA.SetPublicURL(base); err != nil {
		t.Fatal(err)
	}
	dir := env.App.Directory
	if n, err := dir.CountUsers(ctx); err != nil || n != 0 {
		t.Fatalf("the directory starts with %d users (%v), want none", n, err)
	}

	// 1. homeward directory apply docs/directory.example.toml: the same parse and apply.
	f, err := os.Open(filepath.Join("..", "..", "docs", "directory.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	file, err := directory.ParseDirectoryFile(f)
	f.Close()
	if err != nil {
		t.Fatalf("parse the directory file: %v", err)
	}
	changes, err := dir.ApplyDirectory(ctx, file, env.App.Stores.Countries())
	if err != nil || len(changes) != 9 {
		t.Fatalf("apply the directory: %d changes, %v; want the 9 agencies created", len(changes), err)
	}

	// 2. homeward user invite: the first country admin of each country.
	thAdmin, err := dir.InviteFromCommandLine(ctx, "admin.th@example.go.th", "Wanida Admin", "th-msdhs-sakaeo", "country_admin")
	if err != nil {
		t.Fatalf("invite the Thai admin: %v", err)
	}
	if _, err := dir.InviteFromCommandLine(ctx, "admin.kh@example.gov.kh", "Sophal Admin", "kh-mosvy-poipet", "country_admin"); err != nil {
		t.Fatalf("invite the Cambodian admin: %v", err)
	}

	// 3. The Thai admin opens the link, sets a password, must set up MFA first, and does with TOTP.
	bctx := browser(t, 180*time.Second)
	const adminPassword = "Sa Kaeo border office 2026"
	enrolInBrowser(t, bctx, base+directory.EnrolmentPath(thAdmin.Token), adminPassword)
	if loc := location(t, bctx); loc != base+"/settings/mfa" {
		failPage(t, bctx, "after enrolling, the country admin is at %s, want MFA setup", loc)
	}
	secret, _ := enrolTOTP(t, bctx, base, clk)
	signOut(t, bctx)
	if loc := passwordStep(t, bctx, base, thAdmin.User.Email, adminPassword); loc != base+"/login/mfa" {
		failPage(t, bctx, "after the admin's password the browser is at %s, want the second step", loc)
	}
	do(t, bctx, "type the admin's code", chromedp.SendKeys(chromedp.ID("code"), codeAt(t, secret, clk.next())))
	clickAndLoad(t, bctx, `form[action="/login/mfa"] button[type=submit]`)
	if loc := location(t, bctx); strings.HasPrefix(loc, base+"/login") || strings.HasPrefix(loc, base+"/settings/mfa") {
		failPage(t, bctx, "after the admin's code the browser is at %s", loc)
	}

	// 4. On /admin the admin invites a supervisor and a caseworker of their agency.
	sakaeo, err := dir.AgencyBySlug(ctx, "th-msdhs-sakaeo")
	if err != nil {
		t.Fatal(err)
	}
	const supEmail, workerEmail = "supervisor.malee@example.go.th", "caseworker.anan@example.go.th"
	supLink := inviteOnAdminPage(t, bctx, base, supEmail, "Malee Supervisor", sakaeo.ID, "supervisor")
	workerLink := inviteOnAdminPage(t, bctx, base, workerEmail, "Anan Caseworker", sakaeo.ID, "caseworker")
	signOut(t, bctx)

	// The caseworker enrols (no second factor for the role) and, through the services, takes in a
	// person, records the screening and proposes to identify them.
	const workerPassword = "Casework at the border post"
	if _, err := dir.Enrol(ctx, linkToken(t, workerLink), workerPassword); err != nil {
		t.Fatalf("caseworker enrols: %v", err)
	}
	caseID := proposeIdentification(t, env, workerEmail)

	// 5. The supervisor enrols with a passkey, signs in with it and approves the proposal.
	const supPassword = "Supervising identification decisions"
	addVirtualAuthenticator(t, bctx)
	enrolInBrowser(t, bctx, base+linkPath(t, supLink), supPassword)
	if loc := location(t, bctx); loc != base+"/settings/mfa" {
		failPage(t, bctx, "after enrolling, the supervisor is at %s, want MFA setup", loc)
	}
	registerPasskey(t, bctx, base, "Office laptop")
	signOut(t, bctx)
	signInWithPasskey(t, bctx, base, supEmail, supPassword)
	do(t, bctx, "open the screening as the supervisor", chromedp.Navigate(base+"/cases/"+caseID+"/screening"))
	waitFor(t, bctx, "wait for the review form", `form[data-testid=review-form]`)
	do(t, bctx, "comment on the proposal", chromedp.SendKeys(chromedp.ID("comment"), "Indicators support identification."))
	clickAndLoad(t, bctx, `form[data-testid=review-form] button.btn-primary[type=submit]`)
	waitFor(t, bctx, "wait for the decision", "#decision tr[data-status=approved]")
	if got := decisionStatus(t, env, caseID); got != "approved" {
		t.Fatalf("after the supervisor's approval the decision is %q, want approved", got)
	}
	screenshot(t, bctx, "first-day-approved.png")
}

// enrolInBrowser opens an enrolment link and sets the password.
func enrolInBrowser(t *testing.T, ctx context.Context, link, password string) {
	t.Helper()
	do(t, ctx, "open the enrolment link", chromedp.Navigate(link))
	waitFor(t, ctx, "wait for the enrolment form", "#password")
	do(t, ctx, "choose a password",
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.SendKeys(chromedp.ID("password_confirm"), password))
	clickAndLoad(t, ctx, `form[action^="/enrol/"] button[type=submit]`)
}

// inviteOnAdminPage invites a user on /admin/users/new and returns the one-time link shown.
func inviteOnAdminPage(t *testing.T, ctx context.Context, base, email, name, agencyID, role string) string {
	t.Helper()
	do(t, ctx, "open the invitation form", chromedp.Navigate(base+"/admin/users/new"))
	waitFor(t, ctx, "wait for the invitation form", `form[action="/admin/users"]`)
	do(t, ctx, "fill the invitation of "+email,
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SetValue(chromedp.ID("agency_id"), agencyID),
		chromedp.SetValue(chromedp.ID("role"), role))
	clickAndLoad(t, ctx, `form[action="/admin/users"] button.btn-primary[type=submit]`)
	waitFor(t, ctx, "wait for the one-time link", "[data-testid=enrolment-url]")
	link := run(t, ctx, "read the one-time link", chromedp.Evaluate[string](`document.querySelector('[data-testid=enrolment-url]').value`))
	if !strings.Contains(link, "/enrol/") {
		failPage(t, ctx, "the invitation shows %q, not an enrolment link", link)
	}
	return link
}

// linkPath is the path of an enrolment link (the server's public URL may name another host).
func linkPath(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, "/enrol/") {
		t.Fatalf("enrolment link %q: %v", link, err)
	}
	return u.Path
}

// linkToken is the token of an enrolment link.
func linkToken(t *testing.T, link string) string {
	t.Helper()
	return strings.TrimPrefix(linkPath(t, link), "/enrol/")
}

// proposeIdentification takes a person in as the caseworker, screens them and proposes to
// identify them as a victim of trafficking; it returns the case id.
func proposeIdentification(t *testing.T, env *apptest.Env, email string) string {
	t.Helper()
	ctx := context.Background()
	w := env.Actor(t, email)
	age := 24
	_, c, err := env.App.Cases.Intake(ctx, w, cases.IntakeInput{GivenName: "Sreyneang", FamilyName: "Chan", Sex: "female",
		AgeEstimate: &age, Nationality: "KH", Languages: []string{"km"}})
	if err != nil {
		t.Fatalf("intake: %v", err)
	}
	if c, err = env.App.Cases.Transition(ctx, w, c.ID, cases.TransitionInput{To: cases.StageScreening, Reason: "interview planned", Version: c.Version}); err != nil {
		t.Fatalf("move to screening: %v", err)
	}
	sv := env.App.Server.Screening
	if _, err := sv.RecordScreening(ctx, w, c.ID, screening.Input{InterviewDate: time.Now().Format(time.DateOnly), Interviewer: "Anan C.",
		Language: "km", Narrative: "Recruited through Telegram for a translator job; held in a compound.",
		Indicators: []screening.AnswerInput{{Indicator: "deceptive_job_offer", Answer: "present"}}}); err != nil {
		t.Fatalf("record the screening: %v", err)
	}
	if _, err := sv.ProposeDecision(ctx, w, c.ID, screening.ProposalInput{Decision: screening.DecisionIdentified,
		LegalBasis: "Anti-Trafficking in Persons Act B.E. 2551, section 6"}); err != nil {
		t.Fatalf("propose: %v", err)
	}
	return c.ID
}
