package browsertest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"homeward/internal/apptest"
	"homeward/internal/cases"
)

// The phone the field works on: 390×844 CSS pixels (a common Android and iPhone size).
const (
	phoneWidth  = 390
	phoneHeight = 844
)

// phonePage is one page of the phone walk and the content that must show on its first screen.
type phonePage struct {
	name string
	path string // absolute path, or "" for the first case of the list
	key  []string
}

// TestPhoneFirstScreenThaiAndKhmer opens the dashboard, case list, a case, the intake form and the
// inbox at 390×844 in Thai and Khmer as a supervisor, and checks on each that the key content lies
// inside the first screen, that nothing overflows the page sideways (an element wider than the
// screen is allowed only inside an intended scroller), and that axe-core finds no serious or
// critical violation; so on the intake, an import and the sign-in page, each refused. Screenshots
// go to a temporary directory (HOMEWARD_SCREENSHOT_DIR keeps them).
func TestPhoneFirstScreenThaiAndKhmer(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	ctx := browser(t, 5*time.Minute)
	signIn(t, ctx, base, "supervisor@th-msdhs-sakaeo.demo")
	caseHref := run(t, ctx, "read the first case's link",
		chromedp.Evaluate[string](`document.querySelector('table.cases tbody tr:first-child a').getAttribute('href')`))
	if !strings.HasPrefix(caseHref, "/cases/") {
		t.Fatalf("first case link = %q", caseHref)
	}

	// On a desktop (1280 px) in Khmer, the longest labels, every case tab shows: none is cut off.
	do(t, ctx, "open the case on a desktop", chromedp.Navigate(base+caseHref))
	waitFor(t, ctx, "wait for the case tabs", ".case-tabs")
	clickAndLoad(t, ctx, `form.lang-switch button[value=km]`)
	waitFor(t, ctx, "wait for the case tabs in Khmer", ".case-tabs")
	if msg := run(t, ctx, "check the tabs on a desktop", chromedp.Evaluate[string](tabsCutJS)); msg != "" {
		t.Errorf("desktop case tabs cut off: %s", msg)
	}
	checkNoSidewaysOverflow(t, ctx, "km case on a desktop")

	do(t, ctx, "emulate a phone", chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateMobile))
	pages := []phonePage{
		{"dashboard", "/", []string{"[data-testid=by-stage] tbody tr:first-child", "[data-testid=by-stage] tbody tr:first-child td:nth-child(2)"}},
		{"cases", "/cases", []string{"table.cases tbody tr:first-child td:first-child a", "table.cases tbody tr:first-child td:nth-child(2)"}},
		{"case", caseHref, []string{".case-tabs", "[data-testid=stage]"}},
		{"intake", "/cases/new", []string{"main form .field:first-of-type input, main form .field:first-of-type select"}},
		{"inbox", "/inbox", []string{"[data-testid=inbox] tbody tr:first-child td:first-child a"}},
	}
	for _, lang := range []string{"th", "km"} {
		do(t, ctx, "open the dashboard", chromedp.Navigate(base+"/"))
		waitFor(t, ctx, "wait for the dashboard", "[data-testid=dashboard]")
		clickAndLoad(t, ctx, `form.lang-switch button[value=`+lang+`]`)
		for _, p := range pages {
			do(t, ctx, "open "+p.name, chromedp.Navigate(base+p.path))
			waitFor(t, ctx, "wait for "+p.name, "main")
			if got := run(t, ctx, "read <html lang>", chromedp.Evaluate[string](`document.documentElement.lang`)); got != lang {
				t.Fatalf("%s: <html lang> = %q, want %s", p.name, got, lang)
			}
			header := run(t, ctx, "measure the header", chromedp.Evaluate[float64](`document.querySelector('header.topbar').getBoundingClientRect().height`))
			t.Logf("%s %s: header %.0f px of %d", lang, p.name, header, phoneHeight)
			for _, sel := range p.key {
				checkFirstScreen(t, ctx, lang+" "+p.name, sel)
			}
			checkNoSidewaysOverflow(t, ctx, lang+" "+p.name)
			checkAxe(t, ctx, lang+" "+p.name)
			screenshot(t, ctx, fmt.Sprintf("phone-%s-%s.png", lang, p.name))
		}
	}

	// The intake refused (still in Khmer): the error summary is on the first screen, its first
	// link leads to the field, and axe finds nothing serious.
	do(t, ctx, "open the intake", chromedp.Navigate(base+"/cases/new"))
	waitFor(t, ctx, "wait for the intake", "#given_name")
	clickAndLoad(t, ctx, `main form[action="/cases"] .form-actions button[type=submit]`)
	waitFor(t, ctx, "wait for the error summary", "[data-testid=error-summary]")
	checkFirstScreen(t, ctx, "km intake with errors", "[data-testid=error-summary]")
	if got := run(t, ctx, "read the first summary link", chromedp.Evaluate[string](
		`document.querySelector('[data-testid=error-summary] a').getAttribute('href')`)); got != "#given_name" {
		t.Errorf("the summary's first link goes to %q, want #given_name", got)
	}
	if got := run(t, ctx, "read the field's description", chromedp.Evaluate[string](
		`document.getElementById(document.getElementById('given_name').getAttribute('aria-describedby')).textContent`)); strings.TrimSpace(got) == "" {
		t.Error("the invalid field's aria-describedby names no message")
	}
	checkNoSidewaysOverflow(t, ctx, "km intake with errors")
	checkAxe(t, ctx, "km intake with errors")
	screenshot(t, ctx, "phone-km-intake-errors.png")

	// An import refused (a date that does not exist), still in Khmer.
	checkRefusedImport(t, ctx, env, "km import with a refused file")

	// Two case sections refused (still in Khmer): the screening saved without its required answers,
	// a referral without a recipient. Each shows its summary on the first screen, linked to an
	// invalid field, and axe finds nothing serious.
	id := screeningCase(t, env)
	for _, f := range []struct{ name, path, submit, png string }{
		{"screening", "/cases/" + id + "/screening/edit", `main form[data-testid=screening-form] .form-actions button[type=submit]`, "phone-km-screening-errors.png"},
		{"referral", "/cases/" + id + "/services", `#referral-form .form-actions button[type=submit]`, "phone-km-referral-errors.png"},
	} {
		do(t, ctx, "open the "+f.name+" form", chromedp.Navigate(base+f.path))
		waitFor(t, ctx, "wait for the "+f.name+" form", f.submit)
		clickAndLoad(t, ctx, f.submit)
		waitFor(t, ctx, "wait for the "+f.name+" error summary", "[data-testid=error-summary]")
		checkFirstScreen(t, ctx, "km "+f.name+" with errors", "[data-testid=error-summary]")
		if got := run(t, ctx, "follow the first summary link", chromedp.Evaluate[string](linkedFieldJS)); got != "" {
			t.Errorf("km %s with errors: %s", f.name, got)
		}
		checkNoSidewaysOverflow(t, ctx, "km "+f.name+" with errors")
		checkAxe(t, ctx, "km "+f.name+" with errors")
		screenshot(t, ctx, f.png)
	}

	// The sign-in page, refused.
	clickAndLoad(t, ctx, `form[action="/logout"] button`)
	do(t, ctx, "open the sign-in page", chromedp.Navigate(base+"/login"))
	waitFor(t, ctx, "wait for the sign-in form", "#email")
	do(t, ctx, "type a wrong password",
		chromedp.SendKeys(chromedp.ID("email"), "supervisor@th-msdhs-sakaeo.demo"),
		chromedp.SendKeys(chromedp.ID("password"), "not-the-password"))
	clickAndLoad(t, ctx, `form[action="/login"] button[type=submit]`)
	waitFor(t, ctx, "wait for the sign-in error", "[data-testid=error-summary]")
	checkSummaryLinks(t, ctx, "sign-in with an error")
	checkNoSidewaysOverflow(t, ctx, "sign-in with an error")
	checkAxe(t, ctx, "sign-in with an error")
	screenshot(t, ctx, "phone-login-error.png")
}

