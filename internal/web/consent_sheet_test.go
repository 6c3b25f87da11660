package web_test

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/consent"
	"homeward/internal/locale"
	"homeward/internal/sheets"
	"homeward/web"
)

// sheetPhrases is a phrase of each sheet language, written here rather than read from the files,
// so that a file left in the wrong language fails.
var sheetPhrases = map[string]string{
	"en": "Consent and information sheet",
	"th": "เอกสารชี้แจงข้อมูลและขอความยินยอม",
	"km": "សន្លឹកព័ត៌មាន និងការយល់ព្រម",
	"id": "Lembar informasi dan persetujuan",
	"vi": "Phiếu thông tin và đồng ý",
	"zh": "信息告知与同意书",
	"my": "သဘောတူညီချက် စာရွက်",
}

// sheetCase registers a Cambodian in the TH store with the given recorded languages.
func sheetCase(t *testing.T, env *apptest.Env, langs []string, minor bool) created {
	t.Helper()
	return intakeAPI(t, env, env.Token(t, thWorker), mustJSON(t, map[string]any{"given_name": "Sheet", "family_name": "Reader",
		"sex": "female", "age_estimate": 24, "nationality": "KH", "languages": langs, "minor": minor}))
}

var sheetLang = regexp.MustCompile(`data-testid="consent-sheet" data-lang="([a-z]+)"`)

// sheetLangOf returns the language the sheet of page is printed in.
func sheetLangOf(t *testing.T, page string) string {
	t.Helper()
	m := sheetLang.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no consent sheet in the page: %s", excerpt(page))
	}
	return m[1]
}

func escaped(s string) string { return template.HTMLEscapeString(s) }

// switchLanguage sets a signed-in client's UI language.
func switchLanguage(t *testing.T, env *apptest.Env, c *http.Client, lang string) {
	t.Helper()
	res := apptest.PostForm(t, c, env.URL()+"/settings", env.URL()+"/language", url.Values{"lang": {lang}, "next": {"/settings"}})
	res.Body.Close()
}

func TestConsentSheetLanguages(t *testing.T) {
	env := apptest.New(t)
	c := sheetCase(t, env, []string{"km"}, true)
	sheet := env.URL() + "/cases/" + c.Case.ID + "/consents/sheet"
	worker := env.Login(t, thWorker)
	agency := env.Actor(t, thWorker).AgencyID
	ag, err := env.App.Directory.Agency(context.Background(), agency)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range sheets.Languages {
		t.Run(lang, func(t *testing.T) {
			status, body := apptest.Get(t, worker, sheet+"?lang="+lang)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, excerpt(body))
			}
			if got := sheetLangOf(t, body); got != lang {
				t.Errorf("sheet in %q, want %q", got, lang)
			}
			if !strings.Contains(body, escaped(sheetPhrases[lang])) {
				t.Errorf("no %s phrase %q", lang, sheetPhrases[lang])
			}
			if !strings.Contains(body, `data-testid="sheet-case-ref">`+c.Case.Reference+`<`) {
				t.Errorf("no case reference %s", c.Case.Reference)
			}
			// Bilingual: the English line under each text, unless the sheet is in English.
			english := `<span class="sheet-en" lang="en">` + sheetPhrases["en"] + `</span>`
			if got := strings.Contains(body, english); got != (lang != "en") {
				t.Errorf("English line under the title: %v, want %v", got, lang != "en")
			}
			// Who we are names the agency; every purpose is explained and asked about; a child's
			// sheet has the guardian's signature box; the picker offers every language.
			if !strings.Contains(body, escaped(ag.NameEN)) {
				t.Errorf("the sheet does not name the agency %q", ag.NameEN)
			}
			for _, p := range consent.Purposes {
				if n := strings.Count(body, `data-purpose="`+string(p)+`"`); n != 2 {
					t.Errorf("purpose %s appears %d times, want explained and asked", p, n)
				}
			}
			for _, signer := range []string{"person", "guardian", "interpreter", "witness", "staff"} {
				if !strings.Contains(body, `data-signer="`+signer+`"`) {
					t.Errorf("no signature box for the %s", signer)
				}
			}
			for _, code := range sheets.Languages {
				if !strings.Contains(body, `<option value="`+code+`"`) {
					t.Errorf("the picker lacks %s", code)
				}
			}
		})
	}
	// The staff's part follows the UI language: the page renders in en, th and km.
	for _, ui := range locale.Supported {
		switchLanguage(t, env, worker, ui)
		status, body := apptest.Get(t, worker, sheet+"?lang=my")
		if status != http.StatusOK || !strings.Contains(body, `<html lang="`+ui+`"`) || !strings.Contains(body, message(t, body, "consent_sheet.hint")) ||
			sheetLangOf(t, body) != "my" {
			t.Errorf("UI %s: %d %s", ui, status, excerpt(body))
		}
	}
	// An adult's sheet has no guardian box; the consent page links to the sheet.
	adult := sheetCase(t, env, []string{"km"}, false)
	if _, body := apptest.Get(t, worker, env.URL()+"/cases/"+adult.Case.ID+"/consents/sheet"); strings.Contains(body, `data-signer="guardian"`) {
		t.Error("an adult's sheet asks for a guardian's signature")
	}
	if _, body := apptest.Get(t, worker, env.URL()+"/cases/"+adult.Case.ID+"/consents"); !strings.Contains(body, `href="/cases/`+adult.Case.ID+`/consents/sheet"`) {
		t.Error("the consent page has no link to the sheet")
	}
}

