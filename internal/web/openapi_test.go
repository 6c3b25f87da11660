package web

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/web"
)

// apiRoutes are the JSON API routes registered in routes.go and routes_*.go, path in OpenAPI form ->
// methods. TestOpenAPIRoutesMatchSources keeps this list equal to what the sources register.
var apiRoutes = map[string][]string{
	// The auditor's console (routes_audit.go).
	"/api/v1/audit":        {"get"},
	"/api/v1/audit/export": {"get"},
	"/api/v1/audit/report": {"get"},
	"/api/v1/audit/hub":    {"get"},
	"/api/v1/audit/chain":  {"get", "post"},
	// The country admin's directory (routes_admin.go).
	"/api/v1/admin/users":                    {"get", "post"},
	"/api/v1/admin/jobs":                     {"get"},
	"/api/v1/admin/users/{id}":               {"get", "patch"},
	"/api/v1/admin/users/{id}/memberships":   {"post"},
	"/api/v1/admin/memberships/{id}":         {"delete"},
	"/api/v1/admin/users/{id}/disable":       {"post"},
	"/api/v1/admin/users/{id}/enable":        {"post"},
	"/api/v1/admin/users/{id}/enrolment":     {"post"},
	"/api/v1/admin/users/{id}/sessions/end":  {"post"},
	"/api/v1/admin/users/{id}/tokens/revoke": {"post"},
	"/api/v1/admin/users/{id}/factors/reset": {"post"},
	// Your own account (routes_account.go): API tokens.
	"/api/v1/me/tokens":      {"get", "post"},
	"/api/v1/me/tokens/{id}": {"delete"},
	// MFA (routes_mfa.go): the caller's second factors.
	"/api/v1/me/mfa": {"get"},

	// Support (routes_support.go): services, NGO referrals, reintegration, closure, dashboards.
	"/api/v1/cases/{id}/services":                   {"get", "post"},
	"/api/v1/cases/{id}/services/{sid}":             {"put"},
	"/api/v1/cases/{id}/referrals":                  {"post"},
	"/api/v1/referrals/{pid}/renew":                 {"post"},
	"/api/v1/cases/{id}/reintegration":              {"get", "put"},
	"/api/v1/cases/{id}/reintegration/goals":        {"post"},
	"/api/v1/cases/{id}/reintegration/goals/{gid}":  {"put"},
	"/api/v1/cases/{id}/reintegration/visits":       {"post"},
	"/api/v1/cases/{id}/reintegration/visits/{vid}": {"put"},
	"/api/v1/cases/{id}/closure":                    {"get", "post"},
	"/api/v1/closures/{rid}/approve":                {"post"},
	"/api/v1/closures/{rid}/return":                 {"post"},
	"/api/v1/cases/{id}/reopen":                     {"post"},
	"/api/v1/dashboard":                             {"get"},

	"/api/v1/openapi.json":           {"get"},
	"/api/v1/me":                     {"get"},
	"/api/v1/cases":                  {"get"},
	"/api/v1/cases/{id}":             {"get"},
	"/api/v1/persons":                {"post"},
	"/api/v1/cases/{id}/transitions": {"post"},
	"/api/v1/inbox":                  {"get"},
	"/api/v1/inbox/{pid}":            {"get"},
	"/api/v1/inbox/{pid}/accept":     {"post"},
	"/api/v1/inbox/{pid}/decline":    {"post"},
	"/api/v1/inbox/{pid}/replies":    {"post"},
	"/api/v1/history":                {"get"},
	"/api/v1/history/{pid}":          {"get"},
	"/api/v1/cases/{id}/packets":     {"get", "post"},
	"/api/v1/packets/{pid}":          {"get"},
	"/api/v1/packets/{pid}/approve":  {"post"},
	"/api/v1/packets/{pid}/revoke":   {"post"},
	"/api/v1/persons/duplicates":     {"post"},
	"/api/v1/persons/{id}/cases":     {"post"},
	"/api/v1/persons/{id}/merge":     {"post"},
	// Record linkage across the border (routes_linkage.go).
	"/api/v1/linkage/candidates":               {"get"},
	"/api/v1/linkage/candidates/{id}/not-same": {"post"},
	"/api/v1/linkage/candidates/{id}/ask":      {"post"},
	"/api/v1/cases/{id}/linkage-override":      {"post"},
	"/api/v1/operations":                       {"get", "post"},
	"/api/v1/operations/{id}":                  {"get"},
	"/api/v1/operations/{id}/imports":          {"post"},
	"/api/v1/cases/{id}/screening":             {"get", "post", "put"},
	"/api/v1/cases/{id}/decisions":             {"post"},
	"/api/v1/decisions/{id}/approve":           {"post"},
	"/api/v1/decisions/{id}/return":            {"post"},
	"/api/v1/cases/{id}/investigation":         {"get", "put"},
	"/api/v1/cases/{id}/legal-status":          {"get"},
	"/api/v1/cases/{id}/notes":                 {"get", "post"},
	"/api/v1/notes/{nid}":                      {"put"},
	"/api/v1/cases/{id}/attachments":           {"get", "post"},
	"/api/v1/attachments/{aid}/content":        {"get"},
	"/api/v1/cases/{id}/consents":              {"get", "post"},
	"/api/v1/cases/{id}/team":                  {"get", "post"},
	"/api/v1/cases/{id}/assign":                {"post"},
	"/api/v1/cases/{id}/team/{agency}":         {"delete"},
	"/api/v1/cases/{id}/timeline":              {"get"},
	"/api/v1/reports/dashboard":                {"get"},
	"/api/v1/reports/operations":               {"get"},
	"/api/v1/reports/joint":                    {"get"},
	"/api/v1/reports/complaints":               {"get"},
	"/api/v1/reports/complaints/imports":       {"post"},
	"/api/v1/cases/export":                     {"get"},
	"/api/v1/reports/htcds":                    {"get"},

	// Handover batches at the border (routes_handover.go).
	"/api/v1/handover/batches":              {"get", "post"},
	"/api/v1/handover/batches/{id}":         {"get"},
	"/api/v1/handover/batches/{id}/approve": {"post"},
	"/api/v1/handover/batches/{id}/accept":  {"post"},

	// The repatriation section, the embassy request and overdue steps (routes_repatriation.go).
	"/api/v1/cases/{id}/repatriation":         {"get", "put"},
	"/api/v1/cases/{id}/repatriation/request": {"post"},
	"/api/v1/repatriation/overdue":            {"get"},

	// The import of a checked file (imports_api.go).
	"/api/v1/operations/{id}/imports/{upload}/commit": {"post"},
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	b, err := web.Files.ReadFile("static/openapi.json")
	if err != nil {
		t.Fatalf("read static/openapi.json: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("static/openapi.json is not valid JSON: %v", err)
	}
	return doc
}

func TestOpenAPIDocumentIsValidJSON(t *testing.T) {
	doc := loadOpenAPI(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatal("document has no paths object")
	}

	for path, methods := range apiRoutes {
		item, ok := paths[path].(map[string]any)
		if !ok {
			t.Errorf("path %s is missing", path)
			continue
		}
		for _, m := range methods {
			op, ok := item[m].(map[string]any)
			if !ok {
				t.Errorf("%s %s is missing", strings.ToUpper(m), path)
				continue
			}
			if r, _ := op["responses"].(map[string]any); len(r) == 0 {
				t.Errorf("%s %s has no responses", strings.ToUpper(m), path)
			}
		}
		for _, m := range httpMethods {
			if _, ok := item[m]; ok && !slices.Contains(methods, m) {
				t.Errorf("%s %s is documented but not routed", strings.ToUpper(m), path)
			}
		}
	}
	// No stale API paths: every /api/ path documented is routed.
	for path := range paths {
		if _, ok := apiRoutes[path]; strings.HasPrefix(path, "/api/") && !ok {
			t.Errorf("path %s is documented but not routed", path)
		}
	}

	// The document itself is public; everything else uses the bearer token by default.
	if sec, ok := paths["/api/v1/openapi.json"].(map[string]any)["get"].(map[string]any)["security"].([]any); !ok || len(sec) != 0 {
		t.Errorf("GET /api/v1/openapi.json should have security: []")
	}
	scheme, _ := dig(doc, "components", "securitySchemes", "bearerToken").(map[string]any)
	if scheme["type"] != "http" || scheme["scheme"] != "bearer" {
		t.Errorf("components.securitySchemes.bearerToken = %v, want http bearer", scheme)
	}

	// Every local $ref resolves.
	walkRefs(doc, func(ref string) {
		if !strings.HasPrefix(ref, "#/") {
			t.Errorf("$ref %q is not local", ref)
			return
		}
		if dig(doc, strings.Split(strings.TrimPrefix(ref, "#/"), "/")...) == nil {
			t.Errorf("$ref %q does not resolve", ref)
		}
	})

	// Error codes match errors.go's classify.
	wantCodes := []string{"bad_request", "busy", "conflict", "forbidden", "internal", "invalid", "not_found", "rate_limited", "too_large", "unauthenticated", "unavailable"}
	if got := enumOf(t, doc, "ErrorCode"); !slices.Equal(sorted(got), wantCodes) {
		t.Errorf("ErrorCode enum = %v, want %v", got, wantCodes)
	}
}

// Patterns of the route sources: a registration, a string constant, and a local name for methods
// ("g, p := http.MethodGet, http.MethodPost").
var (
	handleCall   = regexp.MustCompile(`s\.handle\(\s*([\w.]+)\s*,\s*("[^"]*"|\w+)\s*,`)
	stringConst  = regexp.MustCompile(`(?m)^\s*(?:const\s+)?(\w+)\s*=\s*"([^"]*)"`)
	methodAlias  = regexp.MustCompile(`(?m)^\s*(\w+(?:\s*,\s*\w+)*)\s*:=\s*(http\.Method\w+(?:\s*,\s*http\.Method\w+)*)\s*$`)
	echoPathVar  = regexp.MustCompile(`:(\w+)`)
	httpMethodOf = map[string]string{"http.MethodGet": "get", "http.MethodPost": "post", "http.MethodPut": "put",
		"http.MethodDelete": "delete", "http.MethodPatch": "patch", "http.MethodHead": "head", "http.MethodOptions": "options"}
)

// routedAPI reads the routes registered under /api/ from the package's sources (routes.go,
// routes_*.go and the constants they name): OpenAPI path -> sorted methods. The server itself cannot
// be built here without databases, so the registrations are read as text; a registration the
// patterns cannot resolve fails the test rather than being skipped.
func routedAPI(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{}
	sources := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources[f] = string(b)
		for _, m := range stringConst.FindAllStringSubmatch(string(b), -1) {
			consts[m[1]] = m[2]
		}
	}
	out := map[string][]string{}
	calls := 0
	for f, src := range sources {
		if f != "routes.go" && !strings.HasPrefix(f, "routes_") {
			continue
		}
		methods := maps.Clone(httpMethodOf)
		for _, m := range methodAlias.FindAllStringSubmatch(src, -1) {
			names, values := strings.Split(m[1], ","), strings.Split(m[2], ",")
			for i := range min(len(names), len(values)) {
				if v, ok := httpMethodOf[strings.TrimSpace(values[i])]; ok {
					methods[strings.TrimSpace(names[i])] = v
				}
			}
		}
		for _, m := range handleCall.FindAllStringSubmatch(src, -1) {
			calls++
			path := strings.Trim(m[2], `"`)
			if !strings.HasPrefix(m[2], `"`) {
				var ok bool
				if path, ok = consts[m[2]]; !ok {
					t.Errorf("%s: route path %s is not a string constant of the package", f, m[2])
					continue
				}
			}
			if !strings.HasPrefix(path, "/api/") {
				continue
			}
			method, ok := methods[m[1]]
			if !ok {
				t.Errorf("%s: cannot tell the method %s of %s", f, m[1], path)
				continue
			}
			path = echoPathVar.ReplaceAllString(path, "{$1}")
			out[path] = append(out[path], method)
		}
	}
	if calls == 0 {
		t.Fatal("no s.handle( calls found in routes.go and routes_*.go")
	}
	for p := range out {
		sort.Strings(out[p])
	}
	return out
}

