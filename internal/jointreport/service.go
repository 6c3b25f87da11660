package jointreport

import (
	"context"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"
	"homeward/internal/reports"
	"homeward/internal/store"
)

// MaxPeriod is the longest period a report covers.
const MaxPeriod = 10 * 366 * 24 * time.Hour

// Service computes joint reports.
type Service struct {
	stores *store.Set
	now    func() time.Time
}

// New returns a Service over every configured store.
func New(stores *store.Set) *Service {
	return &Service{stores: stores, now: time.Now}
}

// Report computes the joint report of [from, to) for an actor who may read reports in a country
// store (analysts and supervisors of either country); anyone else gets authz.ErrNotFound. Each
// store answers reports.Compute, its own aggregate queries, so only counts and quantiles cross;
// the result is suppressed before it is returned. The read is audited as "report.joint" in the
// actor's own store (the one Bind gives), in a transaction after the figures are computed.
func (s *Service) Report(ctx context.Context, a *authz.Actor, from, to time.Time) (*Report, error) {
	own, _, err := s.stores.Bind(a, authz.SectionReports, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	if err := checkPeriod(from, to); err != nil {
		return nil, err
	}
	all := s.stores.Countries()
	results, err := s.compute(ctx, all, from, to)
	if err != nil {
		return nil, err
	}
	countries, figs, missing, err := answered(own.Country, all, results)
	if err != nil {
		return nil, err
	}
	r := build(from, to, countries, figs)
	r.Missing = missing
	detail := map[string]any{"from": from.UTC().Format(time.RFC3339), "to": to.UTC().Format(time.RFC3339), "countries": countries}
	if len(missing) > 0 {
		detail["missing"] = missing
	}
	err = own.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.ReportJoint, "report", "joint", detail))
	})
	if err != nil {
		return nil, fmt.Errorf("joint report audit: %w", err)
	}
	return r, nil
}

// answered drops the countries whose store did not answer — never the actor's own, whose outage
// fails the report (503) — and returns the countries and figures left and those missing.
func answered(own string, countries []string, figs []figures) ([]string, []*reports.Figures, []string, error) {
	var keep, missing []string
	var out []*reports.Figures
	for i, cc := range countries {
		if figs[i].err != nil {
			if cc == own || !store.IsUnavailable(figs[i].err) {
				return nil, nil, nil, fmt.Errorf("joint report %s: %w", cc, figs[i].err)
			}
			missing = append(missing, cc)
			continue
		}
		keep, out = append(keep, cc), append(out, figs[i].f)
	}
	return keep, out, missing, nil
}

// figures are one store's figures, or why it gave none.
type figures struct {
	f   *reports.Figures
	err error
}

// compute runs reports.Compute in every store at once; a store that fails gives its error in its
// place (answered decides).
func (s *Service) compute(ctx context.Context, countries []string, from, to time.Time) ([]figures, error) {
	out := make([]figures, len(countries))
	var wg sync.WaitGroup
	for i, cc := range countries {
		st, err := s.stores.For(cc)
		if err != nil {
			return nil, fmt.Errorf("joint report %s: %w", cc, err)
		}
		wg.Go(func() {
			f, err := reports.Compute(ctx, st.DB, from, to)
			if f != nil {
				f.Country = cc
			}
			out[i] = figures{f: f, err: err}
		})
	}
	wg.Wait()
	return out, nil
}

// checkPeriod refuses an empty, reversed or overlong period.
func checkPeriod(from, to time.Time) error {
	inv := &problem.Invalid{}
	switch {
	case from.IsZero():
		inv.Add("from", "joint.error.from")
	case to.IsZero():
		inv.Add("to", "joint.error.to")
	case !from.Before(to):
		inv.Add("to", "joint.error.order")
	case to.Sub(from) > MaxPeriod:
		inv.Add("from", "joint.error.too_long")
	}
	return inv.Err()
}
