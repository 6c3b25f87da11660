package directory

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/problem"
)

// A country admin runs the directory of their country (the country of the agency they act in):
//
//   - an agency belongs to the country whose admin runs it: its store country, else (an embassy or
//     NGO) the country that hosts it (Agency.AdminCountry);
//   - a user belongs to every country where one of their memberships is: a user with memberships in
//     two countries is seen by both admins; each adds and removes memberships only at their own
//     country's agencies, and may protect the account (disable, sign out everywhere, revoke its API
//     tokens), but only an admin of the user's only country may open it again (enable, a new
//     enrolment link, reset factors, rename): 403 otherwise;
//   - a user of no country of theirs, and a membership at another country's agency, is not found;
//   - an admin never acts on their own account here (403): their roles are another admin's to change.
//
// The two SQL conditions below, and countryAgencyIDs, are the only place that scope is written.
const (
	// agencyInCountry holds for an agency a (aliased "a") that the admin of country ? runs.
	agencyInCountry = "coalesce(a.country, a.works_in) = ?"
	// userInCountry holds for a user (aliased "u") with a membership at one of the agencies ?, the
	// ids countryAgencyIDs returns (a list of ids, so the planner walks the users by email and
	// probes memberships by its (user_id, agency_id) index).
	userInCountry = "EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.agency_id IN ?)"
	// userSearch matches a user's email or name (trigram index users_search_idx).
	userSearch = "(u.email || ' ' || u.name) ILIKE ?"
)

// countryAgencyIDs returns the ids of the agencies the admin of cc runs.
func countryAgencyIDs(tx *gorm.DB, cc string) ([]string, error) {
	var ids []string
	if err := tx.Table("agencies a").Where(agencyInCountry, cc).Pluck("a.id", &ids).Error; err != nil {
		return nil, fmt.Errorf("directory: agencies of %s: %w", cc, err)
	}
	return ids, nil
}

// AdminPageSize is how many users a page of the admin's list shows.
const AdminPageSize = 50

// AdminUserQuery is a page of the admin's user list: a search over email and name, and a cursor.
type AdminUserQuery struct {
	Q      string
	Cursor string
	Limit  int
}

// AdminUserPage is a page of users, by email; NextCursor is "" on the last page.
type AdminUserPage struct {
	Items      []AdminUserRow
	NextCursor string
}

// AdminUserRow is a user as the admin's list shows them, with their roles in the admin's country.
type AdminUserRow struct {
	ID, Email, Name string
	Disabled        bool
	Enrolled        bool
	Roles           []AdminRole
}

// AdminRole is a role at an agency, by slug.
type AdminRole struct {
	AgencySlug, Role string
}

// AdminUser is one user as the admin sees them: every membership, marked when it is at an agency
// of the admin's country (Here).
type AdminUser struct {
	User        User
	Enrolled    bool
	Memberships []AdminMembership
	// Sole reports that all the user's memberships are in the admin's country.
	Sole bool
	// Self reports that the user is the admin.
	Self bool
}

// AdminMembership is a membership with its agency.
type AdminMembership struct {
	ID        string
	Role      string
	Agency    Agency
	Here      bool
	CreatedAt time.Time
}

// adminCountry checks that the actor may take act on the directory and returns their country.
// Without a country (an embassy or NGO), an admin runs nothing: not found.
func adminCountry(a *authz.Actor, act authz.Action) (string, error) {
	if err := a.Require(authz.SectionDirectory, act); err != nil {
		return "", err
	}
	if a.Country == "" {
		return "", ErrNotFound
	}
	return a.Country, nil
}

// AdminAgencies lists the agencies the actor's country admin runs, by slug.
func (s *Service) AdminAgencies(ctx context.Context, a *authz.Actor) ([]Agency, error) {
	cc, err := adminCountry(a, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	var out []Agency
	if err := s.db.WithContext(ctx).Table("agencies a").Where(agencyInCountry, cc).Order("a.slug").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("directory: admin agencies: %w", err)
	}
	return out, nil
}

