package seedscale

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// selectMembersSQL lists the users of a country's police and social-welfare agencies by role.
const selectMembersSQL = `SELECT a.id::text AS agency_id, a.kind, m.role, m.user_id::text AS user_id
FROM agencies a JOIN memberships m ON m.agency_id = a.id JOIN users u ON u.id = m.user_id
WHERE a.country = ? AND a.kind IN ('police', 'social_welfare') AND u.disabled_at IS NULL
  AND m.role IN ('caseworker', 'investigator', 'supervisor')
ORDER BY a.slug, m.role, u.email`

// DirectoryFromHub reads, from the hub's directory, the social-welfare and police agencies of
// country and their caseworkers (investigators), supervisors. With several agencies of a kind
// the first by slug is taken.
func DirectoryFromHub(ctx context.Context, hub *gorm.DB, country string) (Directory, error) {
	var rows []struct{ AgencyID, Kind, Role, UserID string }
	if err := hub.WithContext(ctx).Raw(selectMembersSQL, country).Scan(&rows).Error; err != nil {
		return Directory{}, fmt.Errorf("seedscale: read the directory: %w", err)
	}
	var d Directory
	for _, r := range rows {
		a := &d.Welfare
		if r.Kind == "police" {
			a = &d.Police
		}
		if a.ID == "" {
			a.ID = r.AgencyID
		}
		if a.ID != r.AgencyID {
			continue
		}
		if r.Role == "supervisor" {
			a.Supervisors = append(a.Supervisors, r.UserID)
		} else {
			a.Workers = append(a.Workers, r.UserID)
		}
	}
	for name, a := range map[string]Agency{"social-welfare": d.Welfare, "police": d.Police} {
		if a.ID == "" || len(a.Workers) == 0 || len(a.Supervisors) == 0 {
			return Directory{}, fmt.Errorf("seedscale: %s has no %s agency with caseworkers and supervisors", country, name)
		}
	}
	return d, nil
}
