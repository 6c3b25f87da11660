package browsertest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"homeward/internal/apptest"
	"homeward/internal/locale"
)

// TestJointReportInThaiAndKhmer signs the Thai analyst in, opens the joint report, switches it to
// Thai and to Khmer, opens the printable Khmer–Thai page and screenshots it as printed.
func TestJointReportInThaiAndKhmer(t *testing.T) {
	bundle, err := locale.Load()
	if err != nil {
		t.Fatalf("load translations: %v", err)
	}
	env := apptest.New(t)
	base := env.URL()
	ctx := browser(t, 60*time.Second)

	do(t, ctx, "open the sign-in page",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "analyst@th-msdhs-sakaeo.demo"),
		chromedp.SendKeys(chromedp.ID("password"), "homeward-demo"),
	)
	clickAndLoad(t, ctx, `form[action="/login"] button[type=submit]`)
	if loc := run(t, ctx, "location", chromedp.Location()); strings.Contains(loc, "/login") {
		failPage(t, ctx, "sign-in as the analyst failed")
	}
	do(t, ctx, "open the joint report", chromedp.Navigate(base+"/reports/joint"))
	waitFor(t, ctx, "wait for the stage table", `[data-testid=joint-table-stage]`)

	for _, lang := range []string{"th", "km"} {
		clickAndLoad(t, ctx, `form.lang-switch button[value=`+lang+`]`)
		waitFor(t, ctx, "wait for the report in "+lang, `[data-testid=joint-title]`)
		if got := run(t, ctx, "read <html lang>", chromedp.Evaluate[string](`document.documentElement.lang`)); got != lang {
			t.Errorf("after switching to %s, <html lang> = %q", lang, got)
		}
		want := bundle.For(lang, false, nil).T("joint.title")
		if h1 := textOf(t, ctx, `[data-testid=joint-title]`); h1 != want {
			t.Errorf("after switching to %s, title = %q, want %q", lang, h1, want)
		}
	}

	// The printable page, Khmer with Thai beside it, as it prints.
	clickAndLoad(t, ctx, `[data-testid=joint-print-th]`)
	waitFor(t, ctx, "wait for the printable page", `[data-testid=joint-print-title]`)
	title := textOf(t, ctx, `[data-testid=joint-print-title]`)
	for _, lang := range []string{"km", "th"} {
		if want := bundle.For(lang, false, nil).T("joint.title"); !strings.Contains(title, want) {
			t.Errorf("printable title %q lacks the %s title %q", title, lang, want)
		}
	}
	printMedia := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	})
	do(t, ctx, "emulate print", printMedia)
	if shown := run(t, ctx, "is the language switch hidden in print",
		chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.lang-switch')).display`)); shown != "none" {
		t.Errorf("print stylesheet not applied: language switch display = %q", shown)
	}
	screenshot(t, ctx, "joint-report-print-km-th.png")
}
