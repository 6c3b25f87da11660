// Package repatriation is the return-preparation section of a case (DOMAIN.md "return preparation"):
// nationality verification, travel document, family tracing and risk assessment, route, escort and
// planned date, each step with a deadline; the overdue steps of an agency; the request to the
// embassy serving the person's nationality (a packet of kind repatriation) and the application of
// the embassy's replies to the section. Caseworkers read and write it (authz.SectionRepatriation);
// supervisors inherit it and list the overdue steps.
package repatriation

import (
	"time"
)

// Allowed values of the section's choices, in the order forms show them.
var (
	NationalityStatuses    = []string{"requested", "verified", "not_verified"}
	TravelDocumentTypes    = []string{"passport", "emergency_travel_document", "certificate_of_identity", "laissez_passer", "border_pass", "other"}
	TravelDocumentStatuses = []string{"none", "requested", "issued", "refused"}
	FamilyTracingStatuses  = []string{"not_started", "in_progress", "completed", "not_possible"}
	RiskLevels             = []string{"low", "medium", "high"}
	// Routes are the border checkpoints of DOMAIN.md, or a flight (with its details).
	Routes = []string{"poipet_aranyaprathet", "cham_yeam_hat_lek", "osmach_chong_chom", "flight"}
	// RequestItems are what a request may ask of the embassy.
	RequestItems = []string{"nationality_verification", "travel_document", "travel_arrangements"}
)

// RouteFlight is the route that needs flight details.
const RouteFlight = "flight"

// Vault fields of the sealed columns; the row is the case id.
const (
	sealedNumber   = "repatriations.travel_document_number"
	sealedLocation = "repatriations.family_location"
	sealedFlight   = "repatriations.flight_details"
	sealedNote     = "repatriations.embassy_note"
)

// Limits of the free-text fields, in characters.
const (
	maxName     = 200
	maxNumber   = 60
	maxLocation = 1000
	maxFlight   = 500
	maxNote     = 2000
)

// Zone is the zone of the store countries (Thailand and Cambodia are both UTC+7): "today" for
// deadlines and dates.
var Zone = time.FixedZone("ICT", 7*60*60)

// Head is what the section's page shows at its top and what a request needs of the person.
type Head struct {
	Reference   string `json:"reference"`
	Minor       bool   `json:"minor"`
	Stage       string `json:"stage"`
	Nationality string `json:"nationality"`
}

// StepState is one step of a case with its deadline.
type StepState struct {
	Step        Step   `json:"step"`
	DueOn       string `json:"due_on"`     // YYYY-MM-DD
	Overridden  bool   `json:"overridden"` // set for this case, not the default
	DefaultDays int    `json:"default_days"`
	Done        bool   `json:"done"`
	Overdue     bool   `json:"overdue"`
	DaysOverdue int    `json:"days_overdue,omitempty"`
}

// EmbassyReply is the last reply of the embassy applied to the section: the request it answers
// (PacketID), when, the embassy's decision on the request ("accepted", "declined" or "") and its note.
type EmbassyReply struct {
	PacketID  string    `json:"packet_id"`
	RepliedAt time.Time `json:"replied_at"`
	Decision  string    `json:"decision,omitempty"`
	Note      string    `json:"note"`
}

// Record is the repatriation section of one case, opened. A case without one has Version 0.
// Dates are YYYY-MM-DD, "" when not set.
type Record struct {
	CaseID                    string        `json:"case_id"`
	OpenedOn                  string        `json:"opened_on"`
	NationalityStatus         string        `json:"nationality_status"`
	NationalityRequestedOn    string        `json:"nationality_requested_on"`
	NationalityDecidedOn      string        `json:"nationality_decided_on"`
	TravelDocumentType        string        `json:"travel_document_type"`
	TravelDocumentStatus      string        `json:"travel_document_status"`
	TravelDocumentNumber      string        `json:"travel_document_number"`
	TravelDocumentRequestedOn string        `json:"travel_document_requested_on"`
	TravelDocumentIssuedOn    string        `json:"travel_document_issued_on"`
	TravelDocumentValidUntil  string        `json:"travel_document_valid_until"`
	FamilyTracingStatus       string        `json:"family_tracing_status"`
	RiskLevel                 string        `json:"risk_level"`
	RiskAssessedBy            string        `json:"risk_assessed_by"`
	RiskAssessedOn            string        `json:"risk_assessed_on"`
	FamilyLocation            string        `json:"family_location"`
	Route                     string        `json:"route"`
	FlightDetails             string        `json:"flight_details"`
	EscortName                string        `json:"escort_name"`
	EscortAgency              string        `json:"escort_agency"`
	PlannedDate               string        `json:"planned_date"`
	Steps                     []StepState   `json:"steps"`
	Embassy                   *EmbassyReply `json:"embassy_reply,omitempty"`
	UpdatedBy                 string        `json:"updated_by,omitempty"`
	UpdatedAt                 *time.Time    `json:"updated_at"`
	Version                   int           `json:"version"`
	// Head is the case's reference, minor flag, stage and the person's nationality, for pages.
	Head Head `json:"-"`
}

