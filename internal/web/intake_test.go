package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/locale"
)

// postIntakePage posts a form from the intake page and returns status, Location and body.
func postIntakePage(t *testing.T, c *http.Client, from, to string, form url.Values) (int, string, string) {
	t.Helper()
	res := apptest.PostForm(t, c, from, to, form)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(b)
}

// intakeFormValues is a valid intake form.
func intakeFormValues(given, family, doc string) url.Values {
	return url.Values{"given_name": {given}, "family_name": {family}, "sex": {"female"}, "age_estimate": {"29"},
		"nationality": {"KH"}, "document_number": {doc}}
}

// intakePersonCount counts the persons of the TH store with this given name.
func intakePersonCount(t *testing.T, env *apptest.Env, given string) int {
	t.Helper()
	st, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := st.DB.Raw(`SELECT count(*) FROM persons WHERE given_name = ?`, given).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIntakeFormAsksAboutDuplicates(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	existing := intakeAPI(t, env, env.Token(t, thWorker), mustJSON(t, map[string]any{"given_name": "Chanthavy", "family_name": "Duplicatetest",
		"sex": "female", "age_estimate": 30, "nationality": "KH", "document_number": "AB 123-456"}))
	hidden := intakeAPI(t, env, env.Token(t, thPolice), mustJSON(t, map[string]any{"given_name": "Hiddenperson", "family_name": "Policecase",
		"sex": "male", "age_estimate": 30, "nationality": "KH", "document_number": "PP-555-000"}))
	c := env.Login(t, thWorker)

	// A different name but the same document, formatted otherwise: the form asks, nothing is saved.
	form := intakeFormValues("Sreyneang", "Othername", "ab123456")
	form.Set("aliases", "Neang")
	status, _, page := postIntakePage(t, c, base+"/cases/new", base+"/cases", form)
	if status != http.StatusOK || !strings.Contains(page, `id="duplicates"`) {
		t.Fatalf("status %d, want 200 with the duplicates: %s", status, excerpt(page))
	}
	for _, want := range []string{`href="/cases/` + existing.Case.ID + `"`, existing.Case.Reference, "Chanthavy Duplicatetest",
		`name="link_person_id" value="` + existing.Person.ID + `"`, `name="confirm_new" value="on"`,
		message(t, page, "intake.dup.reason_document"), `id="given_name" name="given_name" value="Sreyneang"`, ">Neang</textarea>"} {
		if !strings.Contains(page, want) {
			t.Errorf("duplicates page lacks %s", want)
		}
	}
	if n := intakePersonCount(t, env, "Sreyneang"); n != 0 {
		t.Fatalf("%d persons saved before the worker answered", n)
	}

	// "This is a new person" registers it.
	form.Set("confirm_new", "on")
	status, loc, page := postIntakePage(t, c, base+"/cases/new", base+"/cases", form)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/cases/") {
		t.Fatalf("confirm new: %d %q %s", status, loc, excerpt(page))
	}
	if n := intakePersonCount(t, env, "Sreyneang"); n != 1 {
		t.Fatalf("confirm new saved %d persons", n)
	}

	// "Same person" opens a case for the existing person: here the agency's own open case.
	form.Del("confirm_new")
	form.Set("link_person_id", existing.Person.ID)
	status, loc, _ = postIntakePage(t, c, base+"/cases/new", base+"/cases", form)
	if status != http.StatusSeeOther || loc != "/cases/"+existing.Case.ID {
		t.Fatalf("link: %d %q, want 303 to the existing case", status, loc)
	}

	// A match the worker may not see: reported without name, case or link.
	status, _, page = postIntakePage(t, c, base+"/cases/new", base+"/cases", intakeFormValues("Unrelatedname", "Nomatch", "pp 555 000"))
	if status != http.StatusOK || !strings.Contains(page, message(t, page, "intake.dup.hidden")) {
		t.Fatalf("hidden duplicate: %d %s", status, excerpt(page))
	}
	for _, leak := range []string{"Hiddenperson", "Policecase", hidden.Case.ID, hidden.Case.Reference, `value="` + hidden.Person.ID + `"`} {
		if strings.Contains(page, leak) {
			t.Errorf("the page reveals %q of a case the worker may not see", leak)
		}
	}
	// Linking to that person anyway is not found.
	res := apptest.PostForm(t, c, base+"/cases/new", base+"/cases", url.Values{"link_person_id": {hidden.Person.ID}})
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("link to a hidden person: %d, want 404", res.StatusCode)
	}
}