// linkedFieldJS checks the error summary's first link: "" when it leads to a field marked
// aria-invalid whose aria-describedby names a message with text, else what is wrong.
const linkedFieldJS = `(() => {
	const a = document.querySelector("[data-testid=error-summary] a");
	if (!a) return "no link in the summary";
	const el = document.getElementById(a.getAttribute("href").slice(1));
	if (!el) return "the link leads nowhere: " + a.getAttribute("href");
	if (el.getAttribute("aria-invalid") !== "true") return el.id + " is not marked invalid";
	const ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
	if (!ids.some(d => (document.getElementById(d) || {}).textContent)) return el.id + " is described by no message";
	return "";
})()`

// screeningCase is a new TH welfare case at the screening stage, nothing recorded yet.
func screeningCase(t *testing.T, env *apptest.Env) string {
	t.Helper()
	ctx := context.Background()
	w := env.Actor(t, "caseworker@th-msdhs-sakaeo.demo")
	age := 27
	_, c, err := env.App.Cases.Intake(ctx, w, cases.IntakeInput{GivenName: "Sophal", FamilyName: "Meas", Sex: "male",
		AgeEstimate: &age, Nationality: "KH", Languages: []string{"km"}})
	if err != nil {
		t.Fatalf("intake: %v", err)
	}
	if _, err = env.App.Cases.Transition(ctx, w, c.ID, cases.TransitionInput{To: cases.StageScreening, Reason: "interview planned", Version: c.Version}); err != nil {
		t.Fatalf("move to screening: %v", err)
	}
	return c.ID
}

