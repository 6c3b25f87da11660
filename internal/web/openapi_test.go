package web

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/web"
)

// apiRoutes are the JSON API routes registered in routes.go, path in OpenAPI form -> methods.
var apiRoutes = map[string][]string{
	"/api/v1/openapi.json":           {"get"},
	"/api/v1/me":                     {"get"},
	"/api/v1/cases":                  {"get"},
	"/api/v1/cases/{id}":             {"get"},
	"/api/v1/persons":                {"post"},
	"/api/v1/cases/{id}/transitions": {"post"},
	"/api/v1/inbox":                  {"get"},
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
	wantCodes := []string{"bad_request", "conflict", "forbidden", "internal", "invalid", "not_found", "too_large", "unauthenticated"}
	if got := enumOf(t, doc, "ErrorCode"); !slices.Equal(sorted(got), wantCodes) {
		t.Errorf("ErrorCode enum = %v, want %v", got, wantCodes)
	}
}

// TestOpenAPIEnumsMatchCode keeps the document's enums in step with the Go values.
func TestOpenAPIEnumsMatchCode(t *testing.T) {
	doc := loadOpenAPI(t)
	var stages, roles []string
	for _, s := range cases.Stages {
		stages = append(stages, string(s))
	}
	for _, r := range authz.AllRoles {
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
