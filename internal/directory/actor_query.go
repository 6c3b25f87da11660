package directory

import (
	"context"
	"time"

	"homeward/internal/authz"
)

// actorRow is one membership row of an actor read in one statement: the user, the agency and one
// role (an actor with three roles in the agency is three rows).
type actorRow struct {
	TokenID    string
	LastUsedAt *time.Time
	UserID     string
	Email      string
	Name       string
	AgencyID   string
	Slug       string
	Kind       string
	Country    *string
	Role       string
}

// selectTokenActorSQL reads a live token (not revoked, not expired) with its user (not disabled),
// the token's agency and the user's roles in it: what TokenActor needs, in one round trip, read
// afresh on every request so that a revoked token or a disabled user stops at once.
const selectTokenActorSQL = `SELECT t.id AS token_id, t.last_used_at, u.id AS user_id, u.email, u.name,
       a.id AS agency_id, a.slug, a.kind, a.country, m.role
FROM api_tokens t
JOIN users u ON u.id = t.user_id AND u.disabled_at IS NULL
JOIN memberships m ON m.user_id = t.user_id AND m.agency_id = t.agency_id
JOIN agencies a ON a.id = t.agency_id
WHERE t.token_hash = ? AND t.revoked_at IS NULL AND t.expires_at > ?
ORDER BY m.created_at, m.role`

// selectAgencyActorSQL reads a user (not disabled), an agency and the user's roles in it.
const selectAgencyActorSQL = `SELECT u.id AS user_id, u.email, u.name, a.id AS agency_id, a.slug, a.kind, a.country, m.role
FROM users u
JOIN memberships m ON m.user_id = u.id AND m.agency_id = ?
JOIN agencies a ON a.id = m.agency_id
WHERE u.id = ? AND u.disabled_at IS NULL
ORDER BY m.created_at, m.role`

// actorOf builds the actor of rows (all of one user and agency); ErrNotFound when there are none.
func (s *Service) actorOf(rows []actorRow) (*authz.Actor, error) {
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	r := rows[0]
	a := &authz.Actor{UserID: r.UserID, Email: r.Email, Name: r.Name, AgencyID: r.AgencyID, AgencySlug: r.Slug, AgencyKind: r.Kind,
		Policy: s.policy}
	if r.Country != nil {
		a.Country = *r.Country
	}
	for _, x := range rows {
		a.Roles = append(a.Roles, authz.Role(x.Role))
	}
	return a, nil
}

// agencyActor is Actor for a given agency, in one statement.
func (s *Service) agencyActor(ctx context.Context, userID, agencyID string) (*authz.Actor, error) {
	rows, err := s.actorRows(ctx, false, selectAgencyActorSQL, agencyID, userID)
	if err != nil {
		return nil, err
	}
	return s.actorOf(rows)
}

// actorRows runs one of the actor statements (withToken: selectTokenActorSQL, whose rows start with
// the token's id and last use) and scans its rows by hand: GORM's reflective Scan cost as much CPU
// as the round trip, on every request.
func (s *Service) actorRows(ctx context.Context, withToken bool, sql string, args ...any) ([]actorRow, error) {
	rs, err := s.db.WithContext(ctx).Raw(sql, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []actorRow
	for rs.Next() {
		var r actorRow
		dest := []any{&r.UserID, &r.Email, &r.Name, &r.AgencyID, &r.Slug, &r.Kind, &r.Country, &r.Role}
		if withToken {
			dest = append([]any{&r.TokenID, &r.LastUsedAt}, dest...)
		}
		if err := rs.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rs.Err()
}
