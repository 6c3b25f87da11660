package reintegration

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/problem"
	"homeward/internal/services"
	"homeward/internal/store"
)

// ErrNotFound is a goal or visit the actor may not see, or that does not exist.
var ErrNotFound = fmt.Errorf("reintegration: %w", authz.ErrNotFound)

// Service reads and writes the reintegration section.
type Service struct {
	stores *store.Set
	now    func() time.Time
}

// New returns the reintegration service over the stores.
func New(stores *store.Set) *Service {
	return &Service{stores: stores, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// write runs f in a transaction on a case of the actor's scope with the section's write right.
func (s *Service) write(ctx context.Context, a *authz.Actor, caseID string, f func(tx *gorm.DB, st *store.Store, c *cases.Case) error) error {
	return cases.InCase(ctx, s.stores, a, authz.SectionReintegration, authz.ActionWrite, caseID, f)
}

// Get returns the reintegration section of a case, opened, and audits the read.
func (s *Service) Get(ctx context.Context, a *authz.Actor, caseID string) (*Plan, error) {
	var out *Plan
	err := cases.InCase(ctx, s.stores, a, authz.SectionReintegration, authz.ActionRead, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		var err error
		if out, err = s.load(tx, st, c.ID); err != nil {
			return err
		}
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.ReintegrationRead, "case", c.ID,
			map[string]any{"goals": len(out.Goals), "visits": len(out.Visits)}))
	})
	return out, err
}

// SavePlan writes the plan's summary at its version (0 for the first); a stale version is a conflict.
func (s *Service) SavePlan(ctx context.Context, a *authz.Actor, caseID string, in PlanInput) (*Plan, error) {
	var out *Plan
	err := s.write(ctx, a, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		if err := in.clean(); err != nil {
			return err
		}
		now := s.now()
		var res *gorm.DB
		if in.Version == 0 {
			res = tx.Exec(`INSERT INTO reintegration_plans (case_id, summary, updated_by, updated_at, version)
				VALUES (?, ?, ?, ?, 1) ON CONFLICT (case_id) DO NOTHING`, c.ID, in.Summary, a.UserID, now)
		} else {
			res = tx.Model(&planRow{}).Where("case_id = ? AND version = ?", c.ID, in.Version).
				Select("summary", "updated_by", "updated_at", "version").
				Updates(map[string]any{"summary": in.Summary, "updated_by": a.UserID, "updated_at": now,
					"version": gorm.Expr("version + 1")})
		}
		if res.Error != nil {
			return fmt.Errorf("save plan: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return problem.ErrConflict
		}
		var err error
		if out, err = s.load(tx, st, c.ID); err != nil {
			return err
		}
		return audit.Append(tx, now, audit.ByActor(a, audit.ReintegrationPlan, "case", c.ID, map[string]any{"version": out.Version}))
	})
	return out, err
}

// AddGoal adds a goal to the plan.
func (s *Service) AddGoal(ctx context.Context, a *authz.Actor, caseID string, in GoalInput) (*Goal, error) {
	var out *Goal
	err := s.write(ctx, a, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		in.Version = 0
		if err := in.clean(); err != nil {
			return err
		}
		now := s.now()
		g := Goal{ID: uuid.Must(uuid.NewV7()).String(), CaseID: c.ID, Goal: in.Goal, Status: in.Status,
			CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now, Version: 1}
		if err := tx.Create(&g).Error; err != nil {
			return fmt.Errorf("add goal: %w", err)
		}
		out = &g
		return audit.Append(tx, now, audit.ByActor(a, audit.ReintegrationGoalCreate, "case", c.ID,
			map[string]any{"goal": g.ID, "status": g.Status}))
	})
	return out, err
}

// UpdateGoal edits a goal (text and status) at its version.
func (s *Service) UpdateGoal(ctx context.Context, a *authz.Actor, caseID, goalID string, in GoalInput) (*Goal, error) {
	var out *Goal
	err := s.write(ctx, a, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		var g Goal
		if err := take(tx.Where("id = ? AND case_id = ?", goalID, c.ID), goalID, &g); err != nil {
			return err
		}
		if err := in.clean(); err != nil {
			return err
		}
		now := s.now()
		res := tx.Model(&Goal{}).Where("id = ? AND version = ?", g.ID, in.Version).
			Select("goal", "status", "updated_at", "version").
			Updates(map[string]any{"goal": in.Goal, "status": in.Status, "updated_at": now, "version": gorm.Expr("version + 1")})
		if res.Error != nil {
			return fmt.Errorf("update goal: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return problem.ErrConflict
		}
		g.Goal, g.Status, g.UpdatedAt, g.Version = in.Goal, in.Status, now, in.Version+1
		out = &g
		return audit.Append(tx, now, audit.ByActor(a, audit.ReintegrationGoalUpdate, "case", c.ID,
			map[string]any{"goal": g.ID, "status": g.Status, "version": g.Version}))
	})
	return out, err
}

// AddVisit schedules a visit (status scheduled, today or later) or records one that took place
// (done, with its risk level, or missed; today or earlier). The address is sealed.
func (s *Service) AddVisit(ctx context.Context, a *authz.Actor, caseID string, in VisitInput) (*Visit, error) {
	var out *Visit
	err := s.write(ctx, a, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		in.Version = 0
		date, err := in.clean(s.now())
		if err != nil {
			return err
		}
		now := s.now()
		v := visitRow{ID: uuid.Must(uuid.NewV7()).String(), CaseID: c.ID, Status: in.Status, VisitDate: date,
			LocationKind: in.LocationKind, RiskLevel: risk(in.RiskLevel), CreatedBy: a.UserID, CreatedAt: now,
			UpdatedAt: now, Version: 1}
		if err := seal(st, &v, in); err != nil {
			return err
		}
		if err := tx.Create(&v).Error; err != nil {
			return fmt.Errorf("add visit: %w", err)
		}
		if out, err = openVisit(st, &v, now); err != nil {
			return err
		}
		return audit.Append(tx, now, audit.ByActor(a, audit.ReintegrationVisitCreate, "case", c.ID,
			map[string]any{"visit": v.ID, "status": v.Status, "risk_level": in.RiskLevel}))
	})
	return out, err
}

