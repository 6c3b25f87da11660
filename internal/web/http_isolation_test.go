package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"homeward/internal/apptest"
)

// TestCaseIsolationOverHTTP checks that a case is not found — with the very body of a case that
// never existed — for everyone outside its owner agency: another store, another agency of the same
// store, a role without the section, and the agencies without a store.
func TestCaseIsolationOverHTTP(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()

	const thGiven, thFamily = "Sophearith", "Vannaktest"
	th := intakeAPI(t, env, env.Token(t, thWorker), intakeJSON(t, thGiven, thFamily, "KH"))
	if th.Person.ID == "" || th.Case.ID == "" || th.Case.Stage != "reception" || th.Case.PersonID != th.Person.ID {
		t.Fatalf("intake body = %+v, want person.id, case.id, case.stage reception", th)
	}
	const khGiven, khFamily = "Somchai", "Kaewkhtest"
	kh := intakeAPI(t, env, env.Token(t, khWorker), intakeJSON(t, khGiven, khFamily, "TH"))

	// The owner sees the case, on the API and the page: the refusals below are about the caller.
	if status, body := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+th.Case.ID, env.Token(t, thWorker), ""); status != http.StatusOK || !strings.Contains(body, thGiven) {
		t.Fatalf("owner GET /api/v1/cases/{id} = %d %s", status, excerpt(body))
	}
	if status, body := apptest.Get(t, env.Login(t, thWorker), base+"/cases/"+th.Case.ID); status != http.StatusOK || !strings.Contains(body, thGiven) {
		t.Fatalf("owner GET /cases/{id} = %d %s", status, excerpt(body))
	}

	tests := []struct {
		name, viewer string
		c            created
		names        []string
	}{
		{"KH caseworker, TH case", khWorker, th, []string{thGiven, thFamily}},
		{"TH police, another agency of the store", thPolice, th, []string{thGiven, thFamily}},
		{"TH auditor, role without the section", thAuditor, th, []string{thGiven, thFamily}},
		{"embassy officer, no store", thEmbassy, th, []string{thGiven, thFamily}},
		{"NGO worker, no store", ngoWorker, th, []string{thGiven, thFamily}},
		{"TH caseworker, KH case", thWorker, kh, []string{khGiven, khFamily}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := tt.c.Case.ID
			leaks := append([]string{id, tt.c.Person.ID, tt.c.Case.Reference}, tt.names...)

			tok := env.Token(t, tt.viewer)
			_, generic := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+noSuchCaseID, tok, "")
			status, body := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+id, tok, "")
			if status != http.StatusNotFound || decodeError(t, body).Error.Code != "not_found" {
				t.Errorf("API: %d %s, want 404 not_found", status, body)
			}
			if withoutRequestID(body) != withoutRequestID(generic) {
				t.Errorf("API body differs from a case that never existed:\n got %s\nwant %s", body, generic)
			}
			for _, s := range leaks {
				if strings.Contains(body, s) {
					t.Errorf("API body reveals %q: %s", s, body)
				}
			}

			// The page: the same 404 page as for a case that never existed. It echoes only the
			// requested path (the language switcher's return address), which the caller typed.
			c := env.Login(t, tt.viewer)
			_, genericPage := apptest.Get(t, c, base+"/cases/"+noSuchCaseID)
			status, page := apptest.Get(t, c, base+"/cases/"+id)
			if status != http.StatusNotFound {
				t.Errorf("page: status %d, want 404: %s", status, excerpt(page))
			}
			if want := message(t, page, "error.not_found.body"); !strings.Contains(page, want) {
				t.Errorf("page lacks the not-found message %q", want)
			}
			echoed := `name="next" value="/cases/` + id + `"`
			stripped := strings.Replace(page, echoed, `name="next" value="/cases/ID"`, 1)
			if d := cmp.Diff(withoutRequestID(strings.Replace(genericPage, noSuchCaseID, "ID", 1)), withoutRequestID(stripped)); d != "" {
				t.Errorf("page differs from a case that never existed (-never +hidden):\n%s", d)
			}
			for _, s := range leaks {
				if strings.Contains(stripped, s) {
					t.Errorf("page reveals %q", s)
				}
			}
		})
	}

	t.Run("KH list holds no TH case", func(t *testing.T) {
		st, err := env.App.Stores.For("TH")
		if err != nil {
			t.Fatal(err)
		}
		var thIDs []string
		if err := st.DB.Raw(`SELECT id::text FROM cases`).Scan(&thIDs).Error; err != nil {
			t.Fatal(err)
		}
		isTH := map[string]bool{}
		for _, id := range thIDs {
			isTH[id] = true
		}
		if !isTH[th.Case.ID] {
			t.Fatalf("TH store does not hold the new case")
		}
		tok, n := env.Token(t, khWorker), 0
		for cursor, pages := "", 0; ; pages++ {
			if pages > 50 {
				t.Fatal("case list does not end")
			}
			q := url.Values{"limit": {"200"}, "cursor": {cursor}}
			status, body := apptest.API(t, http.MethodGet, base+"/api/v1/cases?"+q.Encode(), tok, "")
			if status != http.StatusOK {
				t.Fatalf("GET /api/v1/cases: %d %s", status, body)
			}
			var list struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
				NextCursor *string `json:"next_cursor"`
			}
			if err := json.Unmarshal([]byte(body), &list); err != nil {
				t.Fatal(err)
			}
			for _, it := range list.Items {
				n++
				if isTH[it.ID] {
					t.Errorf("KH caseworker lists TH case %s", it.ID)
				}
			}
			if list.NextCursor == nil {
				break
			}
			cursor = *list.NextCursor
		}
		if n == 0 {
			t.Error("KH caseworker lists no case at all")
		}
		// Searching for the TH person by name finds nothing either.
		status, body := apptest.API(t, http.MethodGet, base+"/api/v1/cases?q="+thFamily, tok, "")
		if status != http.StatusOK || !strings.Contains(body, `"items":[]`) {
			t.Errorf("KH search for a TH name = %d %s, want no items", status, body)
		}
	})
}

