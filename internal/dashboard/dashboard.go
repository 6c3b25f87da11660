// Package dashboard is the work that comes to each role, on the home page: a caseworker's cases by
// stage and tasks due (screenings pending, decisions returned, repatriation deadlines near or past,
// follow-up visits due); a supervisor's approvals waiting (identification decisions, packets,
// closure requests) and the overdue steps across the team; an embassy's or NGO's inbox by status.
// Every panel is computed from the actor's own store (row scope applied) or, for packets, from the
// hub rows of the actor's own agency; reading case references is audited in the store.
package dashboard

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/services"
	"homeward/internal/store"
)

// MaxItems is how many items each task list shows (the total is counted in full).
const MaxItems = 10

// SoonDays is how far ahead a deadline or visit counts as due.
const SoonDays = 7

// Task is one thing to do on a case.
type Task struct {
	CaseID    string     `json:"case_id"`
	Reference string     `json:"case_ref"`
	Name      string     `json:"name,omitempty"` // only with the identity section
	What      string     `json:"what,omitempty"` // a value code: the step, the kind, the reason
	Due       *time.Time `json:"due,omitempty"`
	Overdue   bool       `json:"overdue"`
	ItemID    string     `json:"item_id,omitempty"` // the decision, packet or request to act on
}

// TaskList is a list of tasks with the full count.
type TaskList struct {
	Total int    `json:"total"`
	Items []Task `json:"items"`
}

// StageCount is the cases at one stage: all the actor's agency sees, and those assigned to the actor.
type StageCount struct {
	Stage string `json:"stage"`
	Total int    `json:"total"`
	Mine  int    `json:"mine"`
}

// Caseworker is the caseworker's panel.
type Caseworker struct {
	ByStage    []StageCount `json:"by_stage"`
	Screenings TaskList     `json:"screenings_pending"`
	Returned   TaskList     `json:"decisions_returned"`
	Deadlines  TaskList     `json:"repatriation_deadlines"`
	Visits     TaskList     `json:"visits_due"`
}

// Supervisor is the supervisor's panel: each list only for the right it needs (absent otherwise):
// decisions identification:approve, packets packets:approve, closures closure:approve, overdue
// steps overdue:read and repatriation:read, overdue visits overdue:read and reintegration:read.
type Supervisor struct {
	Decisions     *TaskList `json:"decisions_waiting,omitempty"`
	Packets       *TaskList `json:"packets_waiting,omitempty"`
	Closures      *TaskList `json:"closures_waiting,omitempty"`
	OverdueSteps  *TaskList `json:"overdue_steps,omitempty"`
	OverdueVisits *TaskList `json:"overdue_visits,omitempty"`
}

// StatusCount is the packets of the inbox at one status.
type StatusCount struct {
	Status string `json:"status"`
	Count  int    `json:"count"`
}

// Inbox is the inbox panel of embassies, NGOs and supervisors.
type Inbox struct {
	Total    int           `json:"total"`
	ByStatus []StatusCount `json:"by_status"`
}

// Dashboard is the panels an actor's roles give.
type Dashboard struct {
	Caseworker *Caseworker `json:"caseworker,omitempty"`
	Supervisor *Supervisor `json:"supervisor,omitempty"`
	Inbox      *Inbox      `json:"inbox,omitempty"`
}

// OverdueSteps lists a supervisor's overdue repatriation steps (repatriation.Service.Overdue, adapted).
type OverdueSteps func(ctx context.Context, a *authz.Actor) ([]Task, error)

// Service computes dashboards.
type Service struct {
	hub     *gorm.DB
	stores  *store.Set
	overdue OverdueSteps
	now     func() time.Time
	trace   func(tx *gorm.DB, sql string, args []any)
}