func TestConsentSheetDefaultLanguage(t *testing.T) {
	env := apptest.New(t)
	worker := env.Login(t, thWorker)
	switchLanguage(t, env, worker, "th")
	tests := []struct {
		name    string
		langs   []string
		query   string
		want    string // "" is the staff member's UI language (th)
		noSheet bool
	}{
		{"the person's language", []string{"km"}, "", "km", false},
		{"the first of the person's languages with a sheet", []string{"sw", "vi", "en"}, "", "vi", false},
		{"a recorded language with a region", []string{"zh-CN"}, "", "zh", false},
		{"no sheet in the person's languages: the UI language", []string{"lo"}, "", "th", true},
		{"no language recorded: the UI language", nil, "", "th", false},
		{"an explicit choice wins", []string{"km"}, "?lang=my", "my", false},
		{"an unknown language falls back", []string{"id"}, "?lang=xx", "id", false},
		{"garbage falls back", []string{"id"}, "?lang=%3Cscript%3E", "id", false},
		{"a repeated parameter takes the first", []string{"km"}, "?lang=vi&lang=en", "vi", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sheetCase(t, env, tt.langs, false)
			status, body := apptest.Get(t, worker, env.URL()+"/cases/"+c.Case.ID+"/consents/sheet"+tt.query)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, excerpt(body))
			}
			if got := sheetLangOf(t, body); got != tt.want {
				t.Errorf("sheet in %q, want %q", got, tt.want)
			}
			if got := strings.Contains(body, `data-testid="no-sheet"`); got != tt.noSheet {
				t.Errorf("no-sheet notice %v, want %v", got, tt.noSheet)
			}
			if strings.Contains(body, "<script>") {
				t.Error("the request's lang is echoed unescaped")
			}
		})
	}
}

func TestConsentSheetRefused(t *testing.T) {
	env := apptest.New(t)
	c := sheetCase(t, env, []string{"km"}, false)
	base := env.URL()
	refused := map[string]string{
		"other country":                   khWorker,
		"other agency (not on the team)":  thPolice,
		"analyst (no consent section)":    thAnalyst,
		"auditor (no consent section)":    thAuditor,
		"country admin (no case content)": thAdmin,
		"embassy (no consent section)":    thEmbassy,
		"NGO (no consent section)":        ngoWorker,
	}
	for name, email := range refused {
		t.Run(name, func(t *testing.T) {
			status, body := apptest.Get(t, env.Login(t, email), base+"/cases/"+c.Case.ID+"/consents/sheet?lang=en")
			if status != http.StatusNotFound || strings.Contains(body, c.Case.Reference) || strings.Contains(body, "consent-sheet") {
				t.Fatalf("%d %s, want 404", status, excerpt(body))
			}
		})
	}
	if status, _ := apptest.Get(t, env.Login(t, thWorker), base+"/cases/"+noSuchCaseID+"/consents/sheet"); status != http.StatusNotFound {
		t.Errorf("no such case: %d, want 404", status)
	}
	// Nothing was audited for the refused; the investigator on a shared case may read (and print) it.
	st, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	st.DB.Raw(`SELECT count(*) FROM audit_log WHERE action = 'consent.read' AND entity_id = ?`, c.Case.ID).Scan(&n)
	if n != 0 {
		t.Errorf("%d consent reads audited for refused requests", n)
	}
	if status, body := apptest.Get(t, env.Login(t, thPolice), base+"/cases/"+sharedCaseID(t, env)+"/consents/sheet"); status != http.StatusOK {
		t.Errorf("investigator on the team: %d %s", status, excerpt(body))
	}
	if status, _ := apptest.Get(t, apptest.Client(), base+"/cases/"+c.Case.ID+"/consents/sheet"); status == http.StatusOK {
		t.Error("the sheet is served without signing in")
	}
}

