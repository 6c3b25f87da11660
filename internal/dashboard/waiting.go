package dashboard

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/services"
)

// Waiting is how much work waits for an actor, counted by the dashboard's own queries with the same
// scope and the same rights as the home page, so that no count says more than the actor's own
// pages show. A count the actor's rights do not give is 0. It carries numbers only: no case, no
// reference, no name (the e-mail digest is built from it).
type Waiting struct {
	Screenings     int `json:"screenings"`      // the caseworker's screenings pending
	Returned       int `json:"returned"`        // the caseworker's decisions returned
	Deadlines      int `json:"deadlines"`       // the caseworker's repatriation deadlines near or past
	VisitsDue      int `json:"visits_due"`      // the caseworker's follow-up visits due
	Decisions      int `json:"decisions"`       // identification decisions waiting for approval
	Closures       int `json:"closures"`        // closure requests waiting
	PacketsPending int `json:"packets_pending"` // the agency's packets waiting for approval
	OverdueSteps   int `json:"overdue_steps"`   // the agency's overdue repatriation steps
	OverdueVisits  int `json:"overdue_visits"`  // the agency's overdue follow-up visits
	PacketsNew     int `json:"packets_new"`     // packets received and not yet opened
}

// Total is every count summed.
func (w Waiting) Total() int {
	return w.Screenings + w.Returned + w.Deadlines + w.VisitsDue + w.Decisions + w.Closures +
		w.PacketsPending + w.OverdueSteps + w.OverdueVisits + w.PacketsNew
}

// More reports whether some count of w is above the same count of before: something new waits.
func (w Waiting) More(before Waiting) bool {
	return w.Screenings > before.Screenings || w.Returned > before.Returned || w.Deadlines > before.Deadlines ||
		w.VisitsDue > before.VisitsDue || w.Decisions > before.Decisions || w.Closures > before.Closures ||
		w.PacketsPending > before.PacketsPending || w.OverdueSteps > before.OverdueSteps ||
		w.OverdueVisits > before.OverdueVisits || w.PacketsNew > before.PacketsNew
}

// overdueStepsSQL counts the agency's repatriation steps due before today from the summary (the
// per-day 'step_due:' items), as the overdue visits are counted. Parameters: the scope, yesterday.
var overdueStepsSQL = `SELECT (` + datedSumSQL + `) AS n`

// pendingCountSQL counts the packets of the actor's agency waiting for approval (pendingPacketsSQL's rows).
const pendingCountSQL = `SELECT count(*) FROM packets p WHERE p.sender_agency_id = ? AND p.status = 'pending_approval'`

// Waiting counts the work waiting for a: the totals of the lists of For, from the summary and the
// hub, without reading a case, a reference or a name (so nothing is audited: no case data is read).
func (s *Service) Waiting(ctx context.Context, a *authz.Actor) (Waiting, error) {
	var w Waiting
	if a.HasStore() && a.Can(authz.SectionCases, authz.ActionRead) {
		if err := s.waitingInStore(ctx, a, &w); err != nil {
			return Waiting{}, err
		}
	}
	if a.Can(authz.SectionInbox, authz.ActionRead) {
		in, err := s.inbox(ctx, a)
		if err != nil {
			return Waiting{}, err
		}
		for _, c := range in.ByStatus {
			if c.Status == "sent" {
				w.PacketsNew = c.Count
			}
		}
	}
	return w, nil
}

func (s *Service) waitingInStore(ctx context.Context, a *authz.Actor, w *Waiting) error {
	st, scope, err := s.stores.Bind(a, authz.SectionCases, authz.ActionRead)
	if err != nil {
		return err
	}
	today := services.Today(s.now())
	q := query{scope: scope, a: a, today: today, soon: today.AddDate(0, 0, SoonDays), trace: s.trace}
	return st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		counts, err := q.counts(tx)
		if err != nil {
			return err
		}
		dated, err := q.dated(tx, supervises(a))
		if err != nil {
			return err
		}
		w.Screenings, w.Returned = counts[itemScreeningPending].OpenTo, counts[itemDecisionReturned].OpenTo
		if a.Can(authz.SectionRepatriation, authz.ActionRead) {
			w.Deadlines = dated.Deadlines
		}
		if a.Can(authz.SectionReintegration, authz.ActionRead) {
			w.VisitsDue = dated.Visits
		}
		if a.Can(authz.SectionIdentification, authz.ActionApprove) {
			w.Decisions = counts[itemDecisionProposed].Total
		}
		if a.Can(authz.SectionClosure, authz.ActionApprove) {
			w.Closures = counts[itemClosureRequested].Total
		}
		if a.Can(authz.SectionOverdue, authz.ActionRead) && a.Can(authz.SectionReintegration, authz.ActionRead) {
			w.OverdueVisits = dated.OverdueVisits
		}
		if overdueSteps(a) {
			cond, args := scope.AgencyFilter("k")
			yesterday := today.AddDate(0, 0, -1).Format(time.DateOnly)
			sql := fmt.Sprintf(overdueStepsSQL, cond, "step_due:", "")
			if err := q.raw(tx, sql, append(args, yesterday)...).Scan(&w.OverdueSteps).Error; err != nil {
				return fmt.Errorf("dashboard overdue steps: %w", err)
			}
		}
		if a.Can(authz.SectionPackets, authz.ActionApprove) {
			if err := s.hub.WithContext(ctx).Raw(pendingCountSQL, a.AgencyID).Scan(&w.PacketsPending).Error; err != nil {
				return fmt.Errorf("packets waiting: %w", err)
			}
		}
		return nil
	})
}
