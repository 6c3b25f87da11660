package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/directory"
	"homeward/internal/locale"
	"homeward/internal/problem"
)

// adminHomePage is /admin: the agencies the admin's country runs.
type adminHomePage struct {
	Base
	Agencies []adminAgencyView
}

// adminAgencyView is an agency with its kind in the reader's language.
type adminAgencyView struct {
	directory.Agency
	KindLabel string
}

// agencyKindLabel names an agency kind in the reader's language.
func agencyKindLabel(l *locale.Localizer, kind string) string {
	switch kind {
	case directory.KindPolice:
		return l.T("admin.kind.police")
	case directory.KindSocialWelfare:
		return l.T("admin.kind.social_welfare")
	case directory.KindEmbassy:
		return l.T("admin.kind.embassy")
	case directory.KindNGO:
		return l.T("admin.kind.ngo")
	}
	return kind
}

func (s *Server) adminHome(c echo.Context) error {
	ags, err := s.Directory.AdminAgencies(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	v := adminHomePage{Base: s.base(c)}
	for _, ag := range ags {
		v.Agencies = append(v.Agencies, adminAgencyView{Agency: ag, KindLabel: agencyKindLabel(v.L, ag.Kind)})
	}
	return s.render(c, http.StatusOK, "admin_home", v)
}

// adminUsersPage is the user list: a search and a page of users.
type adminUsersPage struct {
	Base
	Q       string
	Page    *directory.AdminUserPage
	NextURL string
	CanEdit bool
}

func (s *Server) adminUserList(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	q := directory.AdminUserQuery{Q: c.QueryParam("q"), Cursor: c.QueryParam("cursor")}
	page, err := s.Directory.AdminUsers(ctx, a, q)
	if _, bad := problem.AsInvalid(err); bad {
		q.Cursor = "" // a cursor from an old link: the first page
		page, err = s.Directory.AdminUsers(ctx, a, q)
	}
	if err != nil {
		return err
	}
	v := adminUsersPage{Base: s.base(c), Q: q.Q, Page: page, CanEdit: a.Can(authz.SectionDirectory, authz.ActionWrite)}
	if page.NextCursor != "" {
		v.NextURL = "/admin/users?" + url.Values{"q": {q.Q}, "cursor": {page.NextCursor}}.Encode()
	}
	return s.render(c, http.StatusOK, "admin_users", v)
}

// adminInvitePage is the invitation form, with what was typed and its problems.
type adminInvitePage struct {
	Base
	In       directory.Invite
	Agencies []directory.Agency
	Roles    []authz.Role
	Errors   map[string]string
	Error    string
}

func (s *Server) adminInviteForm(c echo.Context) error {
	return s.renderInvite(c, http.StatusOK, adminInvitePage{})
}

func (s *Server) renderInvite(c echo.Context, status int, v adminInvitePage) error {
	ags, err := s.Directory.AdminAgencies(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	v.Base, v.Agencies, v.Roles = s.base(c), ags, authz.MembershipRoles
	return s.render(c, status, "admin_invite", v)
}

// adminLinkPage shows a one-time enrolment link, once.
type adminLinkPage struct {
	Base
	UserID, Email, Name string
	URL                 string
	ExpiresAt           time.Time
	Invited             bool
}

func (s *Server) adminInvite(c echo.Context) error {
	in := directory.Invite{Email: c.FormValue("email"), Name: c.FormValue("name"), AgencyID: c.FormValue("agency_id"), Role: c.FormValue("role")}
	inv, err := s.Directory.AdminInvite(c.Request().Context(), actorOf(c), in)
	if err != nil {
		status, errs, msg, ok := formFailure(c, err)
		if !ok {
			return err
		}
		return s.renderInvite(c, status, adminInvitePage{In: in, Errors: errs, Error: msg})
	}
	return s.render(c, http.StatusCreated, "admin_link", adminLinkPage{Base: s.base(c), UserID: inv.User.ID, Email: inv.User.Email,
		Name: inv.User.Name, URL: s.enrolmentURL(c, inv.Token), ExpiresAt: inv.ExpiresAt, Invited: true})
}
