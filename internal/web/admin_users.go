package web

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/directory"
)

// adminUserPage is one user: memberships and the actions on the account.
type adminUserPage struct {
	Base
	User     *directory.AdminUser
	Agencies []directory.Agency
	Roles    []authz.Role
	CanEdit  bool
	// Done is the outcome of the last action, in the reader's language ("" for none).
	Done string
	// The membership form's input (AgencyID, Role) and problems.
	In     directory.Invite
	Errors map[string]string
	Error  string
}

// adminDone are the outcomes an action reports back to the user page (?done=...).
var adminDone = map[string]string{
	"disabled": "admin.done.disabled", "enabled": "admin.done.enabled", "signed_out": "admin.done.signed_out",
	"tokens_revoked": "admin.done.tokens_revoked", "factors_reset": "admin.done.factors_reset",
	"membership_added": "admin.done.membership_added", "membership_removed": "admin.done.membership_removed",
}

func (s *Server) adminUserView(c echo.Context) error {
	v := adminUserPage{}
	if key := adminDone[c.QueryParam("done")]; key != "" {
		v.Done = localizerOf(c).T(key)
	}
	return s.renderAdminUser(c, http.StatusOK, v)
}

func (s *Server) renderAdminUser(c echo.Context, status int, v adminUserPage) error {
	ctx, a := c.Request().Context(), actorOf(c)
	u, err := s.Directory.AdminUser(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	ags, err := s.Directory.AdminAgencies(ctx, a)
	if err != nil {
		return err
	}
	v.Base, v.User, v.Agencies, v.Roles = s.base(c), u, ags, authz.MembershipRoles
	v.CanEdit = a.Can(authz.SectionDirectory, authz.ActionWrite) && !u.Self
	return s.render(c, status, "admin_user", v)
}

// adminBack redirects to the user's page with the outcome of the action.
func adminBack(c echo.Context, userID, done string) error {
	return redirect(c, "/admin/users/"+url.PathEscape(userID)+"?done="+done)
}

func (s *Server) adminAddMembership(c echo.Context) error {
	agencyID, role := c.FormValue("agency_id"), c.FormValue("role")
	err := s.Directory.AdminAddMembership(c.Request().Context(), actorOf(c), c.Param("id"), agencyID, role)
	if err != nil {
		status, errs, msg, ok := formFailure(c, err)
		if !ok {
			return err
		}
		return s.renderAdminUser(c, status, adminUserPage{In: directory.Invite{AgencyID: agencyID, Role: role}, Errors: errs, Error: msg})
	}
	return adminBack(c, c.Param("id"), "membership_added")
}

func (s *Server) adminRemoveMembership(c echo.Context) error {
	userID, err := s.Directory.AdminRemoveMembership(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		status, errs, msg, ok := formFailure(c, err)
		if !ok {
			return err
		}
		c.SetParamNames("id")
		c.SetParamValues(userID)
		return s.renderAdminUser(c, status, adminUserPage{Errors: errs, Error: msg})
	}
	return adminBack(c, userID, "membership_removed")
}

func (s *Server) adminDisable(c echo.Context) error {
	if err := s.Directory.AdminSetDisabled(c.Request().Context(), actorOf(c), c.Param("id"), true); err != nil {
		return err
	}
	return adminBack(c, c.Param("id"), "disabled")
}

func (s *Server) adminEnable(c echo.Context) error {
	if err := s.Directory.AdminSetDisabled(c.Request().Context(), actorOf(c), c.Param("id"), false); err != nil {
		return err
	}
	return adminBack(c, c.Param("id"), "enabled")
}

func (s *Server) adminEnrolment(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	token, exp, err := s.Directory.AdminIssueEnrolment(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	u, err := s.Directory.AdminUser(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "admin_link", adminLinkPage{Base: s.base(c), UserID: u.User.ID, Email: u.User.Email,
		Name: u.User.Name, URL: s.enrolmentURL(c, token), ExpiresAt: exp})
}

func (s *Server) adminEndSessions(c echo.Context) error {
	if _, err := s.Directory.AdminEndSessions(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return adminBack(c, c.Param("id"), "signed_out")
}

func (s *Server) adminRevokeTokens(c echo.Context) error {
	if _, err := s.Directory.AdminRevokeTokens(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return adminBack(c, c.Param("id"), "tokens_revoked")
}

func (s *Server) adminResetFactors(c echo.Context) error {
	if err := s.Directory.AdminResetFactors(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return adminBack(c, c.Param("id"), "factors_reset")
}
