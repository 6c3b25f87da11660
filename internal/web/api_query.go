package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"homeward/web"
)

// Unknown query parameters are refused (issue 16 item 10): an integrator's typo (?stag=closed) is
// 400 with the parameter named, never a silently unfiltered answer. What each API operation takes is
// what the OpenAPI document (web/static/openapi.json, kept equal to the routes by openapi_test.go)
// says it takes.

// queryError is a request with query parameters its operation does not take: 400 bad_request,
// each named in fields.
type queryError struct{ fields map[string]string }

func (e *queryError) Error() string { return fmt.Sprintf("unknown query parameters %v", e.fields) }

// Unwrap makes it a 400 for the one error handler.
func (e *queryError) Unwrap() error { return echo.NewHTTPError(http.StatusBadRequest) }

var (
	queryOnce   sync.Once
	queryParams map[string]map[string]bool // "GET /api/v1/cases/{id}" -> its query parameters
)

var echoParam = regexp.MustCompile(`:([a-z_]+)`)

// documentedQuery reads every API operation's query parameters from the OpenAPI document.
func documentedQuery() map[string]map[string]bool {
	queryOnce.Do(func() {
		queryParams = map[string]map[string]bool{}
		b, err := web.Files.ReadFile("static/openapi.json")
		if err != nil {
			return
		}
		var doc struct {
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		if json.Unmarshal(b, &doc) != nil {
			return
		}
		type param struct{ Name, In string }
		for path, ops := range doc.Paths {
			var shared []param
			if raw, ok := ops["parameters"]; ok {
				_ = json.Unmarshal(raw, &shared)
			}
			for method, raw := range ops {
				if method == "parameters" {
					continue
				}
				var op struct{ Parameters []param }
				_ = json.Unmarshal(raw, &op)
				names := map[string]bool{}
				for _, p := range append(shared, op.Parameters...) {
					if p.In == "query" {
						names[p.Name] = true
					}
				}
				queryParams[strings.ToUpper(method)+" "+path] = names
			}
		}
	})
	return queryParams
}

// knownQuery refuses query parameters the route's documented operation does not take; a route the
// document does not describe is not checked (openapi_test.go fails on it).
func knownQuery(method, path string) echo.MiddlewareFunc {
	names, documented := documentedQuery()[method+" "+echoParam.ReplaceAllString(path, "{$1}")]
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !documented {
				return next(c)
			}
			var bad []string
			for k := range c.QueryParams() {
				if !names[k] {
					bad = append(bad, k)
				}
			}
			if len(bad) == 0 {
				return next(c)
			}
			sort.Strings(bad)
			fields := map[string]string{}
			for _, k := range bad {
				fields[k] = "api.error.unknown_parameter"
			}
			return &queryError{fields: fields}
		}
	}
}
