package auditlog

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
)

// Refused attempts: a signed-in user of a store who asks a case route for a case they may not
// see (or that does not exist) gets the same 404 as ever, and the store's log gains an
// access.refused row: the route pattern and the id asked for, nothing about the case (whether it
// exists is not recorded either). Rows per user are capped (refusalBurst per refusalWindow, per
// process), so a client looping over ids cannot grow the log without bound; past the cap one
// more row notes that rows were dropped.
const (
	refusalBurst  = 30
	refusalWindow = 10 * time.Minute
)

type refusalLimiter struct {
	mu    sync.Mutex
	users map[string]*refusalCount
}

type refusalCount struct {
	start   time.Time
	n       int
	dropped bool
}

func newRefusalLimiter() *refusalLimiter { return &refusalLimiter{users: map[string]*refusalCount{}} }

// allow reports whether a row may be written for user now, and whether it is the one row that
// notes the cap (then the caller writes it with "capped": true).
func (l *refusalLimiter) allow(user string, now time.Time) (ok, capped bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.users) > 10000 { // forget old windows; the map stays small
		for k, c := range l.users {
			if now.Sub(c.start) >= refusalWindow {
				delete(l.users, k)
			}
		}
	}
	c := l.users[user]
	if c == nil || now.Sub(c.start) >= refusalWindow {
		c = &refusalCount{start: now}
		l.users[user] = c
	}
	c.n++
	switch {
	case c.n <= refusalBurst:
		return true, false
	case !c.dropped:
		c.dropped = true
		return true, true
	}
	return false, false
}

// RecordRefused writes an access.refused row in the actor's store for a refused request to route
// (the route's pattern, e.g. "/cases/:id/notes") naming id. Actors without a store, and ids that
// are not UUIDs (kept out of the chain; recorded as ""), change nothing else. Past the per-user cap
// it writes nothing and returns nil.
func (s *Service) RecordRefused(ctx context.Context, a *authz.Actor, route, id string) error {
	if !a.HasStore() || a.UserID == "" {
		return nil
	}
	st, err := s.stores.For(a.Country)
	if err != nil {
		return nil
	}
	now := s.now()
	ok, capped := s.limit.allow(a.UserID, now)
	if !ok {
		return nil
	}
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		id = ""
	}
	detail := map[string]any{"route": route}
	if capped {
		detail["capped"] = true
	}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return audit.Append(tx, now, audit.ByActor(a, ActionRefused, "case", id, detail))
	})
	if err != nil {
		return fmt.Errorf("auditlog: record refused: %w", err)
	}
	return nil
}
