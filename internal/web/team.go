package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/directory"
	"homeward/internal/problem"
)

// teamPage is the view model of the team page of a case.
type teamPage struct {
	Base
	Tabs      caseTabs
	Team      *cases.Team
	OwnerName string
	// Assigned is the name of the assigned caseworker, "" when the case is not assigned.
	Assigned    string
	Members     []teamMemberView
	CanManage   bool
	Caseworkers []directory.User
	Offer       []teamMemberView // agencies of the store that may join the team
	// What the user typed, kept after a refusal, and the messages.
	UserID, Agency string
	// Selected is the caseworker the assignment form shows chosen: the typed one, else the assigned one.
	Selected string
	Errors   map[string]string
	Error    string
}

// teamMemberView is an agency of the case team as the page shows it.
type teamMemberView struct {
	ID, Slug, Name, Kind string
	Member               cases.TeamMember
}

func (s *Server) teamView(c echo.Context) error {
	return s.renderTeam(c, http.StatusOK, teamPage{})
}

// renderTeam loads the team and what the forms offer, and renders the page with the typed input.
func (s *Server) renderTeam(c echo.Context, status int, v teamPage) error {
	ctx, a := c.Request().Context(), actorOf(c)
	t, err := s.Cases.Team(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	v.Base, v.Tabs, v.Team = s.base(c), tabsFor(c, t.CaseID, "/team"), t
	lang := v.L.Lang
	if ag, err := s.Directory.Agency(ctx, t.OwnerAgencyID); err == nil {
		v.OwnerName = ag.Name(lang)
	}
	if t.AssignedUserID != nil {
		names, err := s.Directory.UserNames(ctx, []string{*t.AssignedUserID})
		if err != nil {
			return err
		}
		v.Assigned = names[*t.AssignedUserID]
	}
	v.Selected = v.UserID
	if v.Selected == "" && t.AssignedUserID != nil {
		v.Selected = *t.AssignedUserID
	}
	inTeam := map[string]bool{t.OwnerAgencyID: true}
	for _, m := range t.Members {
		inTeam[m.AgencyID] = true
		mv := teamMemberView{ID: m.AgencyID, Member: m}
		if ag, err := s.Directory.Agency(ctx, m.AgencyID); err == nil {
			mv.Slug, mv.Name, mv.Kind = ag.Slug, ag.Name(lang), ag.Kind
		}
		v.Members = append(v.Members, mv)
	}
	v.CanManage = a.Can(authz.SectionTeam, authz.ActionWrite) && t.OwnerAgencyID == a.AgencyID
	if v.CanManage {
		if v.Caseworkers, err = s.Directory.Members(ctx, t.OwnerAgencyID, string(authz.RoleCaseworker)); err != nil {
			return err
		}
		all, err := s.Directory.StoreAgencies(ctx, a.Country)
		if err != nil {
			return err
		}
		for _, ag := range all {
			if !inTeam[ag.ID] && (ag.Kind == directory.KindPolice || ag.Kind == directory.KindSocialWelfare) {
				v.Offer = append(v.Offer, teamMemberView{ID: ag.ID, Slug: ag.Slug, Name: ag.Name(lang), Kind: ag.Kind})
			}
		}
	}
	return s.render(c, status, "team", v)
}

// teamRefused re-renders the team page after a refused edit (422) or a stale version (409),
// keeping what the user typed; any other error goes to the error handler.
func (s *Server) teamRefused(c echo.Context, err error, v teamPage) error {
	status, _ := classify(err)
	if status != http.StatusConflict && status != http.StatusUnprocessableEntity {
		return err
	}
	l := localizerOf(c)
	v.Errors = map[string]string{}
	if inv, ok := problem.AsInvalid(err); ok {
		for f, key := range inv.Fields {
			v.Errors[f] = l.T(key)
		}
	} else {
		v.Error = l.T("error.conflict")
	}
	return s.renderTeam(c, status, v)
}

// isCaseworker answers the case service's membership check from the directory.
func (s *Server) isCaseworker(ctx context.Context, agencyID, userID string) (bool, error) {
	return s.Directory.HasMember(ctx, agencyID, userID, string(authz.RoleCaseworker))
}

// teamAgency looks an agency up by slug or id for the case team; unknown is the zero value.
func (s *Server) teamAgency(ctx context.Context, ref string) cases.TeamAgency {
	ag, err := s.Directory.AgencyByRef(ctx, strings.TrimSpace(ref))
	if err != nil {
		return cases.TeamAgency{}
	}
	out := cases.TeamAgency{ID: ag.ID, Kind: ag.Kind}
	if ag.Country != nil {
		out.Country = *ag.Country
	}
	return out
}

func (s *Server) teamAssign(c echo.Context) error {
	id := c.Param("id")
	version, err := strconv.Atoi(c.FormValue("version"))
	if err != nil {
		version = -1 // a form without its version is stale
	}
	in := cases.AssignInput{UserID: strings.TrimSpace(c.FormValue("user_id")), Version: version}
	if _, err := s.Cases.Assign(c.Request().Context(), actorOf(c), id, in, s.isCaseworker); err != nil {
		return s.teamRefused(c, err, teamPage{UserID: in.UserID})
	}
	return s.done(c, "/cases/"+id+"/team", "flash.team_assigned")
}

func (s *Server) teamAdd(c echo.Context) error {
	id, ref := c.Param("id"), c.FormValue("agency")
	ctx := c.Request().Context()
	if err := s.Cases.AddTeamAgency(ctx, actorOf(c), id, s.teamAgency(ctx, ref)); err != nil {
		return s.teamRefused(c, err, teamPage{Agency: ref})
	}
	return s.done(c, "/cases/"+id+"/team", "flash.team_added")
}

func (s *Server) teamRemove(c echo.Context) error {
	id, ref := c.Param("id"), c.FormValue("agency")
	ctx := c.Request().Context()
	if err := s.Cases.RemoveTeamAgency(ctx, actorOf(c), id, s.teamAgency(ctx, ref).ID); err != nil {
		return s.teamRefused(c, err, teamPage{})
	}
	return s.done(c, "/cases/"+id+"/team", "flash.team_removed")
}

// teamJSON is the case team in the API.
type teamJSON struct {
	CaseID         string           `json:"case_id"`
	OwnerAgency    string           `json:"owner_agency"`
	AssignedUserID *string          `json:"assigned_user_id"`
	Version        int              `json:"version"`
	Team           []teamMemberJSON `json:"team"`
}

type teamMemberJSON struct {
	AgencyID string `json:"agency_id"`
	Slug     string `json:"slug"`
	AddedAt  string `json:"added_at"`
}

func (s *Server) apiTeam(c echo.Context) error {
	ctx := c.Request().Context()
	t, err := s.Cases.Team(ctx, actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.teamBody(ctx, t))
}

func (s *Server) teamBody(ctx context.Context, t *cases.Team) teamJSON {
	out := teamJSON{CaseID: t.CaseID, AssignedUserID: t.AssignedUserID, Version: t.Version, Team: []teamMemberJSON{}}
	if ag, err := s.Directory.Agency(ctx, t.OwnerAgencyID); err == nil {
		out.OwnerAgency = ag.Slug
	}
	for _, m := range t.Members {
		mj := teamMemberJSON{AgencyID: m.AgencyID, AddedAt: m.AddedAt.UTC().Format("2006-01-02T15:04:05.999999Z07:00")}
		if ag, err := s.Directory.Agency(ctx, m.AgencyID); err == nil {
			mj.Slug = ag.Slug
		}
		out.Team = append(out.Team, mj)
	}
	return out
}

func (s *Server) apiAssign(c echo.Context) error {
	var in cases.AssignInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cs, err := s.Cases.Assign(c.Request().Context(), actorOf(c), c.Param("id"), in, s.isCaseworker)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": cs.ID, "reference": cs.Reference, "stage": cs.Stage,
		"assigned_user_id": cs.AssignedUserID, "version": cs.Version, "updated_at": cs.UpdatedAt})
}

