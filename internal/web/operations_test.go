package web_test

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"homeward/internal/apptest"
)

// thOperationID returns the id of the TH store's most recent demo operation.
func thOperationID(t *testing.T, env *apptest.Env) string {
	t.Helper()
	st, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatal(err)
	}
	var id string
	if err := st.DB.Raw(`SELECT id FROM operations ORDER BY operation_date DESC, id DESC LIMIT 1`).Scan(&id).Error; err != nil || id == "" {
		t.Fatalf("no TH operation: %v", err)
	}
	return id
}

// operationBody is the JSON of an operation.
type operationBody struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	OperationDate string `json:"operation_date"`
	LeadAgency    struct {
		ID, Slug, Kind, Name string
	} `json:"lead_agency"`
	District  string   `json:"district"`
	Alias     string   `json:"alias"`
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
	Notes     string   `json:"notes"`
	Version   int      `json:"version"`
	Persons   *[]struct {
		CaseID      string `json:"case_id"`
		Reference   string `json:"reference"`
		Stage       string `json:"stage"`
		Minor       bool   `json:"minor"`
		Nationality string `json:"nationality"`
		GivenName   string `json:"given_name"`
	} `json:"persons"`
	NextCursor *string `json:"next_cursor"`
}

// bangkokToday is today's date at the border (UTC+7).
func bangkokToday(days int) string {
	return time.Now().In(time.FixedZone("ICT", 7*60*60)).AddDate(0, 0, days).Format(time.DateOnly)
}

func operationJSONBody(t *testing.T, name, lead string) string {
	return mustJSON(t, map[string]any{"name": name, "operation_date": bangkokToday(-1), "lead_agency_slug": lead,
		"province": "Sa Kaeo", "district": "Khlong Luek", "compound": "Rose Garden compound", "alias": "RG",
		"latitude": 13.6811, "longitude": 102.5432, "notes": "Tip from a driver, see file 12."})
}

// createOperationAPI records an operation through the API and returns it.
func createOperationAPI(t *testing.T, env *apptest.Env, token, body string) operationBody {
	t.Helper()
	status, out := apptest.API(t, http.MethodPost, env.URL()+"/api/v1/operations", token, body)
	if status != http.StatusCreated {
		t.Fatalf("POST /api/v1/operations: %d, want 201: %s", status, out)
	}
	var op operationBody
	if err := json.Unmarshal([]byte(out), &op); err != nil {
		t.Fatalf("POST /api/v1/operations: %v: %s", err, out)
	}
	return op
}

func getOperationAPI(t *testing.T, env *apptest.Env, token, id string) operationBody {
	t.Helper()
	status, out := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/operations/"+id, token, "")
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/operations/%s: %d: %s", id, status, out)
	}
	var op operationBody
	if err := json.Unmarshal([]byte(out), &op); err != nil {
		t.Fatal(err)
	}
	return op
}