// AdminUsers lists the users of the actor's country by email, searched by email or name.
func (s *Service) AdminUsers(ctx context.Context, a *authz.Actor, q AdminUserQuery) (*AdminUserPage, error) {
	cc, err := adminCountry(a, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = AdminPageSize
	}
	after := ""
	if q.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err != nil || len(b) == 0 {
			return nil, &problem.Invalid{Fields: map[string]string{"cursor": "admin.error.cursor"}}
		}
		after = string(b)
	}
	var rows []struct {
		ID, Email, Name string
		DisabledAt      *time.Time
		Enrolled        bool
	}
	ids, err := countryAgencyIDs(s.db.WithContext(ctx), cc)
	if err != nil {
		return nil, err
	}
	tx := s.db.WithContext(ctx).Table("users u").Select("u.id, u.email, u.name, u.disabled_at, u.password_hash <> '' AS enrolled").
		Where(userInCountry, ids)
	if text := strings.TrimSpace(norm.NFC.String(q.Q)); text != "" {
		tx = tx.Where(userSearch, "%"+strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(text)+"%")
	}
	if after != "" {
		tx = tx.Where("u.email > ?", after)
	}
	if err := tx.Order("u.email").Limit(q.Limit + 1).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("directory: admin users: %w", err)
	}
	page := &AdminUserPage{Items: []AdminUserRow{}}
	if len(rows) > q.Limit {
		rows = rows[:q.Limit]
		page.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(rows[len(rows)-1].Email))
	}
	ids = make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
		page.Items = append(page.Items, AdminUserRow{ID: r.ID, Email: r.Email, Name: r.Name, Disabled: r.DisabledAt != nil, Enrolled: r.Enrolled})
	}
	if len(ids) == 0 {
		return page, nil
	}
	var roles []struct{ UserID, Slug, Role string }
	if err := s.db.WithContext(ctx).Table("memberships m").Select("m.user_id, a.slug, m.role").
		Joins("JOIN agencies a ON a.id = m.agency_id").Where("m.user_id IN ?", ids).Where(agencyInCountry, cc).
		Order("a.slug, m.role").Scan(&roles).Error; err != nil {
		return nil, fmt.Errorf("directory: admin user roles: %w", err)
	}
	at := make(map[string]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	for _, r := range roles {
		it := &page.Items[at[r.UserID]]
		it.Roles = append(it.Roles, AdminRole{AgencySlug: r.Slug, Role: r.Role})
	}
	return page, nil
}

// AdminUser returns a user of the actor's country with every membership.
func (s *Service) AdminUser(ctx context.Context, a *authz.Actor, id string) (*AdminUser, error) {
	cc, err := adminCountry(a, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	return s.adminUser(s.db.WithContext(ctx), a, cc, id)
}

// adminUser loads a user of country cc inside tx; a user of no country of the admin is not found.
func (s *Service) adminUser(tx *gorm.DB, a *authz.Actor, cc, id string) (*AdminUser, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, ErrNotFound
	}
	agencies, err := countryAgencyIDs(tx, cc)
	if err != nil {
		return nil, err
	}
	var u User
	if err := tx.Table("users u").Where("u.id = ?", id).Where(userInCountry, agencies).Take(&u).Error; err != nil {
		return nil, notFound(err)
	}
	out := &AdminUser{User: u, Enrolled: u.PasswordHash != "", Sole: true, Self: u.ID == a.UserID}
	out.User.PasswordHash = ""
	var ms []Membership
	if err := tx.Where("user_id = ?", id).Order("created_at, role").Find(&ms).Error; err != nil {
		return nil, err
	}
	for _, m := range ms {
		var ag Agency
		if err := tx.Where("id = ?", m.AgencyID).Take(&ag).Error; err != nil {
			return nil, err
		}
		here := ag.AdminCountry() == cc
		out.Sole = out.Sole && here
		out.Memberships = append(out.Memberships, AdminMembership{ID: m.ID, Role: m.Role, Agency: ag, Here: here, CreatedAt: m.CreatedAt})
	}
	return out, nil
}