// tabsCutJS names the case tabs that do not show whole (the strip scrolls or a tab reaches past
// the viewport); "" when every tab shows, and "no tabs" when there is none.
const tabsCutJS = `(() => {
	const nav = document.querySelector(".case-tabs");
	const tabs = nav ? [...nav.querySelectorAll("a")] : [];
	if (tabs.length < 2) return "no tabs";
	const out = [];
	if (nav.scrollWidth > nav.clientWidth + 1) out.push("the strip scrolls: " + nav.scrollWidth + " > " + nav.clientWidth);
	const box = nav.getBoundingClientRect();
	for (const a of tabs) {
		const r = a.getBoundingClientRect();
		if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.right > window.innerWidth) out.push(a.textContent.trim());
	}
	return out.join("; ");
})()`

// checkFirstScreen fails unless the first element matching sel is visible and lies wholly inside
// the first screen (the viewport before any scrolling).
func checkFirstScreen(t *testing.T, ctx context.Context, what, sel string) {
	t.Helper()
	js := fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		if (!el) return "missing";
		const r = el.getBoundingClientRect();
		if (r.width === 0 || r.height === 0) return "not visible";
		if (r.top < 0 || r.left < 0 || r.bottom > window.innerHeight || r.right > window.innerWidth)
			return "at " + Math.round(r.left) + "," + Math.round(r.top) + " to " + Math.round(r.right) + "," + Math.round(r.bottom) +
				" outside " + window.innerWidth + "×" + window.innerHeight;
		return "";
	})()`, jsString(sel))
	if msg := run(t, ctx, "locate "+sel, chromedp.Evaluate[string](js)); msg != "" {
		t.Errorf("%s: %s is not on the first screen: %s", what, sel, msg)
	}
}

// sidewaysJS lists the elements that reach past the viewport's right or left edge, except inside
// an intended scroller (an ancestor that scrolls or clips sideways) and visually hidden text; and
// reports the document's scroll width.
const sidewaysJS = `(() => {
	const out = [];
	const w = window.innerWidth;
	if (document.documentElement.scrollWidth > w) out.push("document scrollWidth " + document.documentElement.scrollWidth + " > " + w);
	const clipped = (el) => {
		for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
			const ox = getComputedStyle(p).overflowX;
			if (ox === "auto" || ox === "scroll" || ox === "hidden" || ox === "clip") return true;
		}
		return false;
	};
	for (const el of document.body.querySelectorAll("*")) {
		const r = el.getBoundingClientRect();
		if (r.width === 0 || r.height === 0) continue;
		if (r.right <= w + 0.5 && r.left >= -0.5) continue;
		if (el.closest(".visually-hidden, .skip-link") || clipped(el)) continue;
		const id = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "");
		out.push(id + " " + Math.round(r.left) + ".." + Math.round(r.right));
		if (out.length > 10) break;
	}
	return out.join("; ");
})()`

// checkNoSidewaysOverflow fails when the page scrolls sideways or an element sticks out of the
// screen outside an intended scroller.
func checkNoSidewaysOverflow(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	if msg := run(t, ctx, "check sideways overflow", chromedp.Evaluate[string](sidewaysJS)); msg != "" {
		t.Errorf("%s overflows sideways: %s", what, msg)
	}
}
