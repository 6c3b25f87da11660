package web_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

// apiSection is one section an integrator reads and sends back: who, where it is read (get) and
// written (put), how to find it in the GET answer (pick; nil: the whole answer), and one field
// (a dotted path) to change.
type apiSection struct {
	who, get, put string
	pick          func(map[string]any) map[string]any
	field         string
	value         any
	// renewed are fields an update writes anew though nothing changed (the screening's events are
	// replaced as a whole, so their ids are new).
	renewed []string
}

// TestAPISectionsRoundTrip: every section the API reads can be sent back as its update. The GET
// answer PUT as it is → 200 and nothing changes (but its version); with one field changed → that
// change; the first answer sent again (its version now stale) → 409. A field of neither shape is
// 400.
func TestAPISectionsRoundTrip(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	api := func(who, method, u, body string) (int, string) {
		return apptest.API(t, method, base+u, env.Token(t, who), body)
	}
	must := func(t *testing.T, who, method, u, body string, want int) map[string]any {
		t.Helper()
		status, out := api(who, method, u, body)
		if status != want {
			t.Fatalf("%s %s: %d %s, want %d", method, u, status, out, want)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("%s %s: %v: %s", method, u, err, out)
		}
		return m
	}
	item := func(list, id string) func(map[string]any) map[string]any {
		return func(m map[string]any) map[string]any {
			items, _ := m[list].([]any)
			for _, it := range items {
				if o, _ := it.(map[string]any); o != nil && o["id"] == id {
					return o
				}
			}
			t.Fatalf("no %s with id %s in %v", list, id, m)
			return nil
		}
	}
	sections := map[string]func(t *testing.T) apiSection{
		"repatriation": func(t *testing.T) apiSection {
			id := repatCase(t, env, "Roundtrip", "TH")
			page := base + "/cases/" + id + "/repatriation"
			if status, body := postPage(t, env.Login(t, khWorker), page, page, repatForm("0")); status != http.StatusSeeOther {
				t.Fatalf("save: %d %s", status, excerpt(body))
			}
			u := "/api/v1/cases/" + id + "/repatriation"
			return apiSection{who: khWorker, get: u, put: u, field: "escort_name", value: "Chan Sophea (round trip)"}
		},
		"investigation": func(t *testing.T) apiSection {
			u := "/api/v1/cases/" + sharedCaseID(t, env) + "/investigation"
			must(t, thPolice, http.MethodPut, u, `{"status":"witness","warrant_check":"pending","warrant_note":"`+warrantNote+
				`","non_punishment":"not_applicable","willing_to_testify":"yes","version":0}`, http.StatusOK)
			return apiSection{who: thPolice, get: u, put: u, field: "warrant_note", value: "Checked again by phone."}
		},
		"screening": func(t *testing.T) apiSection {
			id := scrCase(t, env, env.Token(t, khWorker))
			u := "/api/v1/cases/" + id + "/screening"
			must(t, khWorker, http.MethodPost, u, scrBody(t, 0, "First account."), http.StatusCreated)
			return apiSection{who: khWorker, get: u, put: u, field: "screening.narrative", value: "Second account, corrected.",
				renewed: []string{"id"}}
		},
		"reintegration plan": func(t *testing.T) apiSection {
			u := "/api/v1/cases/" + supportCase(t, env) + "/reintegration"
			must(t, thWorker, http.MethodPut, u, `{"summary":"Return to the family farm","version":0}`, http.StatusOK)
			return apiSection{who: thWorker, get: u, put: u, field: "summary", value: "Return to the family farm; sewing course"}
		},
		"reintegration goal": func(t *testing.T) apiSection {
			u := "/api/v1/cases/" + supportCase(t, env) + "/reintegration"
			g := must(t, thWorker, http.MethodPost, u+"/goals", `{"goal":"Enrol in a sewing course","status":"open"}`, http.StatusCreated)
			gid, _ := g["id"].(string)
			return apiSection{who: thWorker, get: u, put: u + "/goals/" + gid, pick: item("goals", gid), field: "goal", value: "Finish the sewing course"}
		},
		"reintegration visit": func(t *testing.T) apiSection {
			u := "/api/v1/cases/" + supportCase(t, env) + "/reintegration"
			v := must(t, thWorker, http.MethodPost, u+"/visits", `{"status":"scheduled","visit_date":"`+repatDay(14)+
				`","location_kind":"home","address":"Ban Khlong Luek"}`, http.StatusCreated)
			vid, _ := v["id"].(string)
			return apiSection{who: thWorker, get: u, put: u + "/visits/" + vid, pick: item("visits", vid), field: "visit_date", value: repatDay(21)}
		},
		"service": func(t *testing.T) apiSection {
			id := supportCase(t, env)
			s := must(t, thWorker, http.MethodPost, "/api/v1/cases/"+id+"/services", `{"kind":"shelter","status":"in_progress","provider_kind":"own","start_date":"`+
				repatDay(-3)+`"}`, http.StatusCreated)
			sid, _ := s["id"].(string)
			return apiSection{who: thWorker, get: "/api/v1/cases/" + id + "/services", put: "/api/v1/cases/" + id + "/services/" + sid,
				pick: item("items", sid), field: "outcome", value: "Moved to the family home"}
		},
	}
	for name, setup := range sections {
		t.Run(name, func(t *testing.T) {
			s := setup(t)
			read := func() map[string]any {
				m := must(t, s.who, http.MethodGet, s.get, "", http.StatusOK)
				if s.pick != nil {
					return s.pick(m)
				}
				return m
			}
			first := read()
			body, _ := json.Marshal(first)
			must(t, s.who, http.MethodPut, s.put, string(body), http.StatusOK)
			again := read()
			if !reflect.DeepEqual(withoutVersions(first, s.renewed...), withoutVersions(again, s.renewed...)) {
				t.Errorf("the section sent back unchanged changed:\nbefore %v\nafter  %v", first, again)
			}
			setPath(again, s.field, s.value)
			body, _ = json.Marshal(again)
			must(t, s.who, http.MethodPut, s.put, string(body), http.StatusOK)
			if got := getPath(read(), s.field); got != s.value {
				t.Errorf("%s = %v after the update, want %v", s.field, got, s.value)
			}
			body, _ = json.Marshal(first)
			if status, out := api(s.who, http.MethodPut, s.put, string(body)); status != http.StatusConflict {
				t.Errorf("the first answer sent again (stale version): %d %s, want 409", status, out)
			}
			latest := read()
			latest["no_such_field"] = "typo"
			body, _ = json.Marshal(latest)
			if status, out := api(s.who, http.MethodPut, s.put, string(body)); status != http.StatusBadRequest {
				t.Errorf("a field of neither shape: %d %s, want 400", status, out)
			}
		})
	}
}

// withoutVersions is a copy of a JSON value without the fields every update moves on (version,
// case_version, updated_at) and the renewed ones, below the top level for those.
func withoutVersions(v any, renewed ...string) any {
	return dropFields(v, true, renewed)
}

func dropFields(v any, top bool, renewed []string) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			if k == "version" || k == "case_version" || k == "updated_at" || !top && slices.Contains(renewed, k) {
				continue
			}
			out[k] = dropFields(x, false, renewed)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = dropFields(x, false, renewed)
		}
		return out
	}
	return v
}

func setPath(m map[string]any, path string, value any) {
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		m, _ = m[k].(map[string]any)
	}
	m[keys[len(keys)-1]] = value
}

func getPath(m map[string]any, path string) any {
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		m, _ = m[k].(map[string]any)
	}
	return m[keys[len(keys)-1]]
}