// Exists reports whether the case has a repatriation section.
func (r *Record) Exists() bool { return r != nil && r.Version > 0 }

// Step returns the state of one step, or nil.
func (r *Record) Step(s Step) *StepState {
	for i := range r.Steps {
		if r.Steps[i].Step == s {
			return &r.Steps[i]
		}
	}
	return nil
}

// Input is an edit of the repatriation section. Dates are YYYY-MM-DD or "". Deadlines maps a step
// to its deadline for this case ("" or absent: the default). Version is the version the edit started
// from: 0 when the case has no section yet.
type Input struct {
	NationalityStatus         string            `json:"nationality_status"`
	NationalityRequestedOn    string            `json:"nationality_requested_on"`
	NationalityDecidedOn      string            `json:"nationality_decided_on"`
	TravelDocumentType        string            `json:"travel_document_type"`
	TravelDocumentStatus      string            `json:"travel_document_status"`
	TravelDocumentNumber      string            `json:"travel_document_number"`
	TravelDocumentRequestedOn string            `json:"travel_document_requested_on"`
	TravelDocumentIssuedOn    string            `json:"travel_document_issued_on"`
	TravelDocumentValidUntil  string            `json:"travel_document_valid_until"`
	FamilyTracingStatus       string            `json:"family_tracing_status"`
	RiskLevel                 string            `json:"risk_level"`
	RiskAssessedBy            string            `json:"risk_assessed_by"`
	RiskAssessedOn            string            `json:"risk_assessed_on"`
	FamilyLocation            string            `json:"family_location"`
	Route                     string            `json:"route"`
	FlightDetails             string            `json:"flight_details"`
	EscortName                string            `json:"escort_name"`
	EscortAgency              string            `json:"escort_agency"`
	PlannedDate               string            `json:"planned_date"`
	Deadlines                 map[string]string `json:"deadlines"`
	Version                   int               `json:"version"`
}

// InputOf is the form's starting values for a record: its values, and the deadlines set for this case.
func InputOf(r *Record) Input {
	in := Input{TravelDocumentStatus: "none", FamilyTracingStatus: "not_started", Deadlines: map[string]string{}}
	if !r.Exists() {
		return in
	}
	in = Input{NationalityStatus: r.NationalityStatus, NationalityRequestedOn: r.NationalityRequestedOn,
		NationalityDecidedOn: r.NationalityDecidedOn, TravelDocumentType: r.TravelDocumentType,
		TravelDocumentStatus: r.TravelDocumentStatus, TravelDocumentNumber: r.TravelDocumentNumber,
		TravelDocumentRequestedOn: r.TravelDocumentRequestedOn, TravelDocumentIssuedOn: r.TravelDocumentIssuedOn,
		TravelDocumentValidUntil: r.TravelDocumentValidUntil, FamilyTracingStatus: r.FamilyTracingStatus,
		RiskLevel: r.RiskLevel, RiskAssessedBy: r.RiskAssessedBy, RiskAssessedOn: r.RiskAssessedOn,
		FamilyLocation: r.FamilyLocation, Route: r.Route, FlightDetails: r.FlightDetails,
		EscortName: r.EscortName, EscortAgency: r.EscortAgency, PlannedDate: r.PlannedDate,
		Deadlines: map[string]string{}, Version: r.Version}
	for _, st := range r.Steps {
		if st.Overridden {
			in.Deadlines[string(st.Step)] = st.DueOn
		}
	}
	return in
}

// OverdueStep is one step past its deadline in a case of the actor's agency.
type OverdueStep struct {
	CaseID      string `json:"case_id"`
	CaseRef     string `json:"case_ref"`
	Step        Step   `json:"step"`
	DueOn       string `json:"due_on"`
	DaysOverdue int    `json:"days_overdue"`
}

// RequestInput is a request to the embassy serving the person's nationality: what is asked, a note,
// and a supervisor's written reason to send without the consent in force (optional).
type RequestInput struct {
	Items    []string `json:"requested"`
	Note     string   `json:"note"`
	Override string   `json:"override"`
}
