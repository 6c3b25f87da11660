package web_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/complaints"
	"homeward/internal/locale"
	"homeward/migrations"
	"homeward/web"
)

var (
	// staticKey is a translation with a literal key: {{.L.T "key"}}, {{$.L.T "key" ...}}.
	staticKey = regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	// printfKey is a translation whose key is built: {{$.L.T (printf "stage.%s" .)}}.
	printfKey = regexp.MustCompile(`\.T \(printf "([a-z0-9_.]*)%s"`)
	// anyT is every call of T in a template, to catch a form neither pattern above reads.
	anyT = regexp.MustCompile(`\.T\b[^}]*`)
	// goKey is a literal key passed to T, or a validation message key, in Go code.
	goKey = regexp.MustCompile(`\.T\("([a-z0-9_.]+)"\)|"((?:form|case|intake|login)\.error\.[a-z0-9_.]+)"`)
	// checkIn reads the values of a CHECK (column IN ('a', 'b')) constraint.
	checkIn = regexp.MustCompile(`(?s)CHECK \((\w+) IN \(([^)]*)\)\)`)
	quoted  = regexp.MustCompile(`'([^']*)'`)
)

// TestTemplateKeysExist checks that every message key the templates use, literally or built with
// printf from a Go value set, exists in every language.
func TestTemplateKeysExist(t *testing.T) {
	bundle, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(web.Files, "templates/*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("no templates: %v", err)
	}

	// The value sets behind each printf prefix.
	packet := packetValues(t)
	dynamic := map[string][]string{
		"stage.":              stringsOf(cases.Stages),
		"sex.":                cases.Sexes,
		"role.":               stringsOf(authz.MembershipRoles),
		"packet.kind.":        packet["kind"],
		"packet.status.":      packet["status"],
		"complaints.channel.": complaints.Channels,
	}

	used := map[string][]string{} // key -> where
	for _, name := range names {
		b, err := fs.ReadFile(web.Files, name)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		for _, m := range staticKey.FindAllStringSubmatch(src, -1) {
			used[m[1]] = append(used[m[1]], name)
		}
		for _, m := range printfKey.FindAllStringSubmatch(src, -1) {
			values, ok := dynamic[m[1]]
			if !ok {
				t.Errorf("%s: key prefix %q is built with printf from values this test does not know", name, m[1])
				continue
			}
			for _, v := range values {
				used[m[1]+v] = append(used[m[1]+v], name+" (printf)")
			}
		}
		for _, call := range anyT.FindAllString(src, -1) {
			if !staticKey.MatchString(call) && !printfKey.MatchString(call) {
				t.Errorf("%s: %q: a key this test cannot read", name, call)
			}
		}
	}
	for prefix, values := range dynamic {
		if len(values) == 0 {
			t.Errorf("no values for %q", prefix)
		}
	}
	if len(used) < 50 {
		t.Fatalf("found only %d keys in the templates; is the pattern right?", len(used))
	}
	checkKeys(t, bundle, used)
}

// TestCodeKeysExist checks the keys the Go code passes to the templates: literal keys given to T,
// validation messages returned in problem.Invalid, the error codes and the language names.
func TestCodeKeysExist(t *testing.T) {
	bundle, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string][]string{}
	root := filepath.Join("..")
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			key := m[1] + m[2]
			used[key] = append(used[key], path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"form.error.required", "login.failed", "login.throttled", "case.error.transition_refused"} {
		if used[key] == nil {
			t.Errorf("key %q not found in the code; is the pattern right?", key)
		}
	}
	for _, code := range errorCodes(t) {
		used["error."+code] = append(used["error."+code], "errors.go (error code)")
	}
	for _, lang := range locale.Supported {
		used["lang."+lang] = append(used["lang."+lang], "render.go (language switcher)")
	}
	checkKeys(t, bundle, used)
}

func checkKeys(t *testing.T, bundle *locale.Bundle, used map[string][]string) {
	t.Helper()
	keys := make([]string, 0, len(used))
	for k := range used {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		for _, lang := range locale.Supported {
			if !bundle.Has(lang, key) {
				t.Errorf("key %q (used in %s) is missing in %s", key, strings.Join(uniq(used[key]), ", "), lang)
			}
		}
	}
}

// packetValues reads the packet kinds and statuses from the hub schema's CHECK constraints.
func packetValues(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := fs.WalkDir(migrations.Hub, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".sql") {
			return err
		}
		b, err := fs.ReadFile(migrations.Hub, path)
		if err != nil {
			return err
		}
		sql := string(b)
		start := strings.Index(sql, "CREATE TABLE packets")
		if start < 0 {
			return nil
		}
		end := strings.Index(sql[start:], ");")
		for _, m := range checkIn.FindAllStringSubmatch(sql[start:start+end], -1) {
			for _, q := range quoted.FindAllStringSubmatch(m[2], -1) {
				out[m[1]] = append(out[m[1]], q[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out["kind"]) == 0 || len(out["status"]) == 0 {
		t.Fatalf("no packet kinds or statuses in the hub migrations: %v", out)
	}
	return out
}

// errorCodes are the codes of the JSON error body, from the OpenAPI document (kept equal to
// errors.go's classify by openapi_test.go).
func errorCodes(t *testing.T) []string {
	t.Helper()
	b, err := web.Files.ReadFile("static/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas struct {
				ErrorCode struct {
					Enum []string `json:"enum"`
				} `json:"ErrorCode"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Components.Schemas.ErrorCode.Enum) == 0 {
		t.Fatal("no ErrorCode enum in the OpenAPI document")
	}
	return doc.Components.Schemas.ErrorCode.Enum
}

func stringsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// TestErrorPageHidesInternals makes a route fail inside (the TH store's pool is closed) and checks
// that the page and the API answer 500 with the generic message only.
func TestErrorPageHidesInternals(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	session := env.Login(t, thWorker)
	tok := env.Token(t, thWorker)
	caseID := ownCaseID(t, env, thWorker)

	st, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := st.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlDB.Close(); err != nil {
		t.Fatal(err)
	}
	internals := []string{"sql", "database", "closed", "gorm", "pgx", "goroutine", ".go:", "panic", caseID}

	for _, path := range []string{"/cases", "/cases/" + caseID} {
		t.Run("page "+path, func(t *testing.T) {
			status, page := apptest.Get(t, session, base+path)
			if status != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500: %s", status, excerpt(page))
			}
			if want := message(t, page, "error.internal.body"); !strings.Contains(page, want) {
				t.Errorf("page lacks the generic message %q", want)
			}
			body := strings.Replace(page, `name="next" value="`+path+`"`, "", 1) // the echoed request path
			for _, s := range internals {
				if strings.Contains(strings.ToLower(body), strings.ToLower(s)) {
					t.Errorf("page shows %q: %s", s, excerpt(body))
				}
			}
		})
	}
	for _, path := range []string{"/api/v1/cases", "/api/v1/cases/" + caseID} {
		t.Run("API "+path, func(t *testing.T) {
			status, body := apptest.API(t, http.MethodGet, base+path, tok, "")
			if status != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500: %s", status, body)
			}
			bundle, err := locale.Load()
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf(`{"error":{"code":"internal","message":%q}}`, bundle.For("en", false, nil).T("api.error.internal"))
			if withoutRequestID(strings.TrimSpace(body)) != want {
				t.Errorf("body %s, want %s", body, want)
			}
		})
	}
}