// TestMe checks GET /api/v1/me for a store agency and an agency without a store.
func TestMe(t *testing.T) {
	env := apptest.New(t)
	th := "TH"
	tests := []struct {
		email, slug, kind string
		country           *string
		roles             []string
	}{
		{thWorker, "th-msdhs-sakaeo", "social_welfare", &th, []string{"caseworker"}},
		{thEmbassy, "th-embassy-pnh", "embassy", nil, []string{"embassy_officer"}},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			status, body := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/me", env.Token(t, tt.email), "")
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			var raw map[string]json.RawMessage
			if err := json.Unmarshal([]byte(body), &raw); err != nil {
				t.Fatal(err)
			}
			if c, ok := raw["country"]; !ok || (tt.country == nil && string(c) != "null") {
				t.Errorf("country = %s, want present and %v", c, tt.country)
			}
			var me struct {
				User struct {
					ID, Email, Name string
				} `json:"user"`
				Agency struct {
					Slug, Kind string
				} `json:"agency"`
				Country *string  `json:"country"`
				Roles   []string `json:"roles"`
			}
			if err := json.Unmarshal([]byte(body), &me); err != nil {
				t.Fatal(err)
			}
			if me.User.ID == "" || me.User.Email != tt.email || me.User.Name == "" {
				t.Errorf("user = %+v", me.User)
			}
			if me.Agency.Slug != tt.slug || me.Agency.Kind != tt.kind {
				t.Errorf("agency = %+v, want %s %s", me.Agency, tt.slug, tt.kind)
			}
			if d := cmp.Diff(tt.country, me.Country); d != "" {
				t.Errorf("country (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.roles, me.Roles); d != "" {
				t.Errorf("roles (-want +got):\n%s", d)
			}
		})
	}
}

// TestInboxAPI checks that the inbox is for agencies that receive packets and hidden from others.
// The demo data hold packets sent to the embassy and the NGO: each lists exactly those addressed to it.
func TestInboxAPI(t *testing.T) {
	env := apptest.New(t)
	listed := func(slug string) string {
		var ids []string
		if err := env.App.Hub.Raw(`SELECT p.id::text FROM packets p JOIN agencies a ON a.id = p.recipient_agency_id
			WHERE a.slug = ? AND p.kind <> 'reply' AND p.status IN ('sent', 'opened', 'accepted', 'declined') ORDER BY p.id`, slug).Scan(&ids).Error; err != nil {
			t.Fatal(err)
		}
		if len(ids) == 0 {
			t.Fatalf("the demo data hold no packet for %s", slug)
		}
		return strings.Join(ids, ",")
	}
	tests := []struct {
		email  string
		status int
		ids    string // the packets listed, in id order
	}{
		{thEmbassy, http.StatusOK, listed("th-embassy-pnh")},
		{ngoWorker, http.StatusOK, listed("ngo-kh-shelter")},
		{thWorker, http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			status, body := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/inbox", env.Token(t, tt.email), "")
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if tt.status == http.StatusNotFound {
				if code := decodeError(t, body).Error.Code; code != "not_found" {
					t.Errorf("code %q, want not_found", code)
				}
				return
			}
			var page struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
			}
			if err := json.Unmarshal([]byte(body), &page); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			var ids []string
			for _, it := range page.Items {
				ids = append(ids, it.ID)
			}
			slices.Sort(ids)
			if got := strings.Join(ids, ","); got != tt.ids || page.NextCursor != "" {
				t.Errorf("listed %s (cursor %q), want %s: %s", got, page.NextCursor, tt.ids, body)
			}
		})
	}
}
