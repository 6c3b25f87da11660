package web

import (
	"strings"
	"time"

	"homeward/internal/locale"
	"homeward/internal/repatriation"
)

// repatField is a field of the repatriation form: a select, a date, a line of text or a text area.
type repatField struct {
	Name, Label, Kind, Value, Hint, Error string
	Options                               []sectionOption
}

// repatFieldset is one step's fields with its deadline for this case.
type repatFieldset struct {
	Legend string
	Fields []repatField
}

// repatStep is a row of the steps table: what the step says now and its deadline.
type repatStep struct {
	Step, Label, Summary, DueOn, DueISO string
	Overridden, Done, Overdue           bool
	DaysOverdue, DefaultDays            int
}

// day shows a YYYY-MM-DD date in the user's language, "" for none.
func day(l *locale.Localizer, s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return ""
	}
	return l.Date(t)
}

// label translates a value of a choice as prefix+value, "" for none.
func label(l *locale.Localizer, prefix, v string) string {
	if v == "" {
		return ""
	}
	return l.T(prefix + v)
}

// join keeps the non-empty parts.
func join(parts ...string) string {
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " · ")
}

// stepSummaries says in one line what each step of a record holds.
func stepSummaries(l *locale.Localizer, r *repatriation.Record) map[repatriation.Step]string {
	if !r.Exists() {
		return map[repatriation.Step]string{}
	}
	validUntil := ""
	if r.TravelDocumentValidUntil != "" {
		validUntil = l.T("repatriation.valid_until", "Date", day(l, r.TravelDocumentValidUntil))
	}
	assessed := ""
	if r.RiskAssessedBy != "" {
		assessed = l.T("repatriation.assessed_by", "Name", r.RiskAssessedBy, "Date", day(l, r.RiskAssessedOn))
	}
	risk := ""
	if r.RiskLevel != "" {
		risk = l.T("repatriation.risk", "Level", label(l, "repatriation.risk_level.", r.RiskLevel))
	}
	return map[repatriation.Step]string{
		repatriation.StepNationality: join(label(l, "repatriation.nationality_status.", r.NationalityStatus),
			day(l, r.NationalityDecidedOn)),
		repatriation.StepTravelDocument: join(label(l, "repatriation.document_type.", r.TravelDocumentType),
			label(l, "repatriation.document_status.", r.TravelDocumentStatus), r.TravelDocumentNumber, validUntil),
		repatriation.StepFamilyTracing: join(label(l, "repatriation.tracing.", r.FamilyTracingStatus), risk, assessed),
		repatriation.StepRoute:         join(label(l, "repatriation.route.", r.Route), r.FlightDetails),
		repatriation.StepEscort:        join(r.EscortName, r.EscortAgency),
		repatriation.StepPlannedDate:   day(l, r.PlannedDate),
	}
}

// repatSteps is the steps table of a record.
func repatSteps(l *locale.Localizer, r *repatriation.Record) []repatStep {
	sums := stepSummaries(l, r)
	out := make([]repatStep, 0, len(r.Steps))
	for _, s := range r.Steps {
		out = append(out, repatStep{Step: string(s.Step), Label: l.T("repatriation.step." + string(s.Step)),
			Summary: sums[s.Step], DueOn: day(l, s.DueOn), DueISO: s.DueOn, Overridden: s.Overridden, Done: s.Done,
			Overdue: s.Overdue, DaysOverdue: s.DaysOverdue, DefaultDays: s.DefaultDays})
	}
	return out
}