func TestIntakeDetailsOnTheCase(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	c := env.Login(t, thWorker)
	nfd := norm.NFD.String("Tiến Dũng")
	form := url.Values{"given_name": {"Phạm"}, "family_name": {"Detailstest"}, "sex": {"male"}, "birth_date": {"2011-02-03"},
		"nationality": {"VN"}, "aliases": {nfd + "\n\nទីន ឌុង\n  "}, "doc_held_passport": {"on"}, "doc_number_passport": {"C 1234-567"},
		"doc_held_work_permit": {"on"}, "doc_missing_national_id": {"on"}, "urgent_needs": {"Needs insulin twice a day"}, "confirm_new": {"on"}}
	status, loc, page := postIntakePage(t, c, base+"/cases/new", base+"/cases", form)
	if status != http.StatusSeeOther {
		t.Fatalf("intake: %d %s", status, excerpt(page))
	}
	_, page = apptest.Get(t, c, base+loc)
	for _, want := range []string{norm.NFC.String("Tiến Dũng") + ", ទីន ឌុង", message(t, page, "intake.doc.passport") + ":",
		"C 1234-567", message(t, page, "intake.doc.national_id"), message(t, page, "intake.document_missing"),
		"Needs insulin twice a day", `class="badge badge-minor"`} {
		if !strings.Contains(page, want) {
			t.Errorf("case page lacks %q", want)
		}
	}
	caseID := strings.TrimPrefix(loc, "/cases/")
	st, _ := env.App.Stores.For("TH")
	var enc []byte
	if err := st.DB.Raw(`SELECT p.urgent_needs_enc FROM persons p JOIN cases c ON c.person_id = p.id WHERE c.id = ?`, caseID).Row().Scan(&enc); err != nil {
		t.Fatal(err)
	}
	if len(enc) == 0 || strings.Contains(string(enc), "insulin") {
		t.Errorf("urgent needs not sealed at rest: %q", enc)
	}
	status, body := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+caseID, env.Token(t, thWorker), "")
	var got struct {
		Minor    bool `json:"minor"`
		Identity struct {
			Aliases          []string             `json:"aliases"`
			DocumentsHeld    []cases.HeldDocument `json:"documents_held"`
			DocumentsMissing []string             `json:"documents_missing"`
			UrgentNeeds      string               `json:"urgent_needs"`
		} `json:"identity"`
	}
	if err := json.Unmarshal([]byte(body), &got); status != http.StatusOK || err != nil {
		t.Fatalf("GET /api/v1/cases/{id}: %d %v", status, err)
	}
	if !got.Minor || len(got.Identity.Aliases) != 2 || len(got.Identity.DocumentsHeld) != 2 ||
		got.Identity.DocumentsHeld[0] != (cases.HeldDocument{Kind: "passport", Number: "C 1234-567"}) ||
		len(got.Identity.DocumentsMissing) != 1 || got.Identity.UrgentNeeds != "Needs insulin twice a day" {
		t.Errorf("API identity = %+v", got)
	}
}

// TestUrgentNeedsHiddenFromInvestigators: the police register a person with urgent needs; the
// investigator sees that some were recorded, not what they are.
func TestUrgentNeedsHiddenFromInvestigators(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	tok := env.Token(t, thPolice)
	cr := intakeAPI(t, env, tok, mustJSON(t, map[string]any{"given_name": "Policeintake", "sex": "male", "age_estimate": 25,
		"nationality": "KH", "urgent_needs": "Broken arm, HIV medication"}))
	_, page := apptest.Get(t, env.Login(t, thPolice), base+"/cases/"+cr.Case.ID)
	if strings.Contains(page, "HIV") || !strings.Contains(page, message(t, page, "intake.urgent_needs_restricted")) {
		t.Errorf("investigator's case page: %s", excerpt(page))
	}
	status, body := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+cr.Case.ID, tok, "")
	if status != http.StatusOK || strings.Contains(body, "HIV") || !strings.Contains(body, `"has_urgent_needs":true`) {
		t.Errorf("investigator's API case: %d %s", status, body)
	}
}

