package browsertest

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"homeward/internal/apptest"
	"homeward/internal/imports"
	"homeward/internal/locale"
)

const (
	lifecycleCaseworker = "caseworker@th-msdhs-sakaeo.demo"
	lifecycleSupervisor = "supervisor@th-msdhs-sakaeo.demo"
	lifecyclePassword   = "homeward-demo"
)

// lifecyclePerson is one row of the uploaded file.
type lifecyclePerson struct {
	given, family, sex, birth, nationality string
}

// TestLifecycleInBrowser walks one case through the browser: a caseworker creates a rescue operation,
// bulk-imports three persons (a file with a bad date first, refused as a whole, then the fixed file),
// records the screening of one of them and proposes to identify them; a supervisor approves.
func TestLifecycleInBrowser(t *testing.T) {
	bundle, err := locale.Load()
	if err != nil {
		t.Fatalf("load translations: %v", err)
	}
	en := bundle.For("en", false, nil)
	env := apptest.New(t)
	base := env.URL()
	st, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatalf("TH store: %v", err)
	}
	ctx := browser(t, 4*time.Minute)

	// 1. Sign in as the caseworker.
	signIn(t, ctx, base, lifecycleCaseworker)

	// 2. The operations list, then a new operation.
	do(t, ctx, "open the operations list", chromedp.Navigate(base+"/operations"))
	waitFor(t, ctx, "wait for the operations list", "main h1")
	if h1 := textOf(t, ctx, "main h1"); h1 != en.T("operations.title") {
		failPage(t, ctx, "the operations list has the heading %q, want %q", h1, en.T("operations.title"))
	}
	clickAndLoad(t, ctx, `main a[href="/operations/new"]`)
	opName := fmt.Sprintf("Lifecycle raid %d", time.Now().UnixNano()%1_000_000)
	waitFor(t, ctx, "wait for the new operation form", "#name")
	do(t, ctx, "fill the new operation",
		chromedp.SendKeys(chromedp.ID("name"), opName),
		chromedp.SetValue(chromedp.ID("operation_date"), time.Now().AddDate(0, 0, -3).Format(time.DateOnly)),
		chromedp.SendKeys(chromedp.ID("province"), "Sa Kaeo"),
		chromedp.SendKeys(chromedp.ID("compound"), "Lifecycle compound"),
	)
	agency := run(t, ctx, "choose the lead agency", chromedp.Evaluate[string](`(() => {
		const s = document.getElementById('lead_agency_id');
		const o = [...s.options].find(o => o.value !== '');
		if (!o) return '';
		s.value = o.value;
		return o.value;
	})()`))
	if agency == "" {
		failPage(t, ctx, "the new operation form offers no lead agency")
	}
	clickAndLoad(t, ctx, `form[action="/operations"] button[type=submit]`)
	loc := run(t, ctx, "location", chromedp.Location())
	opID, ok := strings.CutPrefix(loc, base+"/operations/")
	if !ok || opID == "" || strings.ContainsAny(opID, "/?") {
		failPage(t, ctx, "after creating the operation the browser is at %s, want %s/operations/{id}", loc, base)
	}
	if h1 := textOf(t, ctx, "main h1"); h1 != opName {
		failPage(t, ctx, "the operation page has the heading %q, want %q", h1, opName)
	}
	countPersons := func() int {
		t.Helper()
		var n int
		if err := st.DB.Raw(`SELECT count(*) FROM persons WHERE operation_id = ?`, opID).Scan(&n).Error; err != nil {
			t.Fatalf("count the persons of the operation: %v", err)
		}
		return n
	}
	if n := countPersons(); n != 0 {
		t.Fatalf("a new operation has %d persons", n)
	}

	// The import page, reached from the operation.
	importURL := base + "/operations/" + opID + "/import"
	clickAndLoad(t, ctx, `main a[href="/operations/`+opID+`/import"]`)
	waitFor(t, ctx, "wait for the import form", "#import-file")
	if loc := run(t, ctx, "location", chromedp.Location()); loc != importURL {
		t.Fatalf("the import link opened %s, want %s", loc, importURL)
	}

	// The English template's header, as a signed-in user downloads it.
	client := env.Login(t, lifecycleCaseworker)
	res, err := client.Get(base + "/imports/template.csv?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	tpl := new(bytes.Buffer)
	_, _ = tpl.ReadFrom(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /imports/template.csv?lang=en: status %d", res.StatusCode)
	}
	tplRows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(tpl.Bytes(), []byte("\uFEFF")))).ReadAll()
	if err != nil || len(tplRows) == 0 {
		t.Fatalf("read the CSV template: %v (%d rows)", err, len(tplRows))
	}
	header := tplRows[0]

	suffix := fmt.Sprintf("%04d", time.Now().UnixNano()%10000)
	persons := []lifecyclePerson{
		{"Sopheap", "Lifecycle" + suffix, "female", "1998-02-14", "KH"},
		{"Dara", "Lifecycle" + suffix, "male", "1995-07-03", "KH"},
		{"Vanna", "Lifecycle" + suffix, "female", "2024-13-45", "KH"}, // spreadsheet row 4
	}
	file := filepath.Join(t.TempDir(), "rescued.csv")
	writeImport(t, file, header, persons)

	// 3. The dry run reports the bad date by row and column; nothing is registered.
	dateColumn := imports.Header("birth_date", "en")
	do(t, ctx, "check the file with the bad date",
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{file}),
		chromedp.Click(chromedp.CSS(`#import-form button[name=dry_run][value=true]`)),
	)
	waitFor(t, ctx, "wait for the errors of the dry run", `table[data-testid=import-errors]`)
	problems := run(t, ctx, "read the errors", chromedp.Evaluate[[][]string](`[...document.querySelectorAll(
		'table[data-testid=import-errors] tbody tr')].map(r => [...r.cells].map(c => c.textContent.trim()))`))
	found := false
	for _, p := range problems {
		if len(p) == 3 && p[0] == "4" && p[1] == dateColumn && p[2] != "" {
			found = true
		}
	}
	if !found {
		failPage(t, ctx, "the errors %q do not name row 4, column %q", problems, dateColumn)
	}
	if n := run(t, ctx, "look for the import button", chromedp.Evaluate[int](
		`document.querySelectorAll('[data-testid=import-commit]').length`)); n != 0 {
		failPage(t, ctx, "a file with an error offers the import button")
	}
	if n := countPersons(); n != 0 {
		t.Fatalf("after the dry run of a file with an error the operation has %d persons, want 0", n)
	}

	// 4. The fixed file: a clean dry run, then the import for real.
	persons[2].birth = "2001-11-20"
	writeImport(t, file, header, persons)
	do(t, ctx, "open the import page again", chromedp.Navigate(importURL))
	waitFor(t, ctx, "wait for the import form", "#import-file")
	do(t, ctx, "check the fixed file",
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{file}),
		chromedp.Click(chromedp.CSS(`#import-form button[name=dry_run][value=true]`)),
	)
	waitFor(t, ctx, "wait for the result of the dry run", `[data-testid=import-result]`)
	if n := run(t, ctx, "look for errors", chromedp.Evaluate[int](
		`document.querySelectorAll('table[data-testid=import-errors]').length`)); n != 0 {
		failPage(t, ctx, "the fixed file still has errors")
	}
	waitFor(t, ctx, "wait for the import button", `[data-testid=import-commit]`)
	if n := countPersons(); n != 0 {
		t.Fatalf("after the dry run of the fixed file the operation has %d persons, want 0", n)
	}
	clickAndLoad(t, ctx, `[data-testid=import-commit]`)
	waitFor(t, ctx, "wait for the import's outcome", `[data-testid=import-done]`)
	if got, want := textOf(t, ctx, `[data-testid=import-done]`), en.T("imports.done", "Count", 3); got != want {
		failPage(t, ctx, "after the import the page says %q, want %q", got, want)
	}
	if n := countPersons(); n != 3 {
		t.Fatalf("after the import the operation has %d persons, want 3", n)
	}

	// 5. One of the imported persons' cases, from the operation page.
	clickAndLoad(t, ctx, `main a[href="/operations/`+opID+`"]`)
	waitFor(t, ctx, "wait for the operation's persons", `#persons table.cases`)
	who := persons[0].given + " " + persons[0].family
	caseLink := `[...document.querySelectorAll('#persons tbody tr')].find(r => r.textContent.includes(` +
		jsString(who) + `))?.querySelector('a[href^="/cases/"]')`
	if !run(t, ctx, "find "+who, chromedp.Evaluate[bool](`!!(`+caseLink+`)`)) {
		failPage(t, ctx, "the operation page lists no case of %s", who)
	}
	run(t, ctx, "open the case of "+who, chromedp.WaitEvent(page.LoadEventFired, nil,
		chromedp.Click(chromedp.JSPath(caseLink))))
	waitFor(t, ctx, "wait for the case", "#identity")
	loc = run(t, ctx, "location", chromedp.Location())
	caseID, ok := strings.CutPrefix(loc, base+"/cases/")
	if !ok || caseID == "" || strings.ContainsAny(caseID, "/?") {
		t.Fatalf("the case link opened %s, want %s/cases/{id}", loc, base)
	}
	if name := textOf(t, ctx, `[data-testid=person-name]`); !strings.Contains(name, persons[0].given) {
		failPage(t, ctx, "the case shows the name %q, want %s", name, who)
	}

	// Move the case to screening.
	if got, want := textOf(t, ctx, `[data-testid=stage]`), en.T("stage.reception"); got != want {
		failPage(t, ctx, "an imported case is at stage %q, want %q", got, want)
	}
	waitFor(t, ctx, "wait for the stage form", "#to")
	do(t, ctx, "choose the screening stage",
		chromedp.SetValue(chromedp.CSS(`select#to`), "screening"),
		chromedp.SendKeys(chromedp.ID("reason"), "Interview scheduled"),
	)
	clickAndLoad(t, ctx, `form[action="/cases/`+caseID+`/transitions"] button[type=submit]`)
	waitFor(t, ctx, "wait for the case", `[data-testid=stage]`)
	if got, want := textOf(t, ctx, `[data-testid=stage]`), en.T("stage.screening"); got != want {
		failPage(t, ctx, "after the move the case is at stage %q, want %q", got, want)
	}

	// The screening tab: record the interview.
	clickAndLoad(t, ctx, `a[href="/cases/`+caseID+`/screening"]`)
	waitFor(t, ctx, "wait for the screening page", "#interview")
	clickAndLoad(t, ctx, `#interview a[href="/cases/`+caseID+`/screening/edit"]`)
	narrative := "Recruited through a Facebook job advertisement for a call-centre job; held in the compound " +
		"and forced to run online scams under daily quotas."
	waitFor(t, ctx, "wait for the screening form", `form[data-testid=screening-form]`)
	do(t, ctx, "fill the screening",
		chromedp.SetValue(chromedp.ID("interview_date"), time.Now().AddDate(0, 0, -2).Format(time.DateOnly)),
		chromedp.SendKeys(chromedp.ID("interviewer"), "Somchai Caseworker"),
		chromedp.SendKeys(chromedp.ID("interpreter"), "Srey Interpreter"),
		chromedp.SendKeys(chromedp.ID("language"), "km"),
		chromedp.Click(chromedp.ID("answer-deceptive_job_offer-present")),
		chromedp.Click(chromedp.ID("answer-recruited_online-present")),
		chromedp.Click(chromedp.CSS(`tr[data-indicator=recruited_online] input[name=channels][value=facebook]`)),
		chromedp.Click(chromedp.ID("answer-forced_online_fraud-present")),
		chromedp.Click(chromedp.ID("answer-quotas_with_punishment-present")),
		chromedp.Click(chromedp.ID("answer-confinement-present")),
		chromedp.Click(chromedp.ID("answer-torture-absent")),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="note.confinement"]`), "Guards at the gate"),
		chromedp.SetValue(chromedp.ID("event-phase-0"), "recruitment"),
		chromedp.SendKeys(chromedp.ID("event-place-0"), "Phnom Penh"),
		chromedp.SendKeys(chromedp.ID("event-country-0"), "KH"),
		chromedp.SendKeys(chromedp.ID("narrative"), narrative),
	)
	clickAndLoad(t, ctx, `form[data-testid=screening-form] button[type=submit]`)
	waitFor(t, ctx, "wait for the recorded screening", `[data-testid=narrative]`)
	if loc := run(t, ctx, "location", chromedp.Location()); loc != base+"/cases/"+caseID+"/screening" {
		failPage(t, ctx, "after saving the screening the browser is at %s", loc)
	}
	if got := textOf(t, ctx, `[data-testid=narrative]`); !strings.Contains(got, "call-centre job") {
		failPage(t, ctx, "the narrative shows %q", got)
	}
	for _, code := range []string{"deceptive_job_offer", "recruited_online", "forced_online_fraud", "quotas_with_punishment", "confinement"} {
		if n := run(t, ctx, "read indicator "+code, chromedp.Evaluate[int](
			`document.querySelectorAll('#indicators tr[data-indicator=`+code+`][data-answer=present]').length`)); n != 1 {
			failPage(t, ctx, "indicator %s is not shown as present", code)
		}
	}

	// Propose to identify the person.
	legalBasis := "Trafficking in Persons Act B.E. 2551 (2008), section 6"
	waitFor(t, ctx, "wait for the proposal form", `form[data-testid=propose-form]`)
	do(t, ctx, "fill the proposal",
		// The decision select has its own id (the section around it is #decision).
		chromedp.SetValue(chromedp.CSS(`select#decision-choice`), "identified"),
		chromedp.SendKeys(chromedp.ID("legal_basis"), legalBasis),
	)
	clickAndLoad(t, ctx, `form[data-testid=propose-form] button[type=submit]`)
	waitFor(t, ctx, "wait for the pending proposal", `[data-testid=pending]`)
	if n := run(t, ctx, "read the proposal", chromedp.Evaluate[int](
		`document.querySelectorAll('#decision tr[data-status=proposed]').length`)); n != 1 {
		failPage(t, ctx, "the proposal is not listed as proposed")
	}
	if got := decisionStatus(t, env, caseID); got != "proposed" {
		t.Fatalf("after the proposal the decision is %q, want proposed", got)
	}

	// 6. The supervisor approves.
	clickAndLoad(t, ctx, `form.signout button[type=submit]`)
	signIn(t, ctx, base, lifecycleSupervisor)
	do(t, ctx, "open the screening as the supervisor", chromedp.Navigate(base+"/cases/"+caseID+"/screening"))
	waitFor(t, ctx, "wait for the review form", `form[data-testid=review-form]`)
	do(t, ctx, "comment on the proposal",
		chromedp.SendKeys(chromedp.ID("comment"), "Indicators and narrative support identification."),
	)
	clickAndLoad(t, ctx, `form[data-testid=review-form] button.btn-primary[type=submit]`)
	waitFor(t, ctx, "wait for the decision", "#decision")
	row := run(t, ctx, "read the approved decision", chromedp.Evaluate[[]string](`(() => {
		const r = document.querySelector('#decision tr[data-status=approved]');
		return r ? [...r.cells].map(c => c.textContent.trim()) : [];
	})()`))
	if len(row) < 3 || row[0] != en.T("identification.decision.identified") || row[1] != legalBasis ||
		row[2] != en.T("identification.status.approved") {
		failPage(t, ctx, "the approved decision row is %q", row)
	}
	if n := run(t, ctx, "look for the review form", chromedp.Evaluate[int](
		`document.querySelectorAll('form[data-testid=review-form], [data-testid=pending]').length`)); n != 0 {
		failPage(t, ctx, "after the approval the proposal still waits for review")
	}
	if got := decisionStatus(t, env, caseID); got != "approved" {
		t.Fatalf("after the approval the decision is %q, want approved", got)
	}

	screenshot(t, ctx, "lifecycle.png")
}

