package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/directory"
	"homeward/internal/problem"
)

// adminUserJSON is a user as the admin API returns them.
type adminUserJSON struct {
	ID          string                `json:"id"`
	Email       string                `json:"email"`
	Name        string                `json:"name"`
	Disabled    bool                  `json:"disabled"`
	Enrolled    bool                  `json:"enrolled"`
	Version     int                   `json:"version,omitempty"`
	Memberships []adminMembershipJSON `json:"memberships"`
}

type adminMembershipJSON struct {
	ID     string `json:"id,omitempty"`
	Agency string `json:"agency"`
	Role   string `json:"role"`
	// Here is true for a membership at an agency of the caller's country (the only ones it may remove).
	Here bool `json:"here"`
}

type adminUserListJSON struct {
	Items      []adminUserJSON `json:"items"`
	NextCursor *string         `json:"next_cursor"`
}

type adminLinkJSON struct {
	User          *adminUserJSON `json:"user,omitempty"`
	EnrolmentURL  string         `json:"enrolment_url"`
	LinkExpiresAt time.Time      `json:"expires_at"`
}

func adminUserOut(u *directory.AdminUser) adminUserJSON {
	out := adminUserJSON{ID: u.User.ID, Email: u.User.Email, Name: u.User.Name, Disabled: u.User.DisabledAt != nil,
		Enrolled: u.Enrolled, Version: u.User.Version, Memberships: []adminMembershipJSON{}}
	for _, m := range u.Memberships {
		out.Memberships = append(out.Memberships, adminMembershipJSON{ID: m.ID, Agency: m.Agency.Slug, Role: m.Role, Here: m.Here})
	}
	return out
}

// enrolmentURL is the absolute link of an enrolment token: under PublicURL, else this request's host.
func (s *Server) enrolmentURL(c echo.Context, token string) string {
	base := s.PublicURL
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	return strings.TrimRight(base, "/") + directory.EnrolmentPath(token)
}

// agencyRef resolves an agency given by slug or id to its id; an unknown one stays as given, for
// the service to refuse.
func (s *Server) agencyRef(c echo.Context, ref string) string {
	if ag, err := s.Directory.AgencyByRef(c.Request().Context(), strings.TrimSpace(ref)); err == nil {
		return ag.ID
	}
	return ref
}

func (s *Server) apiAdminUsers(c echo.Context) error {
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	page, err := s.Directory.AdminUsers(c.Request().Context(), actorOf(c),
		directory.AdminUserQuery{Q: c.QueryParam("q"), Cursor: c.QueryParam("cursor"), Limit: limit})
	if err != nil {
		return err
	}
	out := adminUserListJSON{Items: []adminUserJSON{}}
	for _, u := range page.Items {
		j := adminUserJSON{ID: u.ID, Email: u.Email, Name: u.Name, Disabled: u.Disabled, Enrolled: u.Enrolled, Memberships: []adminMembershipJSON{}}
		for _, r := range u.Roles {
			j.Memberships = append(j.Memberships, adminMembershipJSON{Agency: r.AgencySlug, Role: r.Role, Here: true})
		}
		out.Items = append(out.Items, j)
	}
	if page.NextCursor != "" {
		out.NextCursor = &page.NextCursor
	}
	return c.JSON(http.StatusOK, out)
}

// adminUserAnswer answers with the user as stored now.
func (s *Server) adminUserAnswer(c echo.Context, status int, id string) error {
	u, err := s.Directory.AdminUser(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(status, adminUserOut(u))
}

func (s *Server) apiAdminUser(c echo.Context) error {
	return s.adminUserAnswer(c, http.StatusOK, c.Param("id"))
}

type adminInviteRequest struct {
	Email  string `json:"email"`
	Name   string `json:"name"`
	Agency string `json:"agency_id"` // id or slug
	Role   string `json:"role"`
}

func (s *Server) apiAdminInvite(c echo.Context) error {
	var in adminInviteRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	inv, err := s.Directory.AdminInvite(c.Request().Context(), actorOf(c),
		directory.Invite{Email: in.Email, Name: in.Name, AgencyID: s.agencyRef(c, in.Agency), Role: in.Role})
	if err != nil {
		return err
	}
	u, err := s.Directory.AdminUser(c.Request().Context(), actorOf(c), inv.User.ID)
	if err != nil {
		return err
	}
	out := adminUserOut(u)
	return c.JSON(http.StatusCreated, adminLinkJSON{User: &out, EnrolmentURL: s.enrolmentURL(c, inv.Token), LinkExpiresAt: inv.ExpiresAt})
}

type adminPatchRequest struct {
	Name     *string `json:"name"`
	Disabled *bool   `json:"disabled"`
	Version  *int    `json:"version"`
}

func (s *Server) apiAdminPatch(c echo.Context) error {
	var in adminPatchRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Version == nil {
		return &problem.Invalid{Fields: map[string]string{"version": "form.error.required"}}
	}
	if _, err := s.Directory.AdminUpdate(c.Request().Context(), actorOf(c), c.Param("id"),
		directory.AdminPatch{Name: in.Name, Disabled: in.Disabled, Version: *in.Version}); err != nil {
		return err
	}
	return s.adminUserAnswer(c, http.StatusOK, c.Param("id"))
}

type adminMembershipRequest struct {
	Agency string `json:"agency_id"` // id or slug
	Role   string `json:"role"`
}

func (s *Server) apiAdminAddMembership(c echo.Context) error {
	var in adminMembershipRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.Directory.AdminAddMembership(c.Request().Context(), actorOf(c), c.Param("id"), s.agencyRef(c, in.Agency), in.Role); err != nil {
		return err
	}
	return s.adminUserAnswer(c, http.StatusCreated, c.Param("id"))
}

func (s *Server) apiAdminRemoveMembership(c echo.Context) error {
	if _, err := s.Directory.AdminRemoveMembership(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiAdminDisable(c echo.Context) error { return s.apiAdminSetDisabled(c, true) }
func (s *Server) apiAdminEnable(c echo.Context) error  { return s.apiAdminSetDisabled(c, false) }

func (s *Server) apiAdminSetDisabled(c echo.Context, disabled bool) error {
	if err := s.Directory.AdminSetDisabled(c.Request().Context(), actorOf(c), c.Param("id"), disabled); err != nil {
		return err
	}
	return s.adminUserAnswer(c, http.StatusOK, c.Param("id"))
}

func (s *Server) apiAdminEnrolment(c echo.Context) error {
	token, exp, err := s.Directory.AdminIssueEnrolment(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, adminLinkJSON{EnrolmentURL: s.enrolmentURL(c, token), LinkExpiresAt: exp})
}

type adminCountJSON struct {
	Count int64 `json:"count"`
}

func (s *Server) apiAdminEndSessions(c echo.Context) error {
	n, err := s.Directory.AdminEndSessions(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, adminCountJSON{Count: n})
}

func (s *Server) apiAdminRevokeTokens(c echo.Context) error {
	n, err := s.Directory.AdminRevokeTokens(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, adminCountJSON{Count: n})
}

func (s *Server) apiAdminResetFactors(c echo.Context) error {
	if err := s.Directory.AdminResetFactors(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
