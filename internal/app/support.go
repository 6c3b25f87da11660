package app

import (
	"context"
	"time"

	"homeward/internal/authz"
	"homeward/internal/dashboard"
	"homeward/internal/repatriation"
)

// overdueSteps adapts the repatriation's overdue steps to the supervisor's dashboard.
func overdueSteps(r *repatriation.Service) dashboard.OverdueSteps {
	if r == nil {
		return nil
	}
	return func(ctx context.Context, a *authz.Actor) ([]dashboard.Task, error) {
		steps, err := r.Overdue(ctx, a)
		if err != nil {
			return nil, err
		}
		out := make([]dashboard.Task, 0, len(steps))
		for _, s := range steps {
			t := dashboard.Task{CaseID: s.CaseID, Reference: s.CaseRef, What: string(s.Step), Overdue: true}
			if d, err := time.Parse(time.DateOnly, s.DueOn); err == nil {
				t.Due = &d
			}
			out = append(out, t)
		}
		return out, nil
	}
}
