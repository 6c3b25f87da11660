package repatriation

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"homeward/internal/problem"
)

// row is a row of repatriations; the number, the family location, the flight details and the
// embassy's note are sealed.
type row struct {
	CaseID                    string
	OpenedOn                  time.Time
	NationalityStatus         string
	NationalityRequestedOn    *time.Time
	NationalityDecidedOn      *time.Time
	TravelDocumentType        string
	TravelDocumentStatus      string
	TravelDocumentNumberEnc   []byte
	TravelDocumentRequestedOn *time.Time
	TravelDocumentIssuedOn    *time.Time
	TravelDocumentValidUntil  *time.Time
	FamilyTracingStatus       string
	RiskLevel                 string
	RiskAssessedBy            string
	RiskAssessedOn            *time.Time
	FamilyLocationEnc         []byte
	Route                     string
	FlightDetailsEnc          []byte
	EscortName                string
	EscortAgency              string
	PlannedDate               *time.Time
	EmbassyPacketID           *string
	EmbassyRepliedAt          *time.Time
	EmbassyDecision           string
	EmbassyNoteEnc            []byte
	UpdatedBy                 *string
	UpdatedAt                 time.Time `gorm:"autoUpdateTime:false"`
	Version                   int
}

// TableName is repatriations.
func (row) TableName() string { return "repatriations" }

// cleaned is a validated input: its dates parsed and its deadlines by step.
type cleaned struct {
	Input
	nationalityRequestedOn, nationalityDecidedOn              *time.Time
	documentRequestedOn, documentIssuedOn, documentValidUntil *time.Time
	riskAssessedOn, plannedDate                               *time.Time
	deadlines                                                 map[Step]time.Time
}