// TestOpenAPIRoutesMatchSources checks that every /api/ route the sources register is in apiRoutes
// and documented with its method, and that apiRoutes names nothing the sources do not register.
func TestOpenAPIRoutesMatchSources(t *testing.T) {
	doc := loadOpenAPI(t)
	paths, _ := doc["paths"].(map[string]any)
	routed := routedAPI(t)
	for path, methods := range routed {
		want := sorted(apiRoutes[path])
		if !slices.Equal(methods, want) {
			t.Errorf("%s is routed with %v, apiRoutes lists %v", path, methods, want)
		}
		for _, m := range methods {
			if _, ok := dig(paths, path, m).(map[string]any); !ok {
				t.Errorf("%s %s is routed but not documented", strings.ToUpper(m), path)
			}
		}
	}
	for path := range apiRoutes {
		if _, ok := routed[path]; !ok {
			t.Errorf("apiRoutes lists %s, which no routes source registers", path)
		}
	}
}

// TestOpenAPIOperationsDescribed checks that every API operation has a unique operationId, a tag
// the document declares, and — apart from the public document itself — names the permission it
// needs ("Needs `section` action").
func TestOpenAPIOperationsDescribed(t *testing.T) {
	doc := loadOpenAPI(t)
	tags := map[string]bool{}
	for _, tg := range doc["tags"].([]any) {
		tags[tg.(map[string]any)["name"].(string)] = true
	}
	ids := map[string]string{}
	for path, methods := range apiRoutes {
		for _, m := range methods {
			op, ok := dig(doc, "paths", path, m).(map[string]any)
			if !ok {
				continue // reported by TestOpenAPIDocumentIsValidJSON
			}
			name := strings.ToUpper(m) + " " + path
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s has no operationId", name)
			} else if prev, dup := ids[id]; dup {
				t.Errorf("%s and %s share the operationId %s", prev, name, id)
			}
			ids[id] = name
			opTags, _ := op["tags"].([]any)
			if len(opTags) == 0 {
				t.Errorf("%s has no tag", name)
			}
			for _, tg := range opTags {
				if s, _ := tg.(string); !tags[s] {
					t.Errorf("%s has the undeclared tag %v", name, tg)
				}
			}
			if desc, _ := op["description"].(string); path != "/api/v1/openapi.json" && !strings.Contains(desc, "Needs `") {
				t.Errorf("%s does not name the permission it needs (\"Needs `section` action\")", name)
			}
		}
	}
}

