package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"homeward/internal/problem"
)

// formFailure sorts the error of a form's submission for re-rendering the page. ok is false for
// anything but invalid input (422) and a stale version or second submission (409): the handler
// returns err as it is. Otherwise status is the one to render with (409 for a conflict: the handler
// shows what is stored now), errs holds the messages of the invalid fields in the user's language
// (empty, never nil, after a conflict) and msg is "form.fix_errors", or "error.conflict" for a
// conflict.
func formFailure(c echo.Context, err error) (status int, errs map[string]string, msg string, ok bool) {
	status, _ = classify(err)
	if status != http.StatusConflict && status != http.StatusUnprocessableEntity {
		return status, nil, "", false
	}
	l := localizerOf(c)
	errs, msg = translate(l, err), l.T("form.fix_errors")
	if status == http.StatusConflict {
		msg = l.T("error.conflict")
		if named, ok := problem.ConflictOf(err); ok {
			msg = l.T(named.Key)
		}
	}
	return status, errs, msg, true
}
