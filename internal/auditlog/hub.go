package auditlog

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"

	"gorm.io/gorm"
)

// hubSQL reads the hub's log of a country: rows of its agencies (agencies.country or works_in is
// the country), sign-ins and other rows without an agency by users who are members of one of them,
// and failed sign-ins naming the email of such a user. Packets, sign-ins, tokens and directory
// changes of other countries' agencies never appear.
const hubSQL = `WITH ag AS (SELECT id FROM agencies WHERE country = @cc OR works_in = @cc),
mem AS (SELECT DISTINCT m.user_id FROM memberships m JOIN ag ON ag.id = m.agency_id)
SELECT l.id, l.at, l.actor_user_id, l.actor_agency_id, l.action, l.entity, l.entity_id, l.detail
FROM audit_log l
WHERE l.id < @before AND (
      l.actor_agency_id IN (SELECT id FROM ag)
   OR (l.actor_agency_id IS NULL AND l.actor_user_id IN (SELECT user_id FROM mem))
   OR (l.actor_user_id IS NULL AND l.action = 'auth.signin_failed'
       AND l.entity_id IN (SELECT u.email FROM users u JOIN mem ON mem.user_id = u.id)))
ORDER BY l.id DESC LIMIT @n`

// HubLog returns a page of the hub's log for the auditor's country, newest first, and audits the
// read in the auditor's store.
func (s *Service) HubLog(ctx context.Context, a *authz.Actor, cursor string, limit int) (*Page, error) {
	st, err := s.bind(a)
	if err != nil {
		return nil, err
	}
	before := int64(1<<63 - 1)
	if c := strings.TrimSpace(cursor); c != "" {
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil || n <= 0 {
			return nil, &problem.Invalid{Fields: map[string]string{"cursor": "form.error.invalid"}}
		}
		before = n
	}
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		return nil, &problem.Invalid{Fields: map[string]string{"limit": "form.error.invalid"}}
	}
	var rows []row
	err = s.hub.WithContext(ctx).Raw(hubSQL, map[string]any{"cc": st.Country, "before": before, "n": limit + 1}).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("auditlog: hub log: %w", err)
	}
	p := &Page{}
	if len(rows) > limit {
		rows = rows[:limit]
		p.NextCursor = strconv.FormatInt(rows[len(rows)-1].ID, 10)
	}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The hub's rows name no case of this store; entries looks their ids up all the same.
		if p.Items, err = s.entries(ctx, tx, rows); err != nil {
			return err
		}
		return audit.Append(tx, s.now(), audit.ByActor(a, ActionHubRead, "audit_log", "",
			map[string]any{"rows": len(rows), "paged": before != 1<<63-1}))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}