func (s *Server) apiTeamAdd(c echo.Context) error {
	var in struct {
		Agency string `json:"agency"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx, a, id := c.Request().Context(), actorOf(c), c.Param("id")
	if err := s.Cases.AddTeamAgency(ctx, a, id, s.teamAgency(ctx, in.Agency)); err != nil {
		return err
	}
	t, err := s.Cases.Team(ctx, a, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.teamBody(ctx, t))
}

func (s *Server) apiTeamRemove(c echo.Context) error {
	ctx := c.Request().Context()
	if err := s.Cases.RemoveTeamAgency(ctx, actorOf(c), c.Param("id"), s.teamAgency(ctx, c.Param("agency")).ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// caseFilter is the work-list filters as they come in the query string of /cases and
// /api/v1/cases: stage, q, operation, nationality, minor (true|false), assigned (me),
// pending_approval (true|false) and cursor.
type caseFilter struct {
	Q, Stage, Operation, Nationality, Minor, Assigned, Pending, Cursor string
}

func readCaseFilter(c echo.Context) caseFilter {
	return caseFilter{Q: c.QueryParam("q"), Stage: c.QueryParam("stage"), Operation: c.QueryParam("operation"),
		Nationality: c.QueryParam("nationality"), Minor: c.QueryParam("minor"), Assigned: c.QueryParam("assigned"),
		Pending: c.QueryParam("pending_approval"), Cursor: c.QueryParam("cursor")}
}

// query turns the filters into the case list's query for the actor; a value it cannot read is
// *problem.Invalid.
func (f caseFilter) query(a *authz.Actor) (cases.ListQuery, error) {
	q := cases.ListQuery{Stage: cases.Stage(f.Stage), Q: f.Q, Operation: f.Operation, Nationality: f.Nationality, Cursor: f.Cursor}
	inv := &problem.Invalid{}
	if b, ok := parseFilterFlag(f.Minor); !ok {
		inv.Add("minor", "form.error.invalid")
	} else {
		q.Minor = b
	}
	switch strings.TrimSpace(f.Assigned) {
	case "":
	case "me":
		q.AssignedTo = a.UserID
	default:
		inv.Add("assigned", "form.error.invalid")
	}
	if b, ok := parseFilterFlag(f.Pending); !ok {
		inv.Add("pending_approval", "form.error.invalid")
	} else {
		q.PendingApproval = b != nil && *b
	}
	return q, inv.Err()
}

// parseFilterFlag reads an optional boolean query value: nil when absent.
func parseFilterFlag(s string) (*bool, bool) {
	var b bool
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return nil, true
	case "true", "1", "yes", "on":
		b = true
	case "false", "0", "no", "off":
	default:
		return nil, false
	}
	return &b, true
}

// link is the list URL of these filters with a cursor.
func (f caseFilter) link(cursor string) string {
	v := url.Values{}
	for k, val := range map[string]string{"q": f.Q, "stage": f.Stage, "operation": f.Operation, "nationality": f.Nationality,
		"minor": f.Minor, "assigned": f.Assigned, "pending_approval": f.Pending, "cursor": cursor} {
		if val != "" {
			v.Set(k, val)
		}
	}
	return "/cases?" + v.Encode()
}