// New returns the dashboard service; overdue may be nil (no repatriation steps).
func New(hub *gorm.DB, stores *store.Set, overdue OverdueSteps) *Service {
	return &Service{hub: hub, stores: stores, overdue: overdue,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// For computes the dashboard of the actor: the panels its roles give, none for a role without any.
func (s *Service) For(ctx context.Context, a *authz.Actor) (*Dashboard, error) {
	out := &Dashboard{}
	if a.HasStore() && a.Can(authz.SectionCases, authz.ActionRead) {
		if err := s.store(ctx, a, out); err != nil {
			return nil, err
		}
	}
	if out.Supervisor != nil && s.overdue != nil && overdueSteps(a) {
		steps, err := s.overdue(ctx, a)
		if err != nil {
			return nil, fmt.Errorf("overdue steps: %w", err)
		}
		out.Supervisor.OverdueSteps = &TaskList{Total: len(steps), Items: first(steps)}
	}
	if a.Can(authz.SectionInbox, authz.ActionRead) {
		in, err := s.inbox(ctx, a)
		if err != nil {
			return nil, err
		}
		out.Inbox = in
	}
	return out, nil
}

func first(ts []Task) []Task {
	if len(ts) > MaxItems {
		return ts[:MaxItems]
	}
	if ts == nil {
		return []Task{}
	}
	return ts
}

// store computes the store panels in one read-only transaction, audited.
func (s *Service) store(ctx context.Context, a *authz.Actor, out *Dashboard) error {
	st, scope, err := s.stores.Bind(a, authz.SectionCases, authz.ActionRead)
	if err != nil {
		return err
	}
	now := s.now()
	today := services.Today(now)
	q := query{scope: scope, a: a, today: today, soon: today.AddDate(0, 0, SoonDays),
		names: a.Can(authz.SectionIdentity, authz.ActionRead), trace: s.trace}
	return st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Every list reads its first rows in the order of its index (migration 00026): no sort of
		// all the rows that match, and no JIT compilation for queries of a few milliseconds.
		for _, set := range []string{`SET LOCAL enable_sort = off`, `SET LOCAL jit = off`} {
			if err := tx.Exec(set).Error; err != nil {
				return fmt.Errorf("dashboard: %w", err)
			}
		}
		counts, err := q.counts(tx)
		if err != nil {
			return err
		}
		dated, err := q.dated(tx, supervises(a))
		if err != nil {
			return err
		}
		cw := &Caseworker{ByStage: byStage(counts)}
		if cw.Screenings, err = q.tasks(tx, screeningsQ, counts[itemScreeningPending].OpenTo, q.mine()); err != nil {
			return err
		}
		if cw.Returned, err = q.tasks(tx, returnedQ, counts[itemDecisionReturned].OpenTo, q.mine()); err != nil {
			return err
		}
		if a.Can(authz.SectionRepatriation, authz.ActionRead) {
			if cw.Deadlines, err = q.tasks(tx, deadlinesQ, dated.Deadlines, q.mine(), q.soon); err != nil {
				return err
			}
		}
		if a.Can(authz.SectionReintegration, authz.ActionRead) {
			if cw.Visits, err = q.tasks(tx, visitsQ, dated.Visits, q.mine(), q.soon); err != nil {
				return err
			}
		}
		if err := q.fillNames(tx, &cw.Screenings, &cw.Returned, &cw.Deadlines, &cw.Visits); err != nil {
			return err
		}
		out.Caseworker = cw
		shown := len(cw.Screenings.Items) + len(cw.Returned.Items) + len(cw.Deadlines.Items) + len(cw.Visits.Items)
		if supervises(a) {
			sv, n, err := s.supervisor(ctx, tx, q, counts, dated.OverdueVisits)
			if err != nil {
				return err
			}
			out.Supervisor = sv
			shown += n
		}
		return audit.Append(tx, now, audit.ByActor(a, audit.DashboardRead, "agency", a.AgencyID,
			map[string]any{"cases_shown": shown}))
	})
}

// supervises reports whether a gets the supervisor's panel: some decision it may take or some
// overdue work it may oversee.
func supervises(a *authz.Actor) bool {
	return a.Can(authz.SectionIdentification, authz.ActionApprove) || a.Can(authz.SectionPackets, authz.ActionApprove) ||
		a.Can(authz.SectionClosure, authz.ActionApprove) || a.Can(authz.SectionOverdue, authz.ActionRead)
}

// overdueSteps reports whether a sees the overdue repatriation steps of its agency's cases.
func overdueSteps(a *authz.Actor) bool {
	return a.Can(authz.SectionOverdue, authz.ActionRead) && a.Can(authz.SectionRepatriation, authz.ActionRead)
}

// supervisor computes the lists of the supervisor's panel that a's rights give, and how many case
// items it shows. The overdue steps are filled by For (the repatriation service reads them).
func (s *Service) supervisor(ctx context.Context, tx *gorm.DB, q query, counts map[string]itemCount, overdueVisits int) (*Supervisor, int, error) {
	a, sv := q.a, &Supervisor{}
	list := func(dst **TaskList, ok bool, t taskQuery, item string) error {
		if !ok {
			return nil
		}
		tl, err := q.tasks(tx, t, counts[item].Total, "")
		*dst = &tl
		return err
	}
	if err := list(&sv.Decisions, a.Can(authz.SectionIdentification, authz.ActionApprove), decisionsQ, itemDecisionProposed); err != nil {
		return nil, 0, err
	}
	if err := list(&sv.Closures, a.Can(authz.SectionClosure, authz.ActionApprove), closuresQ, itemClosureRequested); err != nil {
		return nil, 0, err
	}
	if a.Can(authz.SectionOverdue, authz.ActionRead) && a.Can(authz.SectionReintegration, authz.ActionRead) {
		tl, err := q.tasks(tx, visitsQ, overdueVisits, "", q.today.AddDate(0, 0, -1))
		if err != nil {
			return nil, 0, err
		}
		sv.OverdueVisits = &tl
	}
	if a.Can(authz.SectionPackets, authz.ActionApprove) {
		tl, err := s.pendingPackets(ctx, tx, a)
		if err != nil {
			return nil, 0, err
		}
		sv.Packets = &tl
	}
	if overdueSteps(a) {
		sv.OverdueSteps = &TaskList{Items: []Task{}}
	}
	n, named := 0, []*TaskList{}
	for _, tl := range []*TaskList{sv.Decisions, sv.Closures, sv.OverdueVisits} {
		if tl != nil {
			named = append(named, tl)
			n += len(tl.Items)
		}
	}
	return sv, n, q.fillNames(tx, named...)
}
