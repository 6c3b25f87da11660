package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"homeward/internal/directory"
	"homeward/internal/passwords"
)

// keyEnrolment holds the user an enrolment link is good for, looked up once per request.
const keyEnrolment = "enrolment_user"

// enrolPage is the form that sets a new user's password.
type enrolPage struct {
	Base
	Token    string
	Email    string
	Name     string
	MinRunes int
	Errors   map[string]string
	Error    string
}

// enrolmentUser returns the user the request's enrolment link is good for, or nil for an unknown,
// forged, expired, used or voided link (and for a disabled user).
func (s *Server) enrolmentUser(c echo.Context) (*directory.User, error) {
	if u, ok := c.Get(keyEnrolment).(*directory.User); ok {
		return u, nil
	}
	u, _, err := s.Directory.EnrolmentUser(c.Request().Context(), c.Param("token"))
	if errors.Is(err, directory.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.Set(keyEnrolment, u)
	return u, nil
}

// deadEnrolment reports whether the request is for an enrolment link that is no good: such a
// request skips CSRF, as the not-found route does, so that its 404 page is the very same page.
func (s *Server) deadEnrolment(c echo.Context) bool {
	if c.Path() != "/enrol/:token" {
		return false
	}
	u, err := s.enrolmentUser(c)
	return err == nil && u == nil
}

func (s *Server) enrolForm(c echo.Context) error {
	u, err := s.enrolmentUser(c)
	if err != nil || u == nil {
		return notFoundOr(err)
	}
	return s.render(c, http.StatusOK, "enrol", enrolPage{Base: s.base(c), Token: c.Param("token"), Email: u.Email, Name: u.Name, MinRunes: passwords.MinRunes})
}

func (s *Server) enrol(c echo.Context) error {
	u, err := s.enrolmentUser(c)
	if err != nil || u == nil {
		return notFoundOr(err)
	}
	page := enrolPage{Base: s.base(c), Token: c.Param("token"), Email: u.Email, Name: u.Name, MinRunes: passwords.MinRunes}
	if c.FormValue("password") != c.FormValue("password_confirm") {
		page.Errors, page.Error = map[string]string{"password_confirm": page.L.T("password.mismatch")}, page.L.T("form.fix_errors")
		return s.render(c, http.StatusUnprocessableEntity, "enrol", page)
	}
	if _, err := s.Directory.Enrol(c.Request().Context(), c.Param("token"), c.FormValue("password")); err != nil {
		status, errs, msg, ok := formFailure(c, err)
		if !ok {
			return err
		}
		page.Errors, page.Error = errs, msg
		return s.render(c, status, "enrol", page)
	}
	if err := s.startSession(c, u, false); err != nil {
		return err
	}
	mfa, err := s.stepUpRequired(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	if mfa {
		return redirect(c, "/settings/mfa")
	}
	return redirect(c, "/")
}

// notFoundOr is err, or not found when err is nil.
func notFoundOr(err error) error {
	if err != nil {
		return err
	}
	return echo.ErrNotFound
}

// passwordPage is the password change form.
type passwordPage struct {
	Base
	MinRunes int
	Saved    bool
	Errors   map[string]string
	Error    string
}

// requireFreshMFA redirects an actor whose roles require a second factor, and whose session has not proved
// one within mfaFreshFor, to the step-up page that comes back to next. ok is false when it did.
func (s *Server) requireFreshMFA(c echo.Context, next string) (ok bool, err error) {
	need, err := s.stepUpRequired(c.Request().Context(), actorOf(c).UserID)
	if err != nil {
		return false, err
	}
	if need && !s.mfaFresh(c) {
		return false, redirect(c, "/mfa/verify?next="+next)
	}
	return true, nil
}

func (s *Server) passwordForm(c echo.Context) error {
	if ok, err := s.requireFreshMFA(c, "/settings/password"); !ok {
		return err
	}
	return s.render(c, http.StatusOK, "account_password", passwordPage{Base: s.base(c), MinRunes: passwords.MinRunes, Saved: c.QueryParam("saved") == "1"})
}

func (s *Server) changePassword(c echo.Context) error {
	if ok, err := s.requireFreshMFA(c, "/settings/password"); !ok {
		return err
	}
	page := passwordPage{Base: s.base(c), MinRunes: passwords.MinRunes}
	if c.FormValue("password") != c.FormValue("password_confirm") {
		page.Errors, page.Error = map[string]string{"password_confirm": page.L.T("password.mismatch")}, page.L.T("form.fix_errors")
		return s.render(c, http.StatusUnprocessableEntity, "account_password", page)
	}
	ctx := c.Request().Context()
	err := s.Directory.ChangePassword(ctx, actorOf(c), c.FormValue("current_password"), c.FormValue("password"), s.sessions.GetString(ctx, sessSID))
	if err != nil {
		status, errs, msg, ok := formFailure(c, err)
		if !ok {
			return err
		}
		page.Errors, page.Error = errs, msg
		return s.render(c, status, "account_password", page)
	}
	return redirect(c, "/settings/password?saved=1")
}

// stepUpRequired reports whether the user's sensitive settings need a fresh second factor.
func (s *Server) stepUpRequired(ctx context.Context, userID string) (bool, error) {
	g, err := s.MFA.GateOf(ctx, userID)
	return g.StepUpRequired(), err
}
