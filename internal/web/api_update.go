package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/labstack/echo/v4"
)

// A section read from the API can be sent back as an update (issue 16 item 10): decodeSection takes
// the body of a PUT as decodeJSON does, but first drops the fields that only the section's read
// shape has (its case id, timestamps, derived values), so GET → edit → PUT works as is. A field of
// neither shape is still refused (400), so a typo never passes silently.
func decodeSection(c echo.Context, in, read any) error {
	return decodeSectionIn(c, "", in, jsonNames(reflect.TypeOf(read)))
}

// decodeSectionIn is decodeSection for a read shape that wraps the section in the member wrapper
// of the GET answer (the screening: {"case_id", …, "screening": {…}, "decisions": […]}): the PUT
// body may be that whole answer, or the member alone. readOnly names the section's read-only
// fields.
func decodeSectionIn(c echo.Context, wrapper string, in any, readOnly map[string]bool) error {
	raw, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, MaxJSON))
	if err != nil {
		return echo.ErrStatusRequestEntityTooLarge
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err == nil && fields != nil {
		if inner, ok := fields[wrapper]; ok && wrapper != "" && bytes.HasPrefix(bytes.TrimSpace(inner), []byte("{")) {
			outer := fields
			fields = nil
			if err := json.Unmarshal(inner, &fields); err != nil {
				return err
			}
			for k, v := range outer { // a wrapper field of neither shape is still refused
				if k != wrapper && !readOnly[k] {
					fields[k] = v
				}
			}
		}
		writable := jsonNames(reflect.TypeOf(in))
		for k := range fields {
			if readOnly[k] && !writable[k] {
				delete(fields, k)
			}
		}
		if raw, err = json.Marshal(fields); err != nil {
			return err
		}
	}
	c.Request().Body = io.NopCloser(bytes.NewReader(raw))
	return decodeJSON(c, in)
}

// jsonNames are the JSON field names of a struct type (or pointer to one), embedded structs included.
func jsonNames(t reflect.Type) map[string]bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	out := map[string]bool{}
	if t.Kind() != reflect.Struct {
		return out
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			for k := range jsonNames(f.Type) {
				out[k] = true
			}
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = true
	}
	return out
}
