package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"homeward/internal/attachments"
	"homeward/internal/authz"
	"homeward/internal/logging"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// apiError is the JSON error body of CONTRACT.md.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// RequestID is the request's id (X-Request-Id): what a caller quotes to the operators.
	RequestID string `json:"request_id,omitempty"`
}

// classify maps an error to a status and code; the one table of error kinds.
func classify(err error) (int, string) {
	var he *echo.HTTPError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var rl *retryLater
	switch {
	case errors.As(err, &rl):
		return rl.status, rl.code
	case errors.Is(err, errUnauthenticated):
		return http.StatusUnauthorized, "unauthenticated"
	case errors.Is(err, authz.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, problem.ErrConflict):
		return http.StatusConflict, "conflict"
	case errors.Is(err, problem.ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.As(err, new(*problem.Invalid)):
		return http.StatusUnprocessableEntity, "invalid"
	case errors.As(err, &se), errors.As(err, &te):
		return http.StatusBadRequest, "bad_request"
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound, http.StatusMethodNotAllowed:
			return http.StatusNotFound, "not_found"
		case http.StatusRequestEntityTooLarge:
			return http.StatusRequestEntityTooLarge, "too_large"
		case http.StatusForbidden:
			return http.StatusForbidden, "forbidden"
		case http.StatusBadRequest, http.StatusUnsupportedMediaType:
			return http.StatusBadRequest, "bad_request"
		case http.StatusUnauthorized:
			return http.StatusUnauthorized, "unauthenticated"
		}
	case errors.Is(err, attachments.ErrUnavailable): // the object store cannot be reached (before the
		// database test: the S3 client's own connection error would read as a database one)
		return http.StatusServiceUnavailable, "storage_unavailable"
	case store.IsUnavailable(err): // a database cannot be reached: 503, never 500
		return http.StatusServiceUnavailable, "unavailable"
	}
	return http.StatusInternalServerError, "internal"
}

// handleError is the one error handler: JSON under /api, pages elsewhere; never internals.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, code := classify(err)
	ctx := c.Request().Context()
	if status == http.StatusNotFound {
		s.recordRefused(c) // audit_refused.go
	}
	switch status {
	case http.StatusInternalServerError:
		slog.ErrorContext(ctx, "request failed", "method", c.Request().Method, "route", c.Path(), "err", err)
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		s.retryLater(c, err, code) // outage.go: Retry-After, and the outage tracker
	}
	l := localizerOf(c)
	if l == nil {
		l = s.fallbackLocalizer(c) // outage.go
		c.Set(keyLocalizer, l)
	}
	msg := l.T("error." + code)
	conflict, named := problem.ConflictOf(err) // a step already taken, saying which
	if named {
		msg = l.T(conflict.Key)
	}
	if strings.HasPrefix(c.Request().URL.Path, "/api/") {
		if m := l.T("api.error." + code); !named && m != "api.error."+code { // api.*.toml: what to do, in API terms
			msg = m
		}
		body := apiError{Error: apiErrorBody{Code: code, Message: msg, RequestID: logging.RequestID(ctx)}}
		if inv, ok := problem.AsInvalid(err); ok {
			body.Error.Fields = inv.Fields
		}
		if named && conflict.Field != "" {
			body.Error.Fields = map[string]string{conflict.Field: conflict.Key}
		}
		if qe := (*queryError)(nil); errors.As(err, &qe) { // api_query.go
			body.Error.Fields, body.Error.Message = qe.fields, l.T("api.error.unknown_parameters")
		}
		if status == http.StatusUnauthorized {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="homeward"`)
		}
		_ = c.JSON(status, body)
		return
	}
	if status == http.StatusUnauthorized {
		_ = s.toSignIn(c) // resume.go: back to the page after signing in, a form's input kept
		return
	}
	if errors.Is(err, errCSRF) {
		msg = l.T("error.csrf")
	}
	data := errorPage{Base: s.base(c), Status: status, Code: code, Message: msg, RequestID: logging.RequestID(ctx)}
	if rerr := s.render(c, status, "error", data); rerr != nil {
		slog.ErrorContext(ctx, "render error page", "err", rerr)
		_ = c.String(status, http.StatusText(status))
	}
}

type errorPage struct {
	Base
	Status  int
	Code    string
	Message string
	// RequestID is shown small at the foot of the page: "Reference: …".
	RequestID string
}