func TestIntakeFormBadDetails(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	c := env.Login(t, thWorker)
	form := intakeFormValues("Badinput", "Detailstest", "")
	form.Set("age_estimate", "about thirty")
	form.Set("birth_date", "1990-01-01")
	form.Set("doc_held_passport", "on")
	form.Set("doc_missing_passport", "on")
	form.Set("urgent_needs", strings.Repeat("x", 2001))
	form.Set("confirm_new", "on")
	status, _, page := postIntakePage(t, c, base+"/cases/new", base+"/cases", form)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422: %s", status, excerpt(page))
	}
	for _, key := range []string{"form.error.number", "intake.error.document_held_and_missing", "form.error.too_long"} {
		if !strings.Contains(page, message(t, page, key)) {
			t.Errorf("page lacks the message %s", key)
		}
	}
	for _, kept := range []string{`id="doc_held_passport" name="doc_held_passport" type="checkbox" checked`,
		`id="doc_missing_passport" name="doc_missing_passport" type="checkbox" checked`, `value="about thirty"`} {
		if !strings.Contains(page, kept) {
			t.Errorf("page lost %s", kept)
		}
	}
	// The unreadable age refuses the whole form, even though the birth date alone would do.
	if n := intakePersonCount(t, env, "Badinput"); n != 0 {
		t.Errorf("%d persons saved from an invalid form", n)
	}
}

