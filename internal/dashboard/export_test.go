package dashboard

import "gorm.io/gorm"

// WithTrace has f see each store query of a dashboard before it runs, in its transaction (the
// benchmarks explain them).
func (s *Service) WithTrace(f func(tx *gorm.DB, sql string, args []any)) *Service {
	s.trace = f
	return s
}
