package crossmatch

import (
	"time"

	"gorm.io/gorm"

	"homeward/internal/linkage"
)

// OnPhase sets the hook called as each phase of a publish round ends (benchmarks).
func (s *Service) OnPhase(f func(phase string)) { s.mark = f }

// RecordPairs records the pairs (country, tokens[i]) ~ (other, others[i]), both sides, in one
// statement as match does (benchmarks).
func RecordPairs(htx *gorm.DB, country string, tokens []string, other string, others []string, now time.Time) error {
	var p candidatePairs
	for i := range tokens {
		c := linkage.Candidate{Score: 0.8}
		p.add(country, tokens[i], other, others[i], c)
		p.add(other, others[i], country, tokens[i], c)
	}
	return p.record(htx, now)
}