func TestOperationsAPI(t *testing.T) {
	env := apptest.New(t)
	base, tok := env.URL(), env.Token(t, thWorker)
	op := createOperationAPI(t, env, tok, operationJSONBody(t, "Operation Rose Dawn", "th-pct"))
	if op.ID == "" || op.LeadAgency.Slug != "th-pct" || op.Latitude == nil || *op.Latitude != 13.6811 ||
		op.Notes == "" || op.Version != 1 || op.District != "Khlong Luek" {
		t.Fatalf("created = %+v", op)
	}

	// Two persons come in from the operation: an adult and a minor.
	adult := intakeAPI(t, env, tok, mustJSON(t, map[string]any{"given_name": "Bopha", "sex": "female", "age_estimate": 30,
		"nationality": "KH", "operation_id": op.ID}))
	minor := intakeAPI(t, env, tok, mustJSON(t, map[string]any{"given_name": "Rith", "sex": "male", "age_estimate": 15,
		"nationality": "KH", "operation_id": op.ID}))

	got := getOperationAPI(t, env, tok, op.ID)
	if got.Persons == nil || len(*got.Persons) != 2 || got.NextCursor != nil {
		t.Fatalf("persons = %+v", got.Persons)
	}
	ps := *got.Persons
	if ps[0].CaseID != adult.Case.ID || ps[0].Minor || ps[1].CaseID != minor.Case.ID || !ps[1].Minor ||
		ps[1].GivenName != "Rith" || ps[1].Stage != "reception" || ps[1].Reference != minor.Case.Reference {
		t.Fatalf("persons = %+v", ps)
	}
	status, out := apptest.API(t, http.MethodGet, base+"/api/v1/operations/"+op.ID+"?limit=1", tok, "")
	if status != http.StatusOK || !strings.Contains(out, `"next_cursor":"`) {
		t.Fatalf("persons page of 1: %d %s", status, out)
	}

	// The list: newest first, with the count of the caller's persons.
	status, out = apptest.API(t, http.MethodGet, base+"/api/v1/operations?limit=2", tok, "")
	var list struct {
		Items []struct {
			ID      string `json:"id"`
			Persons *int   `json:"persons"`
		} `json:"items"`
		NextCursor *string `json:"next_cursor"`
	}
	if err := json.Unmarshal([]byte(out), &list); status != http.StatusOK || err != nil {
		t.Fatalf("list: %d %v %s", status, err, out)
	}
	if len(list.Items) != 2 || list.Items[0].ID != op.ID || *list.Items[0].Persons != 2 || list.NextCursor == nil {
		t.Fatalf("list = %s", out)
	}
	status, out = apptest.API(t, http.MethodGet, base+"/api/v1/operations?cursor="+url.QueryEscape(*list.NextCursor), tok, "")
	if status != http.StatusOK || strings.Contains(out, op.ID) || !strings.Contains(out, `"next_cursor":null`) {
		t.Fatalf("second page: %d %s", status, out)
	}
}

// TestOperationsRefusedOverHTTP: another store and roles without the section find nothing, with the
// very body of an operation that never existed; another agency of the store sees the operation but
// only the persons of its own cases.
func TestOperationsRefusedOverHTTP(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	wtok := env.Token(t, thWorker)
	op := createOperationAPI(t, env, wtok, operationJSONBody(t, "Operation Quiet River", "th-msdhs-sakaeo"))
	mine := intakeAPI(t, env, wtok, mustJSON(t, map[string]any{"given_name": "Chenda", "sex": "female", "age_estimate": 22,
		"nationality": "KH", "operation_id": op.ID}))

	for _, who := range []string{khWorker, thAuditor, thAnalyst, thAdmin, thEmbassy, ngoWorker} {
		t.Run(who, func(t *testing.T) {
			tok := env.Token(t, who)
			_, generic := apptest.API(t, http.MethodGet, base+"/api/v1/operations/"+noSuchCaseID, tok, "")
			status, body := apptest.API(t, http.MethodGet, base+"/api/v1/operations/"+op.ID, tok, "")
			if status != http.StatusNotFound || withoutRequestID(body) != withoutRequestID(generic) || decodeError(t, body).Error.Code != "not_found" {
				t.Errorf("GET: %d %s, want 404 %s", status, body, generic)
			}
			status, body = apptest.API(t, http.MethodGet, base+"/api/v1/operations", tok, "")
			if who == khWorker {
				if status != http.StatusOK || strings.Contains(body, op.ID) || strings.Contains(body, "Quiet River") {
					t.Errorf("KH list: %d %s", status, body)
				}
			} else if status != http.StatusNotFound {
				t.Errorf("list: %d %s, want 404", status, body)
			}
			if who != khWorker {
				status, body = apptest.API(t, http.MethodPost, base+"/api/v1/operations", tok, operationJSONBody(t, "X", "th-pct"))
				if status != http.StatusNotFound {
					t.Errorf("create: %d %s, want 404", status, body)
				}
			}
			c := env.Login(t, who)
			if status, page := apptest.Get(t, c, base+"/operations/"+op.ID); status != http.StatusNotFound || strings.Contains(page, "Quiet River") {
				t.Errorf("page: %d %s", status, excerpt(page))
			}
		})
	}

	// The police of the same store see the operation, not the welfare agency's person.
	got := getOperationAPI(t, env, env.Token(t, thPolice), op.ID)
	if got.Name != "Operation Quiet River" || got.Persons == nil || len(*got.Persons) != 0 {
		t.Fatalf("police view = %+v", got)
	}
	c := env.Login(t, thPolice)
	status, page := apptest.Get(t, c, base+"/operations/"+op.ID)
	if status != http.StatusOK || strings.Contains(page, mine.Case.ID) || strings.Contains(page, "Chenda") ||
		!strings.Contains(page, message(t, page, "operation.persons_empty")) {
		t.Fatalf("police page: %d %s", status, excerpt(page))
	}
}

