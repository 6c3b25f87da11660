package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
)

// sessionErrKey holds, in a request's context, where the session manager's failures go.
type sessionErrKey struct{}

// withSessionErrors lets a session that cannot be loaded (the hub does not answer) reach the one
// error handler — a 503 page with Retry-After — instead of scs's own plain 500: the session
// manager's ErrorFunc (sessionError) records the failure here and next's result is replaced by it.
func withSessionErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		var failed error
		r := c.Request()
		c.SetRequest(r.WithContext(context.WithValue(r.Context(), sessionErrKey{}, &failed)))
		err := next(c)
		if failed != nil && !c.Response().Committed {
			return failed
		}
		return err
	}
}

// sessionError is the session manager's ErrorFunc: it records err for withSessionErrors, writing
// nothing; outside that middleware it answers 500 as scs would.
func sessionError(w http.ResponseWriter, r *http.Request, err error) {
	if slot, ok := r.Context().Value(sessionErrKey{}).(*error); ok {
		*slot = err
		return
	}
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}