// TestOpenAPIEnumsMatchCode keeps the document's enums in step with the Go values.
func TestOpenAPIEnumsMatchCode(t *testing.T) {
	doc := loadOpenAPI(t)
	var stages, roles []string
	for _, s := range cases.Stages {
		stages = append(stages, string(s))
	}
	for _, r := range authz.MembershipRoles {
		roles = append(roles, string(r))
	}
	for name, want := range map[string][]string{"Stage": stages, "Sex": cases.Sexes, "Role": roles} {
		if got := enumOf(t, doc, name); !slices.Equal(got, want) {
			t.Errorf("%s enum = %v, want %v", name, got, want)
		}
	}
}

func enumOf(t *testing.T, doc map[string]any, schema string) []string {
	t.Helper()
	raw, ok := dig(doc, "components", "schemas", schema, "enum").([]any)
	if !ok {
		t.Fatalf("components.schemas.%s.enum is missing", schema)
	}
	var out []string
	for _, v := range raw {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// dig follows keys through nested objects; nil when a key is missing.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		k = strings.ReplaceAll(strings.ReplaceAll(k, "~1", "/"), "~0", "~")
		if v, ok = m[k]; !ok {
			return nil
		}
	}
	return v
}

func walkRefs(v any, f func(string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "$ref" {
				f(s)
			} else {
				walkRefs(e, f)
			}
		}
	case []any:
		for _, e := range x {
			walkRefs(e, f)
		}
	}
}