func TestConsentSheetAudited(t *testing.T) {
	env := apptest.New(t)
	c := sheetCase(t, env, []string{"vi"}, false)
	worker := env.Login(t, thWorker)
	for _, q := range []string{"", "?lang=zh"} {
		if status, body := apptest.Get(t, worker, env.URL()+"/cases/"+c.Case.ID+"/consents/sheet"+q); status != http.StatusOK {
			t.Fatalf("%s: %d %s", q, status, excerpt(body))
		}
	}
	st, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct{ Sheet, ActorUserID string }
	err = st.DB.Raw(`SELECT detail::jsonb->>'sheet' AS sheet, actor_user_id::text AS actor_user_id FROM audit_log
		WHERE action = 'consent.read' AND entity = 'case' AND entity_id = ? ORDER BY id`, c.Case.ID).Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	want := env.Actor(t, thWorker).UserID
	if len(rows) != 2 || rows[0].Sheet != "vi" || rows[1].Sheet != "zh" || rows[0].ActorUserID != want {
		t.Fatalf("audited reads = %+v, want the vi and zh sheets read by %s", rows, want)
	}
}

var (
	// sheetKey is a sheet text the template uses: {{.S.Line "key"}}, {{$.S.Text "key"}}.
	sheetKey = regexp.MustCompile(`\.S\.(?:Line|Text) "([a-z0-9_.]+)"`)
	// anySheetCall is every call of the sheet, to catch a key the pattern above cannot read.
	anySheetCall = regexp.MustCompile(`\.S\.(?:Line|Text)\b[^)}]*`)
)

// TestConsentSheetKeys: the template and the handler use only keys the sheet files define in
// every language, and every key the files define is used.
func TestConsentSheetKeys(t *testing.T) {
	cat, err := sheets.Load()
	if err != nil {
		t.Fatal(err)
	}
	src, err := web.Files.ReadFile("templates/consent_sheet.html")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]string{}
	for _, m := range sheetKey.FindAllStringSubmatch(string(src), -1) {
		used[m[1]] = "consent_sheet.html"
	}
	for _, call := range anySheetCall.FindAllString(string(src), -1) {
		if !sheetKey.MatchString(call) {
			t.Errorf("consent_sheet.html: %q: a key this test cannot read", call)
		}
	}
	if len(used) < 20 {
		t.Fatalf("found only %d keys in the template; is the pattern right?", len(used))
	}
	// The keys the handler builds (consent_sheet.go).
	for _, p := range consent.Purposes {
		used["purpose."+string(p)+".name"], used["purpose."+string(p)+".text"] = "handler", "handler"
	}
	for _, a := range []consent.Answer{consent.AnswerGiven, consent.AnswerRefused} {
		used["answer."+string(a)] = "handler"
	}
	for _, m := range consent.Methods {
		used["method."+m] = "handler"
	}
	for _, k := range []string{"language.name", "who.text", "sign.person", "sign.guardian", "sign.interpreter", "sign.witness", "sign.staff"} {
		used[k] = "handler"
	}
	for key, where := range used {
		for _, lang := range sheets.Languages {
			if !cat.Has("consent", lang, key) {
				t.Errorf("sheet key %q (used in %s) is missing in consent.%s.toml", key, where, lang)
			}
		}
	}
	for _, key := range cat.Keys("consent", sheets.English) {
		if _, ok := used[key]; !ok {
			t.Errorf("sheet key %q is defined but never used", key)
		}
	}
	// The picker names each sheet language in the UI languages (keys built in consent_sheet.go).
	bundle, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range sheets.Languages {
		for _, ui := range locale.Supported {
			if !bundle.Has(ui, "consent_sheet.lang."+code) {
				t.Errorf("key consent_sheet.lang.%s is missing in %s", code, ui)
			}
		}
	}
}

// BenchmarkConsentSheet renders the sheet of a case over HTTP, in Burmese (the longest texts).
func BenchmarkConsentSheet(b *testing.B) {
	env := apptest.New(b)
	st, err := env.App.Stores.For("TH")
	if err != nil {
		b.Fatal(err)
	}
	var id string
	if err := st.DB.Raw(`SELECT id FROM cases WHERE owner_agency_id = ? ORDER BY id LIMIT 1`, env.Actor(b, thWorker).AgencyID).Scan(&id).Error; err != nil || id == "" {
		b.Fatalf("no TH case: %v", err)
	}
	worker := env.Login(b, thWorker)
	u := env.URL() + "/cases/" + id + "/consents/sheet?lang=my"
	one := func() error {
		res, err := worker.Get(u)
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", res.StatusCode)
		}
		return nil
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := one(); err != nil {
			b.Fatal(err)
		}
	}
	p95 := apptest.P95(b, 50, one)
	b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
}
