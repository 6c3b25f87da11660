package complaints

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"
)

// DefaultWeeks is the span shown when no period is chosen: a year up to the latest week with figures.
const DefaultWeeks = 52

// maxWeeks bounds a chosen period (ten years).
const maxWeeks = 522

// Query chooses the weeks (Mondays, inclusive; zero for the default) and optionally one province and
// one channel.
type Query struct {
	From, To          time.Time
	Province, Channel string
}

// Week is the total of one week.
type Week struct {
	Start      time.Time // Monday
	Complaints int64
	Cents      int64
}

// Label names the week, "2026-W05".
func (w Week) Label() string { return WeekLabel(w.Start) }

// Mark is a rescue operation of the store, to mark on the time axis.
type Mark struct {
	Date time.Time
	Name string
}

// Trend is the weekly totals of a period (only weeks with figures), the rescue operations of the same
// period, and the provinces and channels the store has figures for (the filters' choices).
type Trend struct {
	Query
	Weeks      []Week
	Operations []Mark
	Complaints int64
	Cents      int64
	Provinces  []string
	Channels   []string
}

// Trends computes the weekly totals in the actor's store. Reading is audited.
func (s *Service) Trends(ctx context.Context, a *authz.Actor, q Query) (*Trend, error) {
	st, _, err := s.stores.Bind(a, authz.SectionReports, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	if err := q.check(); err != nil {
		return nil, err
	}
	t := &Trend{}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := q.defaults(tx, s.now()); err != nil {
			return err
		}
		t.Query = q
		if err := tx.Raw(weeksSQL, q.From, q.To, q.Province, q.Province, q.Channel, q.Channel).Scan(&t.Weeks).Error; err != nil {
			return fmt.Errorf("weekly totals: %w", err)
		}
		if err := tx.Raw(marksSQL, q.From, q.To.AddDate(0, 0, 6)).Scan(&t.Operations).Error; err != nil {
			return fmt.Errorf("operations: %w", err)
		}
		if err := tx.Raw(`SELECT DISTINCT province FROM complaint_stats ORDER BY 1`).Scan(&t.Provinces).Error; err != nil {
			return fmt.Errorf("provinces: %w", err)
		}
		if err := tx.Raw(`SELECT DISTINCT channel FROM complaint_stats ORDER BY 1`).Scan(&t.Channels).Error; err != nil {
			return fmt.Errorf("channels: %w", err)
		}
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.ComplaintsRead, "complaint_stats", "",
			map[string]any{"from": q.From.Format(time.DateOnly), "to": q.To.Format(time.DateOnly), "province": q.Province, "channel": q.Channel}))
	})
	if err != nil {
		return nil, fmt.Errorf("complaint trends: %w", err)
	}
	for _, w := range t.Weeks {
		t.Complaints += w.Complaints
		t.Cents += w.Cents
	}
	return t, nil
}

const (
	weeksSQL = `SELECT week AS start, sum(complaints) AS complaints, (sum(losses) * 100)::bigint AS cents
		FROM complaint_stats
		WHERE week BETWEEN ? AND ? AND (? = '' OR province = ?) AND (? = '' OR channel = ?)
		GROUP BY week ORDER BY week`
	marksSQL = `SELECT operation_date AS date, name FROM operations
		WHERE operation_date BETWEEN ? AND ? ORDER BY operation_date, name`
	latestSQL = `SELECT max(week) FROM complaint_stats`
)

// check refuses a period that ends before it starts, or spans more than maxWeeks.
func (q *Query) check() error {
	inv := &problem.Invalid{}
	if !q.From.IsZero() && !q.To.IsZero() {
		switch {
		case q.To.Before(q.From):
			inv.Add("to", "complaints.error.period_order")
		case q.To.Sub(q.From) > maxWeeks*7*24*time.Hour:
			inv.Add("from", "complaints.error.period_long")
		}
	}
	if q.Channel != "" && !slices.Contains(Channels, q.Channel) {
		inv.Add("channel", "complaints.error.channel")
	}
	return inv.Err()
}

// defaults fills the period: up to the latest week with figures (else this week), a year long.
func (q *Query) defaults(tx *gorm.DB, now time.Time) error {
	if q.To.IsZero() {
		switch {
		case !q.From.IsZero():
			q.To = q.From.AddDate(0, 0, 7*(DefaultWeeks-1))
		default:
			var latest sql.NullTime
			if err := tx.Raw(latestSQL).Row().Scan(&latest); err != nil {
				return fmt.Errorf("latest week: %w", err)
			}
			q.To = Monday(now)
			if latest.Valid {
				q.To = Monday(latest.Time)
			}
		}
	}
	if q.From.IsZero() {
		q.From = q.To.AddDate(0, 0, -7*(DefaultWeeks-1))
	}
	return nil
}
