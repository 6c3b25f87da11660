package crossmatch

// OnPhase sets the hook called as each phase of a publish round ends (benchmarks).
func (s *Service) OnPhase(f func(phase string)) { s.mark = f }
