package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/directory"
	"homeward/internal/operations"
	"homeward/internal/problem"
)

type operationListPage struct {
	Base
	Page    *operations.Page
	NextURL string
	CanNew  bool
}

// list shows the operations of the actor's store, newest first.
func (h *operationHandlers) list(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	page, err := h.svc.List(ctx, a, operations.PageQuery{Cursor: c.QueryParam("cursor")})
	if _, bad := problem.AsInvalid(err); bad {
		page, err = h.svc.List(ctx, a, operations.PageQuery{}) // a cursor from an old link: first page
	}
	if err != nil {
		return err
	}
	v := operationListPage{Base: h.base(c), Page: page, CanNew: a.Can(authz.SectionOperations, authz.ActionWrite)}
	if page.NextCursor != "" {
		v.NextURL = "/operations?" + url.Values{"cursor": {page.NextCursor}}.Encode()
	}
	return h.render(c, http.StatusOK, "operations", v)
}

type operationFormPage struct {
	Base
	In       operations.Input
	Lat, Lon string // as typed
	Agencies []directory.Agency
	Errors   map[string]string // field -> translated message
}

// form shows an empty operation form: today's date, the actor's agency as lead when it may lead.
func (h *operationHandlers) form(c echo.Context) error {
	a := actorOf(c)
	ags, err := h.svc.LeadAgencies(c.Request().Context(), a)
	if err != nil {
		return err
	}
	in := operations.Input{OperationDate: time.Now().In(time.FixedZone("ICT", 7*60*60)).Format(time.DateOnly)}
	for _, ag := range ags {
		if ag.ID == a.AgencyID {
			in.LeadAgencyID = ag.ID
		}
	}
	return h.render(c, http.StatusOK, "operation_new", operationFormPage{Base: h.base(c), In: in, Agencies: ags})
}

// create records the operation, or shows the form again with the input and its problems.
func (h *operationHandlers) create(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	in := operations.Input{Name: c.FormValue("name"), OperationDate: c.FormValue("operation_date"),
		LeadAgencyID: c.FormValue("lead_agency_id"), Province: c.FormValue("province"), District: c.FormValue("district"),
		Compound: c.FormValue("compound"), Alias: c.FormValue("alias"), Notes: c.FormValue("notes"),
		Latitude: coordinate(c.FormValue("latitude")), Longitude: coordinate(c.FormValue("longitude"))}
	v, err := h.svc.Create(ctx, a, in)
	if err == nil {
		return h.done(c, "/operations/"+v.Operation.ID, "flash.operation_created")
	}
	inv, ok := problem.AsInvalid(err)
	if !ok {
		return err
	}
	ags, err := h.svc.LeadAgencies(ctx, a)
	if err != nil {
		return err
	}
	page := operationFormPage{Base: h.base(c), In: in, Lat: c.FormValue("latitude"), Lon: c.FormValue("longitude"),
		Agencies: ags, Errors: map[string]string{}}
	for f, key := range inv.Fields {
		page.Errors[f] = page.L.T(key)
	}
	return h.render(c, http.StatusUnprocessableEntity, "operation_new", page)
}

// coordinate reads a typed coordinate: "" is none; a decimal comma is accepted; anything else
// that is not a number becomes NaN, which the service refuses as out of range.
func coordinate(s string) *float64 {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	if s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		f = math.NaN()
	}
	return &f
}

type operationViewPage struct {
	Base
	View        *operations.View
	NotesLines  []string // the notes, line by line
	Coordinates string
	NextURL     string
	CanImport   bool // may bulk-import persons into this operation
}

// view shows an operation and the persons it brought in whose cases the actor may see.
func (h *operationHandlers) view(c echo.Context) error {
	ctx, a, id := c.Request().Context(), actorOf(c), c.Param("id")
	v, err := h.svc.Get(ctx, a, id, operations.PageQuery{Cursor: c.QueryParam("cursor")})
	if _, bad := problem.AsInvalid(err); bad {
		v, err = h.svc.Get(ctx, a, id, operations.PageQuery{})
	}
	if err != nil {
		return err
	}
	page := operationViewPage{CanImport: canImport(actorOf(c)), Base: h.base(c), View: v}
	if v.Notes != "" {
		page.NotesLines = strings.Split(strings.ReplaceAll(v.Notes, "\r\n", "\n"), "\n")
	}
	if op := v.Operation; op.Latitude != nil && op.Longitude != nil {
		page.Coordinates = fmt.Sprintf("%.6f, %.6f", *op.Latitude, *op.Longitude)
	}
	if v.NextCursor != "" {
		page.NextURL = "/operations/" + v.Operation.ID + "?" + url.Values{"cursor": {v.NextCursor}}.Encode()
	}
	return h.render(c, http.StatusOK, "operation_view", page)
}

// agencyJSON names an agency in the API.
type agencyJSON struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Kind string `json:"kind"`
	Name string `json:"name"`
}

