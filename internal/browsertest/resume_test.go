package browsertest

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"homeward/internal/apptest"
)

// TestExpiredSessionKeepsTheForm: a caseworker fills the intake form, the session expires before
// sending; sending leads to the sign-in page, and signing in again brings the caseworker back to the
// intake form with what was typed in it, and a line that says so.
func TestExpiredSessionKeepsTheForm(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	ctx := browser(t, 90*time.Second)
	const email = "caseworker@th-msdhs-sakaeo.demo"
	signIn(t, ctx, base, email)

	do(t, ctx, "open the intake form", chromedp.Navigate(base+"/cases/new"))
	waitFor(t, ctx, "wait for the intake form", "#given_name")
	do(t, ctx, "fill the intake form",
		chromedp.SendKeys(chromedp.ID("given_name"), "Dara-Kept"),
		chromedp.SendKeys(chromedp.ID("family_name"), "Sok"),
		chromedp.SendKeys(chromedp.ID("urgent_needs"), "Needs a translator for Khmer"),
	)
	if err := env.App.Hub.Exec(`DELETE FROM sessions`).Error; err != nil { // the idle timeout passes
		t.Fatal(err)
	}
	clickAndLoad(t, ctx, `form[action="/cases"] button.btn-primary[type=submit]`)
	waitFor(t, ctx, "wait for the sign-in page", "#email")
	if loc := run(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/login?next=%2Fcases%2Fnew") || strings.Contains(loc, "Dara") {
		failPage(t, ctx, "after sending with an expired session the browser is at %s", loc)
	}
	do(t, ctx, "sign in again",
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), lifecyclePassword),
	)
	clickAndLoad(t, ctx, `form[action="/login"] button[type=submit]`)
	waitFor(t, ctx, "wait for the restored notice", "[data-testid=resumed]")
	if loc := run(t, ctx, "location", chromedp.Location()); loc != base+"/cases/new" {
		failPage(t, ctx, "after signing in again the browser is at %s, want the intake form", loc)
	}
	for sel, want := range map[string]string{"#given_name": "Dara-Kept", "#family_name": "Sok", "#urgent_needs": "Needs a translator for Khmer"} {
		got := run(t, ctx, "read "+sel, chromedp.Evaluate[string](`document.querySelector("`+sel+`").value`))
		if got != want {
			failPage(t, ctx, "%s = %q after signing in again, want %q", sel, got, want)
		}
	}
}