// signIn signs a demo user in through the sign-in page and switches the interface to English.
func signIn(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	do(t, ctx, "open the sign-in page as "+email, chromedp.Navigate(base+"/login"))
	waitFor(t, ctx, "wait for the sign-in form", "#email")
	do(t, ctx, "sign in as "+email,
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), lifecyclePassword),
	)
	clickAndLoad(t, ctx, `form[action="/login"] button[type=submit]`)
	// Signing in lands on the home page: the dashboard of the user's roles.
	if loc := run(t, ctx, "location", chromedp.Location()); loc != base+"/" {
		failPage(t, ctx, "after signing in as %s the browser is at %s, want %s/", email, loc, base)
	}
	waitFor(t, ctx, "wait for the dashboard", "[data-testid=dashboard]")
	do(t, ctx, "open the case list", chromedp.Navigate(base+"/cases"))
	waitFor(t, ctx, "wait for the case list", "table.cases")
	clickAndLoad(t, ctx, `form.lang-switch button[value=en]`)
	waitFor(t, ctx, "wait for the case list in English", "table.cases")
	if lang := run(t, ctx, "read <html lang>", chromedp.Evaluate[string](`document.documentElement.lang`)); lang != "en" {
		t.Fatalf("after switching to English, <html lang> = %q", lang)
	}
}

