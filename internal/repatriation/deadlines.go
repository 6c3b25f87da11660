package repatriation

import "time"

// Step is a step of return preparation that has a deadline.
type Step string

// Steps, in the order the section shows them.
const (
	StepNationality    Step = "nationality"
	StepTravelDocument Step = "travel_document"
	StepFamilyTracing  Step = "family_tracing"
	StepRoute          Step = "route"
	StepEscort         Step = "escort"
	StepPlannedDate    Step = "planned_date"
)

// StepDefault is a step's default deadline: Days after its start. Done tells when the step needs
// nothing more. docs/repatriation.md renders this table; a test fails when it drifts.
type StepDefault struct {
	Step Step
	Days int
	// From is where the count starts: "request" (the step's request date, else the day the section
	// was opened) or "opened" (the day the section was first recorded).
	From string
	// Done is the condition that closes the step, as the docs say it.
	Done string
	done func(r *row) bool
}

// Defaults are the default deadlines of the steps ("without undue delay"). A case may set its own
// deadline for any step; a deadline is fixed when the section is saved, so a change here applies to
// each case at its next save.
var Defaults = []StepDefault{
	{StepNationality, 14, "request", "status verified or not verified",
		func(r *row) bool { return r.NationalityStatus == "verified" || r.NationalityStatus == "not_verified" }},
	{StepTravelDocument, 30, "request", "status issued",
		func(r *row) bool { return r.TravelDocumentStatus == "issued" }},
	{StepFamilyTracing, 21, "opened", "tracing completed or not possible, and a risk level assessed",
		func(r *row) bool {
			return (r.FamilyTracingStatus == "completed" || r.FamilyTracingStatus == "not_possible") && r.RiskLevel != ""
		}},
	{StepRoute, 30, "opened", "a checkpoint or a flight chosen",
		func(r *row) bool { return r.Route != "" }},
	{StepEscort, 30, "opened", "an escort named",
		func(r *row) bool { return r.EscortName != "" }},
	{StepPlannedDate, 45, "opened", "a planned date set",
		func(r *row) bool { return r.PlannedDate != nil }},
}

// Steps lists the steps in order.
func Steps() []Step {
	out := make([]Step, len(Defaults))
	for i, d := range Defaults {
		out[i] = d.Step
	}
	return out
}

func defaultOf(s Step) (StepDefault, bool) {
	for _, d := range Defaults {
		if d.Step == s {
			return d, true
		}
	}
	return StepDefault{}, false
}

// stepRow is a row of repatriation_steps.
type stepRow struct {
	CaseID     string
	Step       string
	DueOn      time.Time
	Overridden bool
	Done       bool
}

// TableName is repatriation_steps.
func (stepRow) TableName() string { return "repatriation_steps" }

// computeSteps gives each step its deadline: the override of this case, else its start plus the default.
func computeSteps(r *row, overrides map[Step]time.Time) []stepRow {
	out := make([]stepRow, 0, len(Defaults))
	for _, d := range Defaults {
		from := r.OpenedOn
		if d.From == "request" {
			switch d.Step {
			case StepNationality:
				if r.NationalityRequestedOn != nil {
					from = *r.NationalityRequestedOn
				}
			case StepTravelDocument:
				if r.TravelDocumentRequestedOn != nil {
					from = *r.TravelDocumentRequestedOn
				}
			}
		}
		sr := stepRow{CaseID: r.CaseID, Step: string(d.Step), DueOn: from.AddDate(0, 0, d.Days), Done: d.done(r)}
		if due, ok := overrides[d.Step]; ok {
			sr.DueOn, sr.Overridden = due, true
		}
		out = append(out, sr)
	}
	return out
}

// stateOf turns step rows into the states a record shows, as of today.
func stateOf(rows []stepRow, today time.Time) []StepState {
	out := make([]StepState, 0, len(rows))
	for _, d := range Defaults {
		for _, sr := range rows {
			if sr.Step != string(d.Step) {
				continue
			}
			st := StepState{Step: d.Step, DueOn: sr.DueOn.Format(time.DateOnly), Overridden: sr.Overridden,
				DefaultDays: d.Days, Done: sr.Done}
			if !sr.Done && sr.DueOn.Before(today) {
				st.Overdue, st.DaysOverdue = true, daysBetween(sr.DueOn, today)
			}
			out = append(out, st)
		}
	}
	return out
}

// today is the date of now in the store zone, as a UTC midnight (the form PostgreSQL dates come in).
func today(now time.Time) time.Time {
	y, m, d := now.In(Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// daysBetween counts whole days from a to b (both dates).
func daysBetween(a, b time.Time) int {
	return int(b.Sub(a).Hours()/24 + 0.5)
}