// UpdateVisit records what became of a visit (usually a scheduled one: done or missed) at its version.
// An empty address keeps the address recorded.
func (s *Service) UpdateVisit(ctx context.Context, a *authz.Actor, caseID, visitID string, in VisitInput) (*Visit, error) {
	var out *Visit
	err := s.write(ctx, a, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		var v visitRow
		if err := take(tx.Where("id = ? AND case_id = ?", visitID, c.ID), visitID, &v); err != nil {
			return err
		}
		date, err := in.clean(s.now())
		if err != nil {
			return err
		}
		now := s.now()
		v.Status, v.VisitDate, v.LocationKind, v.RiskLevel, v.UpdatedAt = in.Status, date, in.LocationKind, risk(in.RiskLevel), now
		kept := v.AddressEnc
		if err := seal(st, &v, in); err != nil {
			return err
		}
		if in.Address == "" { // an update without an address keeps the one recorded
			v.AddressEnc = kept
		}
		res := tx.Model(&visitRow{}).Where("id = ? AND version = ?", v.ID, in.Version).
			Select("status", "visit_date", "location_kind", "address_enc", "risk_level", "outcome_enc", "updated_at", "version").
			Updates(map[string]any{"status": v.Status, "visit_date": v.VisitDate, "location_kind": v.LocationKind,
				"address_enc": v.AddressEnc, "risk_level": v.RiskLevel, "outcome_enc": v.OutcomeEnc, "updated_at": now,
				"version": gorm.Expr("version + 1")})
		if res.Error != nil {
			return fmt.Errorf("update visit: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return problem.ErrConflict
		}
		v.Version = in.Version + 1
		if out, err = openVisit(st, &v, now); err != nil {
			return err
		}
		return audit.Append(tx, now, audit.ByActor(a, audit.ReintegrationVisitUpdate, "case", c.ID,
			map[string]any{"visit": v.ID, "status": v.Status, "risk_level": in.RiskLevel, "version": v.Version}))
	})
	return out, err
}

func risk(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func seal(st *store.Store, v *visitRow, in VisitInput) error {
	var err error
	if v.AddressEnc, err = st.Keys.SealString(sealedAddress, v.ID, in.Address); err != nil {
		return err
	}
	v.OutcomeEnc, err = st.Keys.SealString(sealedOutcome, v.ID, in.Outcome)
	return err
}

func openVisit(st *store.Store, v *visitRow, now time.Time) (*Visit, error) {
	addr, err := st.Keys.OpenString(sealedAddress, v.ID, v.AddressEnc)
	if err != nil {
		return nil, fmt.Errorf("open visit address: %w", err)
	}
	outcome, err := st.Keys.OpenString(sealedOutcome, v.ID, v.OutcomeEnc)
	if err != nil {
		return nil, fmt.Errorf("open visit outcome: %w", err)
	}
	out := &Visit{ID: v.ID, Status: v.Status, VisitDate: v.VisitDate, LocationKind: v.LocationKind, Address: addr,
		Outcome: outcome, CreatedBy: v.CreatedBy, UpdatedAt: v.UpdatedAt, Version: v.Version,
		Overdue: v.Status == "scheduled" && v.VisitDate.Before(services.Today(now))}
	if v.RiskLevel != nil {
		out.RiskLevel = *v.RiskLevel
	}
	return out, nil
}

// take loads one row by q, or ErrNotFound (also for an id that is not a UUID).
func take(q *gorm.DB, id string, dst any) error {
	if _, err := uuid.Parse(id); err != nil {
		return ErrNotFound
	}
	err := q.Take(dst).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

// load reads the whole section of a case.
func (s *Service) load(tx *gorm.DB, st *store.Store, caseID string) (*Plan, error) {
	out := &Plan{CaseID: caseID, Goals: []Goal{}, Visits: []Visit{}, Overdue: []Visit{}}
	var p []planRow
	if err := tx.Where("case_id = ?", caseID).Find(&p).Error; err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	if len(p) == 1 {
		out.Summary, out.Version, out.UpdatedAt = p[0].Summary, p[0].Version, &p[0].UpdatedAt
	}
	if err := tx.Where("case_id = ?", caseID).Order("created_at, id").Find(&out.Goals).Error; err != nil {
		return nil, fmt.Errorf("read goals: %w", err)
	}
	var vs []visitRow
	if err := tx.Where("case_id = ?", caseID).Order("visit_date DESC, created_at DESC").Find(&vs).Error; err != nil {
		return nil, fmt.Errorf("read visits: %w", err)
	}
	now := s.now()
	for i := range vs {
		v, err := openVisit(st, &vs[i], now)
		if err != nil {
			return nil, err
		}
		out.Visits = append(out.Visits, *v)
		switch {
		case v.Overdue:
			out.Overdue = append(out.Overdue, *v)
		case v.Status == "scheduled": // visits run newest first: the last one seen is the next
			next := *v
			out.NextVisit = &next
		}
	}
	var err error
	out.Head, err = services.CaseHead(tx, caseID)
	return out, err
}