// waitFor waits up to 30 seconds for the element to be visible; else it fails with the page.
func waitFor(t *testing.T, ctx context.Context, what, sel string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		failPage(t, ctx, "%s: %s did not show: %v", what, sel, err)
	}
}

// textOf returns the trimmed visible text of the first element matching sel.
func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(run(t, ctx, "read "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// failPage fails the test with the message and the page's location and main content.
func failPage(t *testing.T, ctx context.Context, format string, args ...any) {
	t.Helper()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('main') || document.body).outerHTML`))
	t.Fatalf("%s\nat %s; page:\n%s", fmt.Sprintf(format, args...), loc, html)
}

// writeImport writes persons as a CSV in the template's layout.
func writeImport(t *testing.T, file string, header []string, persons []lifecyclePerson) {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(header); err != nil {
		t.Fatal(err)
	}
	for _, p := range persons {
		values := map[string]string{
			imports.Header("given_name", "en"):  p.given,
			imports.Header("family_name", "en"): p.family,
			imports.Header("sex", "en"):         p.sex,
			imports.Header("birth_date", "en"):  p.birth,
			imports.Header("nationality", "en"): p.nationality,
			imports.Header("languages", "en"):   "km; th",
			imports.Header("minor", "en"):       "no",
		}
		row := make([]string, len(header))
		used := 0
		for i, h := range header {
			if v, ok := values[h]; ok {
				row[i] = v
				used++
			}
		}
		if used != len(values) {
			t.Fatalf("the template header %q lacks some of the columns %q", header, keysOf(values))
		}
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func keysOf(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// decisionStatus returns the status of the case's latest identification decision in the TH store.
func decisionStatus(t *testing.T, env *apptest.Env, caseID string) string {
	t.Helper()
	st, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatal(err)
	}
	var status string
	if err := st.DB.Raw(`SELECT status FROM identification_decisions WHERE case_id = ? ORDER BY proposed_at DESC LIMIT 1`,
		caseID).Scan(&status).Error; err != nil {
		t.Fatalf("read the decision of case %s: %v", caseID, err)
	}
	return status
}