func TestOperationsBadInputAPI(t *testing.T) {
	env := apptest.New(t)
	url, tok := env.URL()+"/api/v1/operations", env.Token(t, thWorker)
	valid := func(change func(m map[string]any)) string {
		m := map[string]any{"name": "Operation Test", "operation_date": bangkokToday(-1), "lead_agency_slug": "th-pct"}
		change(m)
		return mustJSON(t, m)
	}
	for _, tc := range []struct {
		name, body string
		status     int
		field, key string
	}{
		{"malformed", `{"name": `, http.StatusBadRequest, "", ""},
		{"unknown field", `{"name": "A", "colour": "red"}`, http.StatusBadRequest, "", ""},
		{"latitude as text", valid(func(m map[string]any) { m["latitude"] = "north" }), http.StatusBadRequest, "", ""},
		{"trailing data", valid(func(map[string]any) {}) + "{}", http.StatusBadRequest, "", ""},
		{"empty", `{}`, http.StatusUnprocessableEntity, "name", "form.error.required"},
		{"future", valid(func(m map[string]any) { m["operation_date"] = bangkokToday(2) }), http.StatusUnprocessableEntity,
			"operation_date", "operation.error.date_future"},
		{"bad date", valid(func(m map[string]any) { m["operation_date"] = "2025-02-30" }), http.StatusUnprocessableEntity,
			"operation_date", "form.error.date"},
		{"KH lead", valid(func(m map[string]any) { m["lead_agency_slug"] = "kh-mosvy-poipet" }), http.StatusUnprocessableEntity,
			"lead_agency_id", "operation.error.lead_agency"},
		{"embassy lead", valid(func(m map[string]any) { m["lead_agency_slug"] = "th-embassy-pnh" }), http.StatusUnprocessableEntity,
			"lead_agency_id", "operation.error.lead_agency"},
		{"one coordinate", valid(func(m map[string]any) { m["latitude"] = 13.7 }), http.StatusUnprocessableEntity,
			"longitude", "operation.error.coordinates_pair"},
		{"longitude range", valid(func(m map[string]any) { m["latitude"], m["longitude"] = 13.7, 200 }), http.StatusUnprocessableEntity,
			"longitude", "operation.error.longitude"},
		{"long name", valid(func(m map[string]any) { m["name"] = strings.Repeat("ន", 201) }), http.StatusUnprocessableEntity,
			"name", "form.error.too_long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := apptest.API(t, http.MethodPost, url, tok, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			if e := decodeError(t, body); tc.field != "" && e.Error.Fields[tc.field] != tc.key {
				t.Errorf("fields %v, want %s: %s", e.Error.Fields, tc.field, tc.key)
			}
		})
	}
	if status, body := apptest.API(t, http.MethodGet, url+"?cursor=bogus", tok, ""); status != http.StatusUnprocessableEntity {
		t.Errorf("bad cursor: %d %s", status, body)
	}
	if status, body := apptest.API(t, http.MethodGet, url+"/not-a-uuid", tok, ""); status != http.StatusNotFound {
		t.Errorf("bad id: %d %s", status, body)
	}
	var n int64
	st, _ := env.App.Stores.For("TH")
	st.DB.Raw(`SELECT count(*) FROM operations`).Scan(&n)
	if n != 2 {
		t.Errorf("%d operations after refused input, want the 2 demo ones", n)
	}
}

