// Package reintegration is the follow-up of a person after the return home (DOMAIN.md
// "reintegration"): a plan with goals, each with its status, and follow-up visits — scheduled, then
// done (date, outcome, re-trafficking risk) or missed. A visit records the kind of place only; any
// address is sealed with the store's keyset, never kept in clear. Scheduled visits past their date
// are overdue.
package reintegration

import (
	"slices"
	"strings"
	"time"

	"homeward/internal/problem"
	"homeward/internal/services"
)

// Values of the fields, in the order forms show them.
var (
	GoalStatuses  = []string{"open", "in_progress", "achieved", "dropped"}
	VisitStatuses = []string{"scheduled", "done", "missed"}
	RiskLevels    = []string{"low", "medium", "high"}
	LocationKinds = []string{"home", "relative", "shelter", "workplace", "other"}
)

const (
	maxSummaryLen = 4000
	maxGoalLen    = 500
	maxAddressLen = 500
	maxOutcomeLen = 4000
	// sealed fields; the row is the visit id.
	sealedAddress = "follow_up_visits.address"
	sealedOutcome = "follow_up_visits.outcome"
)

// planRow is a row of reintegration_plans.
type planRow struct {
	CaseID    string
	Summary   string
	UpdatedBy string
	UpdatedAt time.Time
	Version   int
}

// TableName is reintegration_plans.
func (planRow) TableName() string { return "reintegration_plans" }

// Goal is a row of reintegration_goals.
type Goal struct {
	ID        string    `json:"id"`
	CaseID    string    `json:"case_id"`
	Goal      string    `json:"goal"`
	Status    string    `json:"status"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`
}

// TableName is reintegration_goals.
func (Goal) TableName() string { return "reintegration_goals" }

// visitRow is a row of follow_up_visits.
type visitRow struct {
	ID           string
	CaseID       string
	Status       string
	VisitDate    time.Time
	LocationKind string
	AddressEnc   []byte
	RiskLevel    *string
	OutcomeEnc   []byte
	CreatedBy    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int
}

// TableName is follow_up_visits.
func (visitRow) TableName() string { return "follow_up_visits" }

// Visit is a follow-up visit, opened.
type Visit struct {
	ID           string    `json:"id"`
	Status       string    `json:"status"`
	VisitDate    time.Time `json:"visit_date"`
	LocationKind string    `json:"location_kind"`
	Address      string    `json:"address"`
	RiskLevel    string    `json:"risk_level,omitempty"`
	Outcome      string    `json:"outcome"`
	Overdue      bool      `json:"overdue"`
	CreatedBy    string    `json:"created_by"`
	UpdatedAt    time.Time `json:"updated_at"`
	Version      int       `json:"version"`
}

// Plan is the reintegration section of a case. Version 0: no plan summary yet.
type Plan struct {
	CaseID    string        `json:"case_id"`
	Summary   string        `json:"summary"`
	UpdatedAt *time.Time    `json:"updated_at"`
	Version   int           `json:"version"`
	Goals     []Goal        `json:"goals"`
	Visits    []Visit       `json:"visits"`
	NextVisit *Visit        `json:"next_visit"`
	Overdue   []Visit       `json:"overdue"`
	Head      services.Head `json:"-"`
}

// PlanInput edits the plan's summary at its version (0 for the first).
type PlanInput struct {
	Summary string `json:"summary"`
	Version int    `json:"version"`
}

// GoalInput is a new goal, or an edit of one at its version.
type GoalInput struct {
	Goal    string `json:"goal"`
	Status  string `json:"status"`
	Version int    `json:"version"`
}

// VisitInput schedules a visit (status scheduled), records one (done or missed), or records the
// result of a scheduled one at its version.
type VisitInput struct {
	Status       string `json:"status"`
	VisitDate    string `json:"visit_date"` // YYYY-MM-DD
	LocationKind string `json:"location_kind"`
	Address      string `json:"address"`
	RiskLevel    string `json:"risk_level"`
	Outcome      string `json:"outcome"`
	Version      int    `json:"version"`
}

func (in *PlanInput) clean() error {
	inv := &problem.Invalid{}
	services.CleanText(inv, "summary", &in.Summary, maxSummaryLen)
	if in.Version < 0 {
		inv.Add("version", "form.error.invalid")
	}
	return inv.Err()
}

func (in *GoalInput) clean() error {
	inv := &problem.Invalid{}
	services.CleanText(inv, "goal", &in.Goal, maxGoalLen)
	if in.Goal == "" {
		inv.Add("goal", "form.error.required")
	}
	in.Status = strings.TrimSpace(in.Status)
	if in.Status == "" {
		in.Status = "open"
	}
	if !slices.Contains(GoalStatuses, in.Status) {
		inv.Add("status", "form.error.choose")
	}
	if in.Version < 0 {
		inv.Add("version", "form.error.invalid")
	}
	return inv.Err()
}

// clean validates a visit against today: a scheduled visit lies today or later; a visit recorded
// as done or missed lies today or earlier (a visit in the future cannot have been done); a done
// visit has its re-trafficking risk level.
func (in *VisitInput) clean(now time.Time) (time.Time, error) {
	in.Status, in.LocationKind, in.RiskLevel = strings.TrimSpace(in.Status), strings.TrimSpace(in.LocationKind), strings.TrimSpace(in.RiskLevel)
	inv := &problem.Invalid{}
	if !slices.Contains(VisitStatuses, in.Status) {
		inv.Add("status", "form.error.choose")
	}
	var date time.Time
	if strings.TrimSpace(in.VisitDate) == "" {
		inv.Add("visit_date", "form.error.required")
	} else if d := services.ParseDate(inv, "visit_date", in.VisitDate); d != nil {
		date = *d
		today := services.Today(now)
		switch {
		case in.Status == "scheduled" && date.Before(today):
			inv.Add("visit_date", "reintegration.error.past")
		case (in.Status == "done" || in.Status == "missed") && date.After(today):
			inv.Add("visit_date", "reintegration.error.future")
		}
	}
	if !slices.Contains(LocationKinds, in.LocationKind) {
		inv.Add("location_kind", "form.error.choose")
	}
	switch {
	case in.Status == "done" && !slices.Contains(RiskLevels, in.RiskLevel):
		inv.Add("risk_level", "form.error.choose")
	case in.Status != "done" && in.RiskLevel != "":
		if !slices.Contains(RiskLevels, in.RiskLevel) {
			inv.Add("risk_level", "form.error.choose")
		}
		in.RiskLevel = "" // a risk is assessed at a visit that took place
	}
	services.CleanText(inv, "address", &in.Address, maxAddressLen)
	services.CleanText(inv, "outcome", &in.Outcome, maxOutcomeLen)
	if in.Version < 0 {
		inv.Add("version", "form.error.invalid")
	}
	return date, inv.Err()
}
