package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"homeward/internal/cases"
	"homeward/internal/problem"
)

// mergeForm is the merge form of the case page, as typed, with the message of a refusal.
type mergeForm struct {
	Into, Reason, Error string
}

// caseMerge merges the case's person into the person of another case (reference or id), by a
// supervisor. On a refusal or a stale version it shows the case again with the message and what
// was typed.
func (s *Server) caseMerge(c echo.Context) error {
	ctx, a, id := c.Request().Context(), actorOf(c), c.Param("id")
	version, _ := strconv.Atoi(c.FormValue("version"))
	in := cases.CaseMergeInput{IntoCase: c.FormValue("into"), Reason: c.FormValue("reason"), Version: version}
	_, err := s.Cases.MergeCase(ctx, a, id, in)
	if err == nil {
		return s.done(c, "/cases/"+id, "flash.persons_merged")
	}
	status, _ := classify(err)
	if status != http.StatusConflict && status != http.StatusUnprocessableEntity {
		return err
	}
	v, gerr := s.Cases.Get(ctx, a, id)
	if gerr != nil {
		return gerr
	}
	b := s.base(c)
	form := mergeForm{Into: in.IntoCase, Reason: in.Reason, Error: b.L.T("error.conflict")}
	if inv, ok := problem.AsInvalid(err); ok {
		var msgs []string
		for _, key := range inv.Fields {
			msgs = append(msgs, b.L.T(key))
		}
		form.Error = strings.Join(msgs, " ")
	}
	return s.render(c, status, "case_view", caseViewPage{Base: b, Tabs: tabsFor(c, v.Case.ID, ""), View: v, Merge: form})
}

// intakeResponse is the body of 201 from POST /api/v1/persons.
type intakeResponse struct {
	Person             map[string]any    `json:"person"`
	Case               map[string]any    `json:"case"`
	PossibleDuplicates []cases.Duplicate `json:"possible_duplicates"`
}

// apiIntake registers a person and lists the possible duplicates found in the store; the person
// is registered whatever they are (201), so an integration never loses an intake.
func (s *Server) apiIntake(c echo.Context) error {
	var in cases.IntakeInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, err := s.Cases.Register(c.Request().Context(), actorOf(c), in)
	if err != nil {
		return err
	}
	p := r.Person
	return c.JSON(http.StatusCreated, intakeResponse{
		Person: map[string]any{"id": p.ID, "given_name": p.GivenName, "family_name": p.FamilyName, "minor": p.Minor,
			"aliases": nonNil(p.Aliases)},
		Case:               caseCore(r.Case),
		PossibleDuplicates: nonNil(r.Duplicates),
	})
}

// apiDuplicates lists the possible duplicates of an intake body without registering anything.
func (s *Server) apiDuplicates(c echo.Context) error {
	var in cases.IntakeInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	dups, err := s.Cases.PossibleDuplicates(c.Request().Context(), actorOf(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"possible_duplicates": nonNil(dups)})
}

// apiLinkCase opens a case for an existing person: 201 with the new case, or 200 with the open
// case the actor's agency already has.
func (s *Server) apiLinkCase(c echo.Context) error {
	if err := decodeJSON(c, &struct{}{}); err != nil && c.Request().ContentLength != 0 {
		return err
	}
	cs, created, err := s.Cases.LinkCase(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, map[string]any{"case": caseCore(cs), "created": created})
}

// apiMerge merges the person into another: {"into", "reason"} -> the merge result.
func (s *Server) apiMerge(c echo.Context) error {
	var in cases.MergeInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	res, err := s.Cases.Merge(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// identityDetails adds the intake details to the identity of GET /api/v1/cases/{id}.
func identityDetails(ident map[string]any, id *cases.Identity) {
	ident["aliases"] = nonNil(id.Aliases)
	ident["documents_held"] = nonNil(id.DocumentsHeld)
	ident["documents_missing"] = nonNil(id.DocumentsMissing)
	ident["has_urgent_needs"] = id.HasUrgentNeeds
	if id.UrgentNeeds != "" {
		ident["urgent_needs"] = id.UrgentNeeds
	}
}

// nonNil is s, or an empty slice (a JSON [] rather than null).
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
