package cases

// Stage is where a case stands (DOMAIN.md).
type Stage string

// The stages, in order.
const (
	StageReception         Stage = "reception"
	StageScreening         Stage = "screening"
	StageIdentification    Stage = "identification"
	StageRecovery          Stage = "recovery"
	StageReturnPreparation Stage = "return_preparation"
	StageHandover          Stage = "handover"
	StageReintegration     Stage = "reintegration"
	StageClosed            Stage = "closed"
)

// Stages lists every stage in order.
var Stages = []Stage{StageReception, StageScreening, StageIdentification, StageRecovery,
	StageReturnPreparation, StageHandover, StageReintegration, StageClosed}

// transitions is the fixed table of allowed moves: from -> the stages it may go to.
var transitions = map[Stage][]Stage{
	StageReception:         {StageScreening, StageClosed},
	StageScreening:         {StageIdentification, StageReception, StageClosed},
	StageIdentification:    {StageRecovery, StageScreening, StageClosed},
	StageRecovery:          {StageReturnPreparation, StageReintegration, StageClosed},
	StageReturnPreparation: {StageHandover, StageRecovery, StageClosed},
	StageHandover:          {StageReintegration, StageClosed},
	StageReintegration:     {StageClosed},
	StageClosed:            {StageRecovery, StageReintegration}, // reopening
}

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// CanMove reports whether the table allows from -> to.
func CanMove(from, to Stage) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// NextStages lists where a case in s may go.
func NextStages(s Stage) []Stage { return transitions[s] }

// NeedsReason reports whether a move to s must give a reason (closing a case).
func (s Stage) NeedsReason() bool { return s == StageClosed }
