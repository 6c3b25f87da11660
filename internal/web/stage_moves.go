package web

import (
	"slices"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/screening"
)

// decisionOpens is the stage move an approved identification decision opens, offered as the next
// step after the approval: an identified victim moves on to recovery.
var decisionOpens = map[string]cases.Stage{"identified": cases.StageRecovery}

// nextAfterDecision is the next step offered beside the confirmation of an approved decision: the
// stage move the decision opens, when the case offers that move to the actor now (cases.View.Next);
// else nothing. The link preselects the move on the case page, where the user confirms it.
func (s *Server) nextAfterDecision(c echo.Context, d *screening.Decision) (href, labelKey string, err error) {
	a := actorOf(c)
	to, ok := decisionOpens[d.Decision]
	if !ok || !a.Can(authz.SectionCases, authz.ActionWrite) {
		return "", "", nil
	}
	v, err := s.Cases.Get(c.Request().Context(), a, d.CaseID)
	if err != nil {
		return "", "", err
	}
	if !slices.Contains(v.Next, to) {
		return "", "", nil
	}
	return movePath(d.CaseID, to), "case.next." + string(to), nil
}

// movePath is the case page with the move to a stage preselected in its stage form.
func movePath(caseID string, to cases.Stage) string {
	return "/cases/" + caseID + "?to=" + string(to) + "#stage"
}

// offeredMove is the stage preselected on the case page from ?to=, when the case offers it.
func offeredMove(c echo.Context, v *cases.View) string {
	to := cases.Stage(c.QueryParam("to"))
	if slices.Contains(v.Next, to) {
		return string(to)
	}
	return ""
}