func agencyRef(id string, ag *directory.Agency) agencyJSON {
	if ag == nil {
		return agencyJSON{ID: id}
	}
	return agencyJSON{ID: ag.ID, Slug: ag.Slug, Kind: ag.Kind, Name: ag.NameEN}
}

// operationSummaryJSON is one item of GET /api/v1/operations.
type operationSummaryJSON struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	OperationDate string     `json:"operation_date"`
	LeadAgency    agencyJSON `json:"lead_agency"`
	Province      string     `json:"province"`
	District      string     `json:"district"`
	Compound      string     `json:"compound"`
	Alias         string     `json:"alias"`
	Persons       *int       `json:"persons"`
}

// operationJSON is an operation in the API; Persons is absent for an actor who may not read cases,
// NextCursor (of the persons) is null on their last page.
type operationJSON struct {
	ID            string                 `json:"id"`
	Name          string                 `json:"name"`
	OperationDate string                 `json:"operation_date"`
	LeadAgency    agencyJSON             `json:"lead_agency"`
	Province      string                 `json:"province"`
	District      string                 `json:"district"`
	Compound      string                 `json:"compound"`
	Alias         string                 `json:"alias"`
	Latitude      *float64               `json:"latitude"`
	Longitude     *float64               `json:"longitude"`
	Notes         string                 `json:"notes"`
	CreatedAt     time.Time              `json:"created_at"`
	UpdatedAt     time.Time              `json:"updated_at"`
	Version       int                    `json:"version"`
	Persons       *[]operationPersonJSON `json:"persons,omitempty"`
	NextCursor    *string                `json:"next_cursor"`
}

// operationPersonJSON is a person an operation brought in; names only with the identity section.
type operationPersonJSON struct {
	CaseID      string `json:"case_id"`
	Reference   string `json:"reference"`
	PersonID    string `json:"person_id"`
	Stage       string `json:"stage"`
	Minor       bool   `json:"minor"`
	Nationality string `json:"nationality"`
	GivenName   string `json:"given_name,omitempty"`
	FamilyName  string `json:"family_name,omitempty"`
}

func toOperationJSON(v *operations.View) operationJSON {
	op := v.Operation
	out := operationJSON{ID: op.ID, Name: op.Name, OperationDate: op.OperationDate.Format(time.DateOnly),
		LeadAgency: agencyRef(op.LeadAgencyID, v.LeadAgency), Province: op.Province, District: op.District,
		Compound: op.Compound, Alias: op.Alias, Latitude: op.Latitude, Longitude: op.Longitude, Notes: v.Notes,
		CreatedAt: op.CreatedAt, UpdatedAt: op.UpdatedAt, Version: op.Version}
	if !v.PersonsShown {
		return out
	}
	persons := make([]operationPersonJSON, 0, len(v.Persons))
	for _, p := range v.Persons {
		persons = append(persons, operationPersonJSON{CaseID: p.CaseID, Reference: p.Reference, PersonID: p.PersonID,
			Stage: string(p.Stage), Minor: p.Minor, Nationality: p.Nationality, GivenName: p.GivenName, FamilyName: p.FamilyName})
	}
	out.Persons = &persons
	if v.NextCursor != "" {
		next := v.NextCursor
		out.NextCursor = &next
	}
	return out
}

// apiList answers GET /api/v1/operations?limit=&cursor=.
func (h *operationHandlers) apiList(c echo.Context) error {
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	page, err := h.svc.List(c.Request().Context(), actorOf(c), operations.PageQuery{Limit: limit, Cursor: c.QueryParam("cursor")})
	if err != nil {
		return err
	}
	items := make([]operationSummaryJSON, 0, len(page.Items))
	for _, it := range page.Items {
		items = append(items, operationSummaryJSON{ID: it.ID, Name: it.Name, OperationDate: it.OperationDate.Format(time.DateOnly),
			LeadAgency: agencyRef(it.LeadAgencyID, it.LeadAgency), Province: it.Province, District: it.District,
			Compound: it.Compound, Alias: it.Alias, Persons: it.Persons})
	}
	var next *string
	if page.NextCursor != "" {
		next = &page.NextCursor
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "next_cursor": next})
}

// apiCreate answers POST /api/v1/operations with 201 and the operation.
func (h *operationHandlers) apiCreate(c echo.Context) error {
	var in operations.Input
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	v, err := h.svc.Create(c.Request().Context(), actorOf(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toOperationJSON(v))
}

// apiGet answers GET /api/v1/operations/{id}?limit=&cursor= with the operation and one page of the
// persons it brought in that the caller may see.
func (h *operationHandlers) apiGet(c echo.Context) error {
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	v, err := h.svc.Get(c.Request().Context(), actorOf(c), c.Param("id"), operations.PageQuery{Limit: limit, Cursor: c.QueryParam("cursor")})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toOperationJSON(v))
}

// canImport reports whether the actor may bulk-import persons (the import also checks each right).
func canImport(a *authz.Actor) bool {
	return a.Can(authz.SectionOperations, authz.ActionWrite) && a.Can(authz.SectionCases, authz.ActionWrite) &&
		a.Can(authz.SectionIdentity, authz.ActionWrite)
}
