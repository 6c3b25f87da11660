package repatriation

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
)

// MaxOverdue is the most overdue steps Overdue lists (the oldest first).
const MaxOverdue = 500

// overdueSQL lists the open steps past their deadline in cases still preparing a return: those of
// the agency's own cases through the partial index (owner, deadline), and those of the cases whose
// team it is on, merged in deadline order and cut at the limit; the scope condition is applied
// again on the case. Arguments: agency, today, agency, agency, today, scope..., limit.
const overdueSQL = `SELECT c.id AS case_id, c.reference AS case_ref, s.step, s.due_on
FROM (
  (SELECT case_id, step, due_on FROM repatriation_steps
   WHERE owner_agency_id = ? AND NOT done AND active AND due_on < ? ORDER BY due_on, case_id, step)
  UNION ALL
  (SELECT r.case_id, r.step, r.due_on FROM case_team ct JOIN repatriation_steps r ON r.case_id = ct.case_id
   WHERE ct.agency_id = ? AND r.owner_agency_id IS DISTINCT FROM ? AND NOT r.done AND r.active AND r.due_on < ?)
) s JOIN cases c ON c.id = s.case_id
WHERE c.stage IN ('recovery', 'return_preparation') AND `

// overdueOrder follows the index, so the scan stops at the limit without sorting.
const overdueOrder = ` ORDER BY s.due_on, s.case_id, s.step LIMIT ?`

// Overdue lists the steps past their deadline across the cases the supervisor's agency sees (owned
// or on its case team) that are still in recovery or return preparation, the oldest deadline first,
// at most MaxOverdue. Supervisors only (overdue:read); the read is audited.
func (s *Service) Overdue(ctx context.Context, a *authz.Actor) ([]OverdueStep, error) {
	return s.OverdueFirst(ctx, a, MaxOverdue)
}

// OverdueFirst is Overdue limited to the n oldest steps (1 to MaxOverdue), for a dashboard that
// shows only the first few.
func (s *Service) OverdueFirst(ctx context.Context, a *authz.Actor, n int) ([]OverdueStep, error) {
	if n <= 0 || n > MaxOverdue {
		n = MaxOverdue
	}
	if err := a.Require(authz.SectionOverdue, authz.ActionRead); err != nil {
		return nil, err
	}
	st, scope, err := s.stores.Bind(a, authz.SectionRepatriation, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	now := s.now()
	day := today(now)
	out := []OverdueStep{}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cond, args := scope.CaseFilter("c")
		var rows []struct {
			CaseID, CaseRef, Step string
			DueOn                 time.Time
		}
		q := append(append([]any{scope.AgencyID, day, scope.AgencyID, scope.AgencyID, day}, args...), n)
		if err := tx.Raw(overdueSQL+cond+overdueOrder, q...).Scan(&rows).Error; err != nil {
			return fmt.Errorf("overdue steps: %w", err)
		}
		for _, r := range rows {
			out = append(out, OverdueStep{CaseID: r.CaseID, CaseRef: r.CaseRef, Step: Step(r.Step),
				DueOn: r.DueOn.Format(time.DateOnly), DaysOverdue: daysBetween(r.DueOn, day)})
		}
		return audit.Append(tx, now, audit.ByActor(a, audit.RepatriationOverdueRead, "agency", a.AgencyID,
			map[string]any{"count": len(out)}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