// repatFieldsets builds the form's fields from the typed input and its errors, step by step.
func repatFieldsets(l *locale.Localizer, in repatriation.Input, errs map[string]string) []repatFieldset {
	sel := func(name, prefix, v string, values []string) repatField {
		return repatField{Name: name, Kind: "select", Value: v, Options: sectionOptions(l, prefix, values, v)}
	}
	date := func(name, v string) repatField { return repatField{Name: name, Kind: "date", Value: v} }
	text := func(name, v string) repatField { return repatField{Name: name, Kind: "text", Value: v} }
	steps := []struct {
		step   repatriation.Step
		fields []repatField
	}{
		{repatriation.StepNationality, []repatField{
			sel("nationality_status", "repatriation.nationality_status.", in.NationalityStatus, repatriation.NationalityStatuses),
			date("nationality_requested_on", in.NationalityRequestedOn), date("nationality_decided_on", in.NationalityDecidedOn)}},
		{repatriation.StepTravelDocument, []repatField{
			sel("travel_document_type", "repatriation.document_type.", in.TravelDocumentType, repatriation.TravelDocumentTypes),
			sel("travel_document_status", "repatriation.document_status.", in.TravelDocumentStatus, repatriation.TravelDocumentStatuses),
			text("travel_document_number", in.TravelDocumentNumber), date("travel_document_requested_on", in.TravelDocumentRequestedOn),
			date("travel_document_issued_on", in.TravelDocumentIssuedOn), date("travel_document_valid_until", in.TravelDocumentValidUntil)}},
		{repatriation.StepFamilyTracing, []repatField{
			sel("family_tracing_status", "repatriation.tracing.", in.FamilyTracingStatus, repatriation.FamilyTracingStatuses),
			sel("risk_level", "repatriation.risk_level.", in.RiskLevel, repatriation.RiskLevels),
			text("risk_assessed_by", in.RiskAssessedBy), date("risk_assessed_on", in.RiskAssessedOn),
			{Name: "family_location", Kind: "textarea", Value: in.FamilyLocation}}},
		{repatriation.StepRoute, []repatField{
			sel("route", "repatriation.route.", in.Route, repatriation.Routes), text("flight_details", in.FlightDetails)}},
		{repatriation.StepEscort, []repatField{text("escort_name", in.EscortName), text("escort_agency", in.EscortAgency)}},
		{repatriation.StepPlannedDate, []repatField{date("planned_date", in.PlannedDate)}},
	}
	out := make([]repatFieldset, 0, len(steps))
	for _, s := range steps {
		deadline := date("deadline_"+string(s.step), in.Deadlines[string(s.step)])
		deadline.Label = l.T("repatriation.field.deadline")
		if d, ok := defaultDays(s.step); ok {
			deadline.Hint = l.T("repatriation.deadline_hint", "Days", d)
		}
		fs := repatFieldset{Legend: l.T("repatriation.step." + string(s.step))}
		for _, f := range append(s.fields, deadline) {
			if f.Label == "" {
				f.Label = l.T("repatriation.field." + f.Name)
			}
			if f.Hint == "" && sealedField(f.Name) {
				f.Hint = l.T("repatriation.sealed_hint")
			}
			f.Error = errs[f.Name]
			fs.Fields = append(fs.Fields, f)
		}
		out = append(out, fs)
	}
	return out
}

func defaultDays(s repatriation.Step) (int, bool) {
	for _, d := range repatriation.Defaults {
		if d.Step == s {
			return d.Days, true
		}
	}
	return 0, false
}

func sealedField(name string) bool {
	return name == "travel_document_number" || name == "family_location" || name == "flight_details"
}

// repatInputOf reads the repatriation form.
func repatInputOf(form func(string) string) repatriation.Input {
	in := repatriation.Input{NationalityStatus: form("nationality_status"), NationalityRequestedOn: form("nationality_requested_on"),
		NationalityDecidedOn: form("nationality_decided_on"), TravelDocumentType: form("travel_document_type"),
		TravelDocumentStatus: form("travel_document_status"), TravelDocumentNumber: form("travel_document_number"),
		TravelDocumentRequestedOn: form("travel_document_requested_on"), TravelDocumentIssuedOn: form("travel_document_issued_on"),
		TravelDocumentValidUntil: form("travel_document_valid_until"), FamilyTracingStatus: form("family_tracing_status"),
		RiskLevel: form("risk_level"), RiskAssessedBy: form("risk_assessed_by"), RiskAssessedOn: form("risk_assessed_on"),
		FamilyLocation: form("family_location"), Route: form("route"), FlightDetails: form("flight_details"),
		EscortName: form("escort_name"), EscortAgency: form("escort_agency"), PlannedDate: form("planned_date"),
		Deadlines: map[string]string{}}
	for _, s := range repatriation.Steps() {
		if v := form("deadline_" + string(s)); v != "" {
			in.Deadlines[string(s)] = v
		}
	}
	return in
}

// ErrorSummary is the page's error summary: the embassy request's messages when that form was
// refused, else the section form's, each linked to its field in the form's order.
func (v repatriationPage) ErrorSummary() ErrorSummary {
	if len(v.RequestErrors) > 0 {
		first := ""
		if len(v.RequestItems) > 0 {
			first = v.RequestItems[0].Value
		}
		return formSummary(v.L, v.RequestError, v.RequestErrors, "requested#requested-"+first+":repatriation.request.items",
			"note#request-note:repatriation.request.note", "override#request-override:repatriation.request.override")
	}
	var order []string
	for _, fs := range v.Fieldsets {
		for _, f := range fs.Fields {
			label := "repatriation.field." + f.Name
			if strings.HasPrefix(f.Name, "deadline_") {
				label = "repatriation.field.deadline"
			}
			order = append(order, f.Name+":"+label)
		}
	}
	return formSummary(v.L, v.Error, v.Errors, order...)
}