func TestAPIIntakeDuplicates(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	tok := env.Token(t, thWorker)
	body := mustJSON(t, map[string]any{"given_name": "Apiduplicate", "family_name": "Testperson", "sex": "female",
		"age_estimate": 33, "nationality": "KH", "document_number": "DUP 0001", "aliases": []string{"Kanha"},
		"documents_held": []map[string]string{{"kind": "passport", "number": "DUP-0002"}}, "documents_missing": []string{"birth_certificate"}})
	type dupBody struct {
		PossibleDuplicates []map[string]any `json:"possible_duplicates"`
	}
	post := func(t *testing.T, url, body string, want int) dupBody {
		t.Helper()
		status, out := apptest.API(t, http.MethodPost, url, tok, body)
		if status != want {
			t.Fatalf("POST %s: %d, want %d: %s", url, status, want, out)
		}
		var d dupBody
		if err := json.Unmarshal([]byte(out), &d); err != nil || d.PossibleDuplicates == nil {
			t.Fatalf("no possible_duplicates list: %v %s", err, out)
		}
		return d
	}
	first := post(t, base+"/api/v1/persons", body, http.StatusCreated)
	if len(first.PossibleDuplicates) != 0 {
		t.Errorf("first intake: %v", first.PossibleDuplicates)
	}
	status, out := apptest.API(t, http.MethodGet, base+"/api/v1/cases?q=Apiduplicate", tok, "")
	if status != http.StatusOK {
		t.Fatal(out)
	}
	var list struct {
		Items []struct {
			PersonID string `json:"person_id"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Items) != 1 {
		t.Fatalf("list: %v %s", err, out)
	}
	// A look-up with only the held passport's number finds the person and saves nothing.
	probe := mustJSON(t, map[string]any{"given_name": "Someone", "sex": "male", "age_estimate": 50, "nationality": "TH",
		"documents_held": []map[string]string{{"kind": "other", "number": "dup0002"}}})
	d := post(t, base+"/api/v1/persons/duplicates", probe, http.StatusOK)
	if len(d.PossibleDuplicates) != 1 || d.PossibleDuplicates[0]["person_id"] != list.Items[0].PersonID ||
		d.PossibleDuplicates[0]["reason"] != "document" || d.PossibleDuplicates[0]["visible"] != true {
		t.Errorf("look-up: %v", d.PossibleDuplicates)
	}
	second := post(t, base+"/api/v1/persons", body, http.StatusCreated)
	if len(second.PossibleDuplicates) != 1 || second.PossibleDuplicates[0]["person_id"] != list.Items[0].PersonID {
		t.Errorf("second intake: %v", second.PossibleDuplicates)
	}
	// Another agency's worker learns the person id and the reason, nothing else.
	police := env.Token(t, thPolice)
	status, out = apptest.API(t, http.MethodPost, base+"/api/v1/persons/duplicates", police, body)
	if status != http.StatusOK || !strings.Contains(out, `"visible":false`) || strings.Contains(out, "cases") || strings.Contains(out, "Testperson") {
		t.Errorf("police look-up: %d %s", status, out)
	}

	// Bad input.
	for name, tc := range map[string]struct {
		body   string
		status int
		field  string
	}{
		"unknown document kind": {strings.Replace(body, `"birth_certificate"`, `"visa"`, 1), 422, "documents_missing"},
		"held and missing":      {strings.Replace(body, `"birth_certificate"`, `"passport"`, 1), 422, "documents_missing"},
		"documents as strings":  {strings.Replace(body, `[{"kind":"passport","number":"DUP-0002"}]`, `["passport"]`, 1), 400, ""},
		"too many aliases":      {strings.Replace(body, `["Kanha"]`, `["a","b","c","d","e","f","g","h","i","j","k"]`, 1), 422, "aliases"},
	} {
		t.Run(name, func(t *testing.T) {
			for _, u := range []string{"/api/v1/persons", "/api/v1/persons/duplicates"} {
				status, out := apptest.API(t, http.MethodPost, base+u, tok, tc.body)
				if status != tc.status {
					t.Fatalf("POST %s: %d, want %d: %s", u, status, tc.status, out)
				}
				if tc.field != "" && decodeError(t, out).Error.Fields[tc.field] == "" {
					t.Errorf("POST %s: no message for %s: %s", u, tc.field, out)
				}
			}
		})
	}
}

func TestMergeOverHTTP(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	worker := env.Token(t, thWorker)
	kept := intakeAPI(t, env, worker, intakeJSON(t, "Mergekept", "Httptest", "KH"))
	merged := intakeAPI(t, env, worker, intakeJSON(t, "Mergegone", "Httptest", "KH"))
	other := intakeAPI(t, env, worker, intakeJSON(t, "Mergeapi", "Httptest", "KH"))
	sup := env.Login(t, thSupervisor)
	caseURL := base + "/cases/" + merged.Case.ID

	// Refusals: a caseworker, the other store's supervisor: not found.
	for _, email := range []string{thWorker, "supervisor@kh-mosvy-poipet.demo"} {
		c := env.Login(t, email)
		res := apptest.PostForm(t, c, base+"/settings", caseURL+"/merge",
			url.Values{"into": {kept.Case.Reference}, "reason": {"r"}, "version": {"1"}})
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", email, res.StatusCode)
		}
	}
	// Invalid and stale: the case page again, with the message and the typed input.
	status, _, page := postIntakePage(t, sup, caseURL, caseURL+"/merge", url.Values{"into": {"TH-0000-000000"}, "reason": {"typed reason"}, "version": {"1"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, message(t, page, "intake.error.merge_into_unknown")) ||
		!strings.Contains(page, ">typed reason</textarea>") || !strings.Contains(page, `value="TH-0000-000000"`) {
		t.Errorf("invalid merge: %d %s", status, excerpt(page))
	}
	status, _, page = postIntakePage(t, sup, caseURL, caseURL+"/merge", url.Values{"into": {kept.Case.Reference}, "reason": {"r"}, "version": {"9"}})
	if status != http.StatusConflict || !strings.Contains(page, message(t, page, "error.conflict")) {
		t.Errorf("stale merge: %d %s", status, excerpt(page))
	}
	// The merge: the case now shows the kept person, with the merged name as an alias.
	status, loc, page := postIntakePage(t, sup, caseURL, caseURL+"/merge", url.Values{"into": {kept.Case.Reference}, "reason": {"same face"}, "version": {"1"}})
	if status != http.StatusSeeOther || loc != "/cases/"+merged.Case.ID {
		t.Fatalf("merge: %d %q %s", status, loc, excerpt(page))
	}
	_, page = apptest.Get(t, sup, caseURL)
	if !strings.Contains(page, "Mergekept Httptest") || !strings.Contains(page, "Mergegone Httptest") {
		t.Errorf("merged case page: %s", excerpt(page))
	}

	// The API.
	api := base + "/api/v1/persons/" + other.Person.ID + "/merge"
	supTok := env.Token(t, thSupervisor)
	if status, out := apptest.API(t, http.MethodPost, api, worker, mustJSON(t, map[string]string{"into": kept.Person.ID, "reason": "r"})); status != http.StatusNotFound {
		t.Errorf("caseworker API merge: %d %s", status, out)
	}
	if status, out := apptest.API(t, http.MethodPost, api, supTok, `{"into": 7}`); status != http.StatusBadRequest {
		t.Errorf("bad JSON: %d %s", status, out)
	}
	if status, out := apptest.API(t, http.MethodPost, api, supTok, mustJSON(t, map[string]string{"into": other.Person.ID, "reason": "r"})); status != http.StatusUnprocessableEntity ||
		decodeError(t, out).Error.Fields["into"] != "intake.error.merge_same" {
		t.Errorf("merge into itself: %d %s", status, out)
	}
	status, out := apptest.API(t, http.MethodPost, api, supTok, mustJSON(t, map[string]string{"into": kept.Person.ID, "reason": "same person"}))
	var res cases.MergeResult
	if err := json.Unmarshal([]byte(out), &res); status != http.StatusOK || err != nil || res.KeptPersonID != kept.Person.ID ||
		len(res.MovedCaseIDs) != 1 || res.MovedCaseIDs[0] != other.Case.ID {
		t.Errorf("API merge: %d %s", status, out)
	}
}

func TestLinkCaseAPI(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	police := intakeAPI(t, env, env.Token(t, thPolice), intakeJSON(t, "Linkapi", "Policecase", "KH"))
	worker := env.Token(t, thWorker)
	u := base + "/api/v1/persons/" + police.Person.ID + "/cases"
	if status, out := apptest.API(t, http.MethodPost, u, worker, ""); status != http.StatusNotFound {
		t.Fatalf("link to a person the worker may not see: %d %s", status, out)
	}
	a := env.Actor(t, thWorker)
	st, _ := env.App.Stores.For("TH")
	if err := st.DB.Exec(`INSERT INTO case_team (case_id, agency_id) VALUES (?, ?)`, police.Case.ID, a.AgencyID).Error; err != nil {
		t.Fatal(err)
	}
	status, out := apptest.API(t, http.MethodPost, u, worker, "")
	if status != http.StatusCreated || !strings.Contains(out, `"person_id":"`+police.Person.ID+`"`) {
		t.Fatalf("link: %d %s", status, out)
	}
	if status, out = apptest.API(t, http.MethodPost, u, worker, "{}"); status != http.StatusOK || !strings.Contains(out, `"created":false`) {
		t.Errorf("link again: %d %s", status, out)
	}
	v, err := env.App.Cases.List(context.Background(), a, cases.ListQuery{Q: "Linkapi"})
	if err != nil || len(v.Items) != 2 {
		t.Errorf("the worker now sees %d cases of the person, want 2 (the police case and its own): %v", len(v.Items), err)
	}
}

// TestIntakeMessagesExist checks the message keys built from the document kinds, which the key
// tests cannot see.
func TestIntakeMessagesExist(t *testing.T) {
	bundle, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range cases.DocumentKinds {
		for _, lang := range locale.Supported {
			if !bundle.Has(lang, "intake.doc."+kind) {
				t.Errorf("intake.doc.%s missing in %s", kind, lang)
			}
		}
	}
}