func TestOperationPages(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	c := env.Login(t, thWorker)

	status, page := apptest.Get(t, c, base+"/operations")
	if status != http.StatusOK || !strings.Contains(page, "Operation Morning Star") || !strings.Contains(page, `href="/operations/new"`) ||
		!strings.Contains(page, `href="/operations"`) {
		t.Fatalf("list page: %d %s", status, excerpt(page))
	}
	if i, j := strings.Index(page, "Operation Morning Star"), strings.Index(page, "Operation Eastern Gate"); i < 0 || j < i {
		t.Errorf("list not newest first")
	}
	if status, page := apptest.Get(t, c, base+"/operations?cursor=zzz"); status != http.StatusOK || !strings.Contains(page, "Morning Star") {
		t.Errorf("stale cursor: %d", status)
	}

	// Invalid input: 422, the input kept, each problem shown, nothing saved.
	form := url.Values{"name": {"Operation ราตรี"}, "operation_date": {bangkokToday(3)}, "lead_agency_id": {""},
		"province": {"Sa Kaeo"}, "latitude": {"abc"}, "longitude": {"102.5"}, "notes": {"Informant: Mr. K"}}
	res := apptest.PostForm(t, c, base+"/operations/new", base+"/operations", form)
	body := readOperationBody(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid POST: %d %s", res.StatusCode, excerpt(body))
	}
	for _, want := range []string{"Operation ราตรี", "Informant: Mr. K", `value="abc"`, `value="102.5"`,
		message(t, body, "operation.error.date_future"), message(t, body, "form.error.required"),
		message(t, body, "operation.error.latitude")} {
		if !strings.Contains(body, want) {
			t.Errorf("re-rendered form lacks %q", want)
		}
	}

	// Valid input: 303 to the new operation, which shows the notes, and the minor it brought in.
	form.Set("operation_date", bangkokToday(0))
	form.Set("lead_agency_id", env.Actor(t, thWorker).AgencyID)
	form.Set("latitude", "13,6811")
	res = apptest.PostForm(t, c, base+"/operations/new", base+"/operations", form)
	readOperationBody(t, res)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/operations/") {
		t.Fatalf("valid POST: %d Location %q", res.StatusCode, loc)
	}
	id := strings.TrimPrefix(loc, "/operations/")
	minor := intakeAPI(t, env, env.Token(t, thWorker), mustJSON(t, map[string]any{"given_name": "Sreyneang", "sex": "female",
		"age_estimate": 14, "nationality": "KH", "operation_id": id}))
	status, page = apptest.Get(t, c, base+loc)
	if status != http.StatusOK {
		t.Fatalf("view: %d %s", status, excerpt(page))
	}
	for _, want := range []string{"Operation ราตรี", "Informant: Mr. K", "13.681100, 102.500000", `href="/cases/` + minor.Case.ID + `"`,
		"Sreyneang", `badge-minor`} {
		if !strings.Contains(html.UnescapeString(page), want) {
			t.Errorf("view lacks %q", want)
		}
	}
}

// TestOperationsNav: the nav shows Operations to those who may read them, and only to them.
func TestOperationsNav(t *testing.T) {
	env := apptest.New(t)
	for _, tc := range []struct {
		email string
		want  bool
	}{{thWorker, true}, {thPolice, true}, {thAuditor, false}, {thEmbassy, false}} {
		_, page := apptest.Get(t, env.Login(t, tc.email), env.URL()+"/settings")
		if got := strings.Contains(page, `href="/operations"`); got != tc.want {
			t.Errorf("%s: nav has Operations = %v, want %v", tc.email, got, tc.want)
		}
	}
	// The lead-agency choices are the country's police and social-welfare agencies only.
	_, page := apptest.Get(t, env.Login(t, thWorker), env.URL()+"/operations/new")
	for slug, want := range map[string]bool{"th-pct": true, "th-msdhs-sakaeo": true, "kh-cnp-aht": false, "th-embassy-pnh": false} {
		ag, err := env.App.Directory.AgencyBySlug(t.Context(), slug)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(page, `value="`+ag.ID+`"`); got != want {
			t.Errorf("form offers %s = %v, want %v", slug, got, want)
		}
	}
	if !strings.Contains(page, `selected>`) {
		t.Errorf("form preselects no lead agency")
	}
}

func readOperationBody(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