// clean normalises and validates the input against today and the stored row (nil for a new
// section); the errors are i18n keys per field. Dates of things done may not lie in the future; a
// planned date may not lie in the past unless it is the one already stored.
func (in Input) clean(now time.Time, stored *row) (*cleaned, error) {
	day := today(now)
	nfc := func(s string) string { return strings.TrimSpace(norm.NFC.String(s)) }
	for _, p := range []*string{&in.NationalityStatus, &in.TravelDocumentType, &in.TravelDocumentStatus,
		&in.FamilyTracingStatus, &in.RiskLevel, &in.Route, &in.NationalityRequestedOn, &in.NationalityDecidedOn,
		&in.TravelDocumentRequestedOn, &in.TravelDocumentIssuedOn, &in.TravelDocumentValidUntil,
		&in.RiskAssessedOn, &in.PlannedDate} {
		*p = strings.TrimSpace(*p)
	}
	for _, p := range []*string{&in.TravelDocumentNumber, &in.RiskAssessedBy, &in.FamilyLocation,
		&in.FlightDetails, &in.EscortName, &in.EscortAgency} {
		*p = nfc(*p)
	}
	if in.TravelDocumentStatus == "" {
		in.TravelDocumentStatus = "none"
	}
	if in.FamilyTracingStatus == "" {
		in.FamilyTracingStatus = "not_started"
	}
	inv := &problem.Invalid{}
	for _, f := range []struct {
		name, value string
		allowed     []string
		optional    bool
	}{
		{"nationality_status", in.NationalityStatus, NationalityStatuses, true},
		{"travel_document_type", in.TravelDocumentType, TravelDocumentTypes, true},
		{"travel_document_status", in.TravelDocumentStatus, TravelDocumentStatuses, false},
		{"family_tracing_status", in.FamilyTracingStatus, FamilyTracingStatuses, false},
		{"risk_level", in.RiskLevel, RiskLevels, true},
		{"route", in.Route, Routes, true},
	} {
		if !(f.optional && f.value == "") && !slices.Contains(f.allowed, f.value) {
			inv.Add(f.name, "form.error.choose")
		}
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{"travel_document_number", in.TravelDocumentNumber, maxNumber},
		{"risk_assessed_by", in.RiskAssessedBy, maxName},
		{"family_location", in.FamilyLocation, maxLocation},
		{"flight_details", in.FlightDetails, maxFlight},
		{"escort_name", in.EscortName, maxName},
		{"escort_agency", in.EscortAgency, maxName},
	} {
		switch {
		case !utf8.ValidString(f.value):
			inv.Add(f.name, "form.error.invalid")
		case utf8.RuneCountInString(f.value) > f.max:
			inv.Add(f.name, "form.error.too_long")
		}
	}
	out := &cleaned{deadlines: map[Step]time.Time{}}
	past := func(field string, s *string) *time.Time { return parseDay(inv, field, *s, day, true) }
	out.nationalityRequestedOn = past("nationality_requested_on", &in.NationalityRequestedOn)
	out.nationalityDecidedOn = past("nationality_decided_on", &in.NationalityDecidedOn)
	out.documentRequestedOn = past("travel_document_requested_on", &in.TravelDocumentRequestedOn)
	out.documentIssuedOn = past("travel_document_issued_on", &in.TravelDocumentIssuedOn)
	out.riskAssessedOn = past("risk_assessed_on", &in.RiskAssessedOn)
	out.documentValidUntil = parseDay(inv, "travel_document_valid_until", in.TravelDocumentValidUntil, day, false)
	out.plannedDate = parseDay(inv, "planned_date", in.PlannedDate, day, false)

	// Dates that must follow one another.
	if out.documentValidUntil != nil && out.documentIssuedOn != nil && out.documentValidUntil.Before(*out.documentIssuedOn) {
		inv.Add("travel_document_valid_until", "repatriation.error.valid_until_before_issue")
	}
	if out.nationalityDecidedOn != nil && out.nationalityRequestedOn != nil && out.nationalityDecidedOn.Before(*out.nationalityRequestedOn) {
		inv.Add("nationality_decided_on", "repatriation.error.before_request")
	}
	if out.documentIssuedOn != nil && out.documentRequestedOn != nil && out.documentIssuedOn.Before(*out.documentRequestedOn) {
		inv.Add("travel_document_issued_on", "repatriation.error.before_request")
	}
	if out.plannedDate != nil && out.plannedDate.Before(day) && (stored == nil || stored.PlannedDate == nil || !stored.PlannedDate.Equal(*out.plannedDate)) {
		inv.Add("planned_date", "repatriation.error.planned_past")
	}
	// What a choice needs.
	if in.TravelDocumentStatus == "issued" && in.TravelDocumentType == "" {
		inv.Add("travel_document_type", "form.error.required")
	}
	if in.RiskLevel != "" && in.RiskAssessedBy == "" {
		inv.Add("risk_assessed_by", "form.error.required")
	}
	if in.Route == RouteFlight && in.FlightDetails == "" {
		inv.Add("flight_details", "form.error.required")
	}
	if in.Route != RouteFlight {
		in.FlightDetails = "" // details belong to a flight only
	}
	// Deadlines set for this case: a date within a year back and three years ahead.
	for key, v := range in.Deadlines {
		v = strings.TrimSpace(v)
		in.Deadlines[key] = v
		if _, ok := defaultOf(Step(key)); !ok {
			inv.Add("deadline_"+key, "form.error.invalid")
			continue
		}
		if v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, v)
		switch {
		case err != nil:
			inv.Add("deadline_"+key, "form.error.date")
		case t.Before(day.AddDate(-1, 0, 0)) || t.After(day.AddDate(3, 0, 0)):
			inv.Add("deadline_"+key, "form.error.date_range")
		default:
			out.deadlines[Step(key)] = t
		}
	}
	if in.Version < 0 {
		inv.Add("version", "form.error.invalid")
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	// The dates a status implies, when not given: today.
	if in.NationalityStatus != "" && out.nationalityRequestedOn == nil {
		out.nationalityRequestedOn = &day
	}
	if (in.NationalityStatus == "verified" || in.NationalityStatus == "not_verified") && out.nationalityDecidedOn == nil {
		out.nationalityDecidedOn = &day
	}
	if in.TravelDocumentStatus != "none" && out.documentRequestedOn == nil {
		out.documentRequestedOn = &day
	}
	if in.TravelDocumentStatus == "issued" && out.documentIssuedOn == nil {
		out.documentIssuedOn = &day
	}
	if in.RiskLevel != "" && out.riskAssessedOn == nil {
		out.riskAssessedOn = &day
	}
	out.Input = in
	return out, nil
}

// parseDay reads an optional YYYY-MM-DD date. A date of something done (done) may not lie after
// today (a day of grace for the zones east of UTC); any date stays within a century of today.
func parseDay(inv *problem.Invalid, field, s string, day time.Time, done bool) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, s)
	switch {
	case err != nil:
		inv.Add(field, "form.error.date")
		return nil
	case done && t.After(day.AddDate(0, 0, 1)), t.Year() < day.Year()-100, t.Year() > day.Year()+100:
		inv.Add(field, "form.error.date_range")
		return nil
	}
	return &t
}

// dateString formats an optional date.
func dateString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}
