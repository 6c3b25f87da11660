package directory

import (
	"context"
	"fmt"
)

// AgenciesOfKind returns the agencies of one kind (police, social_welfare, embassy, ngo), by slug.
func (s *Service) AgenciesOfKind(ctx context.Context, kind string) ([]Agency, error) {
	var out []Agency
	if err := s.db.WithContext(ctx).Where("kind = ?", kind).Order("slug").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("directory: agencies of kind %s: %w", kind, err)
	}
	return out, nil
}
