package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"homeward/internal/cases"
	"homeward/web"
)

func (s *Server) openAPI(c echo.Context) error {
	b, err := web.Files.ReadFile("static/openapi.json")
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSONCharsetUTF8, b)
}

type meResponse struct {
	User struct {
		ID    string `json:"id"`
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"user"`
	Agency struct {
		Slug string `json:"slug"`
		Kind string `json:"kind"`
	} `json:"agency"`
	Country *string  `json:"country"`
	Roles   []string `json:"roles"`
}

func (s *Server) apiMe(c echo.Context) error {
	a := actorOf(c)
	var r meResponse
	r.User.ID, r.User.Email, r.User.Name = a.UserID, a.Email, a.Name
	r.Agency.Slug, r.Agency.Kind = a.AgencySlug, a.AgencyKind
	if a.Country != "" {
		cc := a.Country
		r.Country = &cc
	}
	r.Roles = []string{}
	for _, role := range a.Roles {
		r.Roles = append(r.Roles, string(role))
	}
	return c.JSON(http.StatusOK, r)
}

type caseListResponse struct {
	Items      []cases.Summary `json:"items"`
	NextCursor *string         `json:"next_cursor"`
}

func (s *Server) apiCaseList(c echo.Context) error {
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	a := actorOf(c)
	q, err := readCaseFilter(c).query(a) // stage, q, operation, nationality, minor, assigned=me, pending_approval, cursor
	if err != nil {
		return err
	}
	q.Limit = limit
	page, err := s.Cases.List(c.Request().Context(), a, q)
	if err != nil {
		return err
	}
	r := caseListResponse{Items: page.Items}
	if r.Items == nil {
		r.Items = []cases.Summary{}
	}
	if page.NextCursor != "" {
		r.NextCursor = &page.NextCursor
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) apiCase(c echo.Context) error {
	v, err := s.Cases.Get(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, caseJSON(v))
}

type transitionRequest struct {
	To      string `json:"to"`
	Reason  string `json:"reason"`
	Version int    `json:"version"`
}

func (s *Server) apiTransition(c echo.Context) error {
	var in transitionRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cs, err := s.Cases.Transition(c.Request().Context(), actorOf(c), c.Param("id"),
		cases.TransitionInput{To: cases.Stage(in.To), Reason: in.Reason, Version: in.Version})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, caseCore(cs))
}

// decodeJSON reads a JSON body strictly: unknown fields and trailing data are bad requests, and a
// body over MaxJSON is too large whether or not it declared its length.
func decodeJSON(c echo.Context, v any) error {
	body := http.MaxBytesReader(c.Response(), c.Request().Body, MaxJSON)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = fmt.Errorf("trailing data after the JSON body: %w", terr)
		}
	}
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooLarge), errors.Is(err, echo.ErrStatusRequestEntityTooLarge):
		return echo.ErrStatusRequestEntityTooLarge
	default:
		return echo.NewHTTPError(http.StatusBadRequest, "malformed JSON").SetInternal(err)
	}
}

func caseCore(cs *cases.Case) map[string]any {
	out := map[string]any{"id": cs.ID, "reference": cs.Reference, "person_id": cs.PersonID, "stage": cs.Stage,
		"version": cs.Version, "updated_at": cs.UpdatedAt, "created_at": cs.CreatedAt}
	if cs.PacketRef != nil {
		out["packet_ref"] = *cs.PacketRef // a case received by handover: the packet it was made of
	}
	return out
}

// caseJSON renders the case with only the sections the actor may read; absent sections are omitted.
func caseJSON(v *cases.View) map[string]any {
	out := caseCore(&v.Case)
	out["minor"] = v.Minor
	next := []string{}
	for _, st := range v.Next {
		next = append(next, string(st))
	}
	out["next_stages"] = next
	if id := v.Identity; id != nil {
		ident := map[string]any{"given_name": id.GivenName, "family_name": id.FamilyName, "sex": id.Sex,
			"nationality": id.Nationality, "languages": id.Languages, "minor": id.Minor,
			"age_estimate": id.AgeEstimate, "document_number": id.DocumentNumber, "contact": id.Contact}
		if id.BirthDate != nil {
			ident["birth_date"] = id.BirthDate.Format("2006-01-02")
		}
		identityDetails(ident, id) // aliases, documents, urgent needs (persons.go)
		out["identity"] = ident
	}
	return out
}
