package web

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"homeward/internal/problem"
)

// noStore asks every cache to keep nothing: pages and API answers carry personal data. Only the
// static assets (/static/) may be cached. A handler may still set its own Cache-Control.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !strings.HasPrefix(c.Request().URL.Path, "/static/") {
			c.Response().Header().Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// nulInvalid is the error of a request carrying a NUL byte in field.
func nulInvalid(field string) error {
	return &problem.Invalid{Fields: map[string]string{field: "form.error.invalid"}}
}

// refuseNUL answers 422 invalid to a request with a NUL byte in its path, a path parameter, the
// query, a URL-encoded form or a JSON body (no text Homeward keeps may hold one, and PostgreSQL
// refuses it in text). It runs after the body limits. Multipart bodies (uploads) are parsed by
// their handlers with their own limits and are not read here.
func refuseNUL(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if strings.ContainsRune(req.URL.Path, 0) || strings.Contains(req.URL.RawPath, "%00") {
			return nulInvalid("path")
		}
		for _, v := range c.ParamValues() {
			if strings.ContainsRune(v, 0) {
				return nulInvalid("path")
			}
		}
		if err := nulInValues(req.URL.Query()); err != nil {
			return err
		}
		ct, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
		switch {
		case req.Body == nil || req.Method == http.MethodGet || req.Method == http.MethodHead:
		case ct == echo.MIMEApplicationForm:
			if err := req.ParseForm(); err != nil {
				return err
			}
			if err := nulInValues(req.PostForm); err != nil {
				return err
			}
		case ct == echo.MIMEApplicationJSON:
			body, err := io.ReadAll(req.Body)
			if err != nil {
				return err
			}
			req.Body = io.NopCloser(bytes.NewReader(body))
			if field, ok := nulInJSON(body); ok {
				return nulInvalid(field)
			}
		}
		return next(c)
	}
}

// nulInValues refuses a NUL in any name or value of a query or form.
func nulInValues(vs map[string][]string) error {
	for k, list := range vs {
		if strings.ContainsRune(k, 0) {
			return nulInvalid("query")
		}
		for _, v := range list {
			if strings.ContainsRune(v, 0) {
				return nulInvalid(k)
			}
		}
	}
	return nil
}

// nulInJSON reports whether a key or string of a JSON document holds a NUL ("\u0000"), with the
// name of the object key it sits under ("body" at the top). A document that does not parse is
// left to the handler.
func nulInJSON(body []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct{ object, wantKey bool }
	var stack []frame
	field := "body"
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{object: true, wantKey: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			if strings.ContainsRune(t, 0) {
				return field, true
			}
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
				field, stack[n-1].wantKey = t, false
				continue
			}
			valueDone()
		default:
			valueDone()
		}
	}
}
