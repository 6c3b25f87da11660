package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"homeward/internal/apptest"
)

// summaryLinksJS checks the page's error summary: there is one, it has links, and each link leads
// to a field marked aria-invalid="true" whose aria-describedby names an element saying the link's
// message (the link may lead with the field's label). It returns what is wrong, "" when nothing.
const summaryLinksJS = `(() => {
	const s = document.querySelectorAll("[data-testid=error-summary]");
	if (s.length !== 1) return s.length + " error summaries";
	const links = [...s[0].querySelectorAll('a[href^="#"]')];
	if (links.length === 0) return "a summary without links";
	const out = [];
	for (const a of links) {
		const id = a.getAttribute("href").slice(1);
		const f = document.getElementById(id);
		if (!f) { out.push("#" + id + " is missing"); continue; }
		if (f.getAttribute("aria-invalid") !== "true") out.push("#" + id + " is not aria-invalid");
		const text = a.textContent.trim();
		const said = (f.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean)
			.map(d => document.getElementById(d)).filter(Boolean).map(e => e.textContent.trim());
		if (!said.some(m => m !== "" && (text === m || text.endsWith(": " + m)))) out.push("#" + id + " is described by nothing saying " + JSON.stringify(text));
	}
	return out.join("; ");
})()`

// checkSummaryLinks fails unless the page's error summary leads to fields that carry its messages.
func checkSummaryLinks(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	if msg := run(t, ctx, "check the error summary", chromedp.Evaluate[string](summaryLinksJS)); msg != "" {
		failPage(t, ctx, "%s: %s", what, msg)
	}
}

// checkRefusedImport opens the import page of one of the TH store's operations, checks a file
// whose date of birth does not exist (htmx answers in place) and checks the page as it then
// shows: the error summary leads to the file field, which carries the message; nothing overflows
// sideways; axe-core finds no serious or critical violation.
func checkRefusedImport(t *testing.T, ctx context.Context, env *apptest.Env, what string) {
	t.Helper()
	st, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatal(err)
	}
	var op string
	if err := st.DB.Raw(`SELECT id FROM operations ORDER BY id LIMIT 1`).Scan(&op).Error; err != nil || op == "" {
		t.Fatalf("no operation in TH: %v", err)
	}
	file := filepath.Join(t.TempDir(), "refused.csv")
	csv := "Given name,Family name,Sex,Date of birth,Estimated age,Nationality,Identity document number\n" +
		"Sokha,Chan,female,1999-02-31,,KH,\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "open the import page", chromedp.Navigate(env.URL()+"/operations/"+op+"/import"))
	waitFor(t, ctx, "wait for the import form", "#import-file")
	do(t, ctx, "check the refused file",
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{file}),
		chromedp.Click(chromedp.ID("import-check")),
	)
	waitFor(t, ctx, "wait for the error summary", "[data-testid=error-summary]")
	waitFor(t, ctx, "wait for the problems", "table[data-testid=import-errors]")
	if got := run(t, ctx, "read the summary's link", chromedp.Evaluate[string](
		`document.querySelector("[data-testid=error-summary] a").getAttribute("href")`)); got != "#import-file" {
		failPage(t, ctx, "%s: the summary leads to %q, want #import-file", what, got)
	}
	checkSummaryLinks(t, ctx, what)
	checkNoSidewaysOverflow(t, ctx, what)
	checkAxe(t, ctx, what)
	screenshot(t, ctx, "phone-import-refused.png")
}
