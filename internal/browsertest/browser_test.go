// Package browsertest drives a real headless Chromium against a whole Homeward:
// sign in, switch languages, open a case and take a screenshot.
package browsertest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"homeward/internal/apptest"
	"homeward/internal/locale"
)

const chromiumPath = "/usr/bin/chromium"

func TestMain(m *testing.M) { apptest.Main(m) }

// browser starts a headless Chromium for the test and returns its tab's context.
// The whole browser lives at most timeout.
func browser(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	if fi, err := os.Stat(chromiumPath); err != nil || fi.IsDir() {
		t.Fatalf("no Chromium at %s (%v): install Debian's chromium (apt-get install chromium)", chromiumPath, err)
	}
	var out bytes.Buffer
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(&out),
	)
	// The timeout bounds the whole browser: it ends with the first Run's context.
	ctx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
		if t.Failed() && out.Len() > 0 {
			t.Logf("chromium output:\n%s", out.String())
		}
	})
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return tabCtx
}

// do runs steps and fails the test with what it was doing.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// run runs one action that returns a value and fails the test with what it was doing.
func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// clickAndLoad clicks the element and waits for the page that the click loads.
func clickAndLoad(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	run(t, ctx, "click "+sel, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel))))
}

func TestSignInSwitchLanguageAndOpenCase(t *testing.T) {
	bundle, err := locale.Load()
	if err != nil {
		t.Fatalf("load translations: %v", err)
	}
	env := apptest.New(t)
	base := env.URL()
	ctx := browser(t, 60*time.Second)

	// Sign in.
	do(t, ctx, "open the sign-in page",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "caseworker@th-msdhs-sakaeo.demo"),
		chromedp.SendKeys(chromedp.ID("password"), "homeward-demo"),
	)
	clickAndLoad(t, ctx, `form[action="/login"] button[type=submit]`)
	// Signing in lands on the home page: the dashboard of the user's roles.
	if loc := run(t, ctx, "location", chromedp.Location()); loc != base+"/" {
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("after sign-in the browser is at %s, want %s/; page:\n%s", loc, base, html)
	}
	do(t, ctx, "wait for the dashboard", chromedp.WaitVisible(chromedp.CSS("[data-testid=dashboard]")))
	do(t, ctx, "open the case list", chromedp.Navigate(base+"/cases"))
	do(t, ctx, "wait for the case list", chromedp.WaitVisible(chromedp.CSS("table.cases")))

	// Switch to Thai, then to Khmer.
	for _, lang := range []string{"th", "km"} {
		clickAndLoad(t, ctx, `form.lang-switch button[value=`+lang+`]`)
		do(t, ctx, "wait for the case list in "+lang, chromedp.WaitVisible(chromedp.CSS("table.cases")))
		got := run(t, ctx, "read <html lang>", chromedp.Evaluate[string](`document.documentElement.lang`))
		if got != lang {
			t.Errorf("after switching to %s, <html lang> = %q", lang, got)
		}
		want := bundle.For(lang, false, nil).T("cases.title")
		if h1 := strings.TrimSpace(run(t, ctx, "read the heading", chromedp.Text(chromedp.CSS("main h1")))); h1 != want {
			t.Errorf("after switching to %s, h1 = %q, want %q", lang, h1, want)
		}
	}

	// Open the first case.
	clickAndLoad(t, ctx, `table.cases tbody tr:first-child a`)
	do(t, ctx, "wait for the identity section", chromedp.WaitVisible(chromedp.ID("identity")))
	if name := strings.TrimSpace(run(t, ctx, "read the person's name",
		chromedp.Text(chromedp.CSS(`[data-testid=person-name]`)))); name == "" {
		t.Error("the person's name is empty")
	}
	km := bundle.For("km", false, nil)
	var khmerStages []string
	for _, k := range bundle.Keys("km") {
		if strings.HasPrefix(k, "stage.") {
			khmerStages = append(khmerStages, km.T(k))
		}
	}
	if len(khmerStages) == 0 {
		t.Fatal("no stage.* keys in the Khmer translations")
	}
	stage := strings.TrimSpace(run(t, ctx, "read the stage badge", chromedp.Text(chromedp.CSS(`[data-testid=stage]`))))
	if !slices.Contains(khmerStages, stage) {
		t.Errorf("stage badge = %q, want one of the Khmer stage names %q", stage, khmerStages)
	}

	screenshot(t, ctx, "case-km.png")
}

// screenshot takes a full-page PNG, checks it is a real picture (over 10 KB), and keeps it under
// t.TempDir() and, when HOMEWARD_SCREENSHOT_DIR is set, there too for a person to look at.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png := run(t, ctx, "take a screenshot", chromedp.FullScreenshot(100))
	dirs := []string{t.TempDir()}
	if dir := os.Getenv("HOMEWARD_SCREENSHOT_DIR"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	for _, dir := range dirs {
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshot: %s", filepath.Join(dirs[len(dirs)-1], name))
	if len(png) <= 10*1024 || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("screenshot is %d bytes (want a PNG over 10 KB)", len(png))
	}
}
