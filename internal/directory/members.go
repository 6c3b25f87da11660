package directory

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// Members returns the active users holding role in the agency, by name. Only id, email and name
// are loaded (never the password hash).
func (s *Service) Members(ctx context.Context, agencyID, role string) ([]User, error) {
	if _, err := uuid.Parse(agencyID); err != nil {
		return nil, nil
	}
	var out []User
	err := s.db.WithContext(ctx).Table("users u").Select("u.id, u.email, u.name").
		Joins("JOIN memberships m ON m.user_id = u.id").
		Where("m.agency_id = ? AND m.role = ? AND u.disabled_at IS NULL", agencyID, role).
		Order("u.name, u.id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("directory: members: %w", err)
	}
	return out, nil
}

// HasMember reports whether the user is active and holds role in the agency.
func (s *Service) HasMember(ctx context.Context, agencyID, userID, role string) (bool, error) {
	if _, err := uuid.Parse(userID); err != nil {
		return false, nil
	}
	if _, err := uuid.Parse(agencyID); err != nil {
		return false, nil
	}
	var n int64
	err := s.db.WithContext(ctx).Table("memberships m").Joins("JOIN users u ON u.id = m.user_id").
		Where("m.agency_id = ? AND m.user_id = ? AND m.role = ? AND u.disabled_at IS NULL", agencyID, userID, role).
		Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("directory: membership: %w", err)
	}
	return n > 0, nil
}

// UserNames maps user ids to names; unknown ids are left out.
func (s *Service) UserNames(ctx context.Context, ids []string) (map[string]string, error) {
	valid := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, err := uuid.Parse(id); err == nil {
			valid = append(valid, id)
		}
	}
	out := make(map[string]string, len(valid))
	if len(valid) == 0 {
		return out, nil
	}
	var rows []struct{ ID, Name string }
	if err := s.db.WithContext(ctx).Table("users").Select("id, name").Where("id IN ?", valid).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("directory: user names: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}

// StoreAgencies returns the agencies working in a country's store (police and social welfare), by slug.
func (s *Service) StoreAgencies(ctx context.Context, country string) ([]Agency, error) {
	var out []Agency
	if country == "" {
		return out, nil
	}
	if err := s.db.WithContext(ctx).Where("country = ?", country).Order("slug").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("directory: store agencies: %w", err)
	}
	return out, nil
}

// AgencyByRef returns an agency by id or by slug.
func (s *Service) AgencyByRef(ctx context.Context, ref string) (*Agency, error) {
	if _, err := uuid.Parse(ref); err == nil && len(ref) == 36 {
		return s.Agency(ctx, ref)
	}
	return s.AgencyBySlug(ctx, ref)
}
