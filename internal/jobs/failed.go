package jobs

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"homeward/internal/authz"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// PageSize is how many failed jobs a page lists.
const PageSize = 50

// Failed job states: discarded (no attempt left) and retryable (failed, another attempt waits).
const (
	StateDiscarded = "discarded"
	StateRetryable = "retryable"
)

// FailedJob is a job of a store that failed: its last error, attempts, and when it last ran.
type FailedJob struct {
	ID          int64
	Kind        string
	State       string
	Attempt     int
	MaxAttempts int
	Error       string
	At          time.Time
}

// FailedQuery asks for a page of a country's failed jobs, newest first, after Cursor.
type FailedQuery struct {
	Country string
	Cursor  string
	Limit   int
}

// FailedPage is a page of failed jobs; NextCursor is empty on the last page.
type FailedPage struct {
	Country    string
	Items      []FailedJob
	NextCursor string
}

// Failures lists the failed jobs of the country stores to their country admins.
type Failures struct {
	stores *store.Set
}

// NewFailures returns the listing over stores.
func NewFailures(stores *store.Set) *Failures { return &Failures{stores: stores} }

// failedSQL reads a page of a store's failed jobs: River keeps each attempt's error in errors[].
const failedSQL = `SELECT id, kind, state, attempt, max_attempts,
  coalesce(left(errors[array_length(errors, 1)]->>'error', 500), '') AS error,
  coalesce(finalized_at, attempted_at, created_at) AS at
FROM river_job WHERE state IN ('discarded', 'retryable') AND (? = 0 OR id < ?)
ORDER BY id DESC LIMIT ?`

// Failed lists a page of the failed jobs of q.Country's store (the actor's own when empty). Only
// that country's admin may read it: anyone else, another country's admin included, is answered
// not found.
func (f *Failures) Failed(ctx context.Context, a *authz.Actor, q FailedQuery) (*FailedPage, error) {
	if err := a.Require(authz.SectionDirectory, authz.ActionRead); err != nil {
		return nil, err
	}
	if q.Country == "" {
		q.Country = a.Country
	}
	if a.Country == "" || q.Country != a.Country {
		return nil, fmt.Errorf("jobs: failed jobs of %q: %w", q.Country, authz.ErrNotFound)
	}
	st, err := f.stores.For(q.Country)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", authz.ErrNotFound)
	}
	var after int64
	if q.Cursor != "" {
		if after, err = strconv.ParseInt(q.Cursor, 10, 64); err != nil || after <= 0 {
			return nil, &problem.Invalid{Fields: map[string]string{"cursor": "jobs.error.cursor"}}
		}
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = PageSize
	}
	var rows []FailedJob
	if err := st.DB.WithContext(ctx).Raw(failedSQL, after, after, q.Limit+1).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("jobs: failed jobs: %w", err)
	}
	page := &FailedPage{Country: q.Country, Items: rows}
	if len(rows) > q.Limit {
		page.Items = rows[:q.Limit]
		page.NextCursor = strconv.FormatInt(page.Items[q.Limit-1].ID, 10)
	}
	return page, nil
}
