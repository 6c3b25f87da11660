package reports

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// MaxPeriod is the longest period a dashboard covers.
const MaxPeriod = 5 * 366 * 24 * time.Hour

// Service serves a store's reports: the dashboard and rescue operation progress.
type Service struct {
	stores *store.Set
	now    func() time.Time
}

// New returns the report service over the stores.
func New(stores *store.Set) *Service {
	return &Service{stores: stores, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// Suppressed reports whether the small-cell rule applies to store-wide figures shown to a: it does
// unless a may read every case they count, that is a reads cases and every case of the store
// received before `before` (every case when before is zero) is within its row scope (owned by its
// agency or on its case team). An analyst, and a supervisor of one agency among several in the
// store, see "<5"; their own agency's cases are on their home dashboard. tx is a transaction on
// the store of scope.
func Suppressed(tx *gorm.DB, a *authz.Actor, scope authz.Scope, before time.Time) (bool, error) {
	if !a.Can(authz.SectionCases, authz.ActionRead) {
		return true, nil
	}
	cond, args := scope.CaseFilter("c")
	if !before.IsZero() {
		cond += " OR c.created_at >= ?"
		args = append(args, before)
	}
	var outside bool
	if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM cases c WHERE NOT (`+cond+`))`, args...).Scan(&outside).Error; err != nil {
		return true, fmt.Errorf("reports: cases outside the scope: %w", err)
	}
	return outside, nil
}

// Dashboard is a store's figures as published to one actor.
type Dashboard struct {
	Country string    `json:"country"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"` // exclusive
	// Suppressed tells that counts from 1 to 4 are shown as "<5".
	Suppressed    bool  `json:"suppressed"`
	Cases         Count `json:"cases"` // cases received before To
	ByStage       []Row `json:"by_stage"`
	ByNationality []Row `json:"by_nationality"`
	BySex         []Row `json:"by_sex"`
	ByAge         []Row `json:"by_age"` // keys "minor", "adult"
	ByOperation   []Row `json:"by_operation"`
	Flow          []Row `json:"flow"` // keys received, screened, identified, returned, closed
	// ToDecision and DecisionToReturn are days; median and p90 are withheld (null) under the
	// small-cell rule when fewer than 5 cases are measured.
	ToDecision       Duration `json:"to_decision"`
	DecisionToReturn Duration `json:"decision_to_return"`
	Overdue          Count    `json:"overdue"`
}

// Duration is a published median and 90th percentile in days over N cases.
type Duration struct {
	Median *float64 `json:"median_days"`
	P90    *float64 `json:"p90_days"`
	N      Count    `json:"n"`
}

// Dashboard computes the figures of the actor's store for [from, to) and audits the read (in a
// transaction of its own once the figures are read). A period that ends before it starts or spans
// more than MaxPeriod is invalid.
func (s *Service) Dashboard(ctx context.Context, a *authz.Actor, from, to time.Time) (*Dashboard, error) {
	if !to.After(from) || to.Sub(from) > MaxPeriod {
		return nil, &problem.Invalid{Fields: map[string]string{"to": "reports.error.period"}}
	}
	st, scope, err := s.stores.Bind(a, authz.SectionReports, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	// The figures are read first, on separate connections (Compute), then the read is audited.
	f, err := Compute(ctx, st.DB, from, to)
	if err != nil {
		return nil, fmt.Errorf("reports dashboard: %w", err)
	}
	// Cases are never deleted, so a case outside the scope now was outside it, or not yet there,
	// when the figures were read: checking after errs on the side of suppression.
	detail := map[string]any{"from": from, "to": to}
	var sup bool
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if sup, err = Suppressed(tx, a, scope, to); err != nil {
			return err
		}
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.ReportDashboard, "store", st.Country, detail))
	})
	if err != nil {
		return nil, fmt.Errorf("reports dashboard: %w", err)
	}
	f.Country = st.Country
	return publish(f, sup), nil
}

// publish turns figures into a dashboard, applying the small-cell rule when suppress is set.
func publish(f *Figures, suppress bool) *Dashboard {
	total := 0
	for _, n := range f.ByStage {
		total += n
	}
	// Stage, nationality, sex, age and (when every case has one) operation split the same cases.
	cases, rows := publishLinked(total, suppress, f.ByStage, f.ByNationality, f.BySex,
		map[string]int{"minor": f.Minors, "adult": f.Adults}, f.ByOperation)
	d := &Dashboard{Country: f.Country, From: f.From, To: f.To, Suppressed: suppress,
		Cases: cases, ByStage: rows[0], ByNationality: rows[1], BySex: rows[2], ByAge: rows[3], ByOperation: rows[4],
		ToDecision:       duration(f.ToDecision, suppress),
		DecisionToReturn: duration(f.DecisionToReturn, suppress),
		Overdue:          count(f.Overdue, suppress),
	}
	for _, r := range []struct {
		key string
		n   int
	}{{"received", f.Flow.Received}, {"screened", f.Flow.Screened}, {"identified", f.Flow.Identified},
		{"returned", f.Flow.Returned}, {"closed", f.Flow.Closed}} {
		d.Flow = append(d.Flow, Row{Key: r.key, Count: count(r.n, suppress)})
	}
	return d
}

// duration publishes quantiles; with suppress and fewer than SmallCell cases they are withheld.
func duration(q Quantiles, suppress bool) Duration {
	d := Duration{N: count(q.N, suppress)}
	if q.N == 0 || d.N.Hidden {
		return d
	}
	med, p90 := round1(q.Median), round1(q.P90)
	d.Median, d.P90 = &med, &p90
	return d
}

// round1 rounds to one decimal.
func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
