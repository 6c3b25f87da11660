// Package services is the help a person gets (DOMAIN.md "recovery"): shelter, medical,
// psychosocial, legal aid and the rest, each planned, in progress, completed or stopped, with its
// provider (the owner agency, another agency of the store, or an NGO), dates and a sealed outcome.
// A service given by an NGO starts as a referral: a packet of kind referral (exchange), whose
// replies update the service in the store (Apply).
package services

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"homeward/internal/problem"
)

// Values of the fields, in the order forms show them.
var (
	Kinds = []string{"shelter", "medical", "psychosocial", "legal_aid", "interpretation", "family_contact",
		"vocational_training", "financial_help", "education"}
	Statuses      = []string{"planned", "in_progress", "completed", "stopped"}
	ProviderKinds = []string{"own", "agency", "ngo"}
	// ReferralStatuses are the states of a referral as the service shows them.
	ReferralStatuses = []string{"pending_approval", "sent", "opened", "accepted", "declined", "in_progress",
		"completed", "revoked", "expired"}
	maxOutcomeLen = 4000
)

// sealedOutcome is the vault field of the outcome; the row is the service id.
const sealedOutcome = "services.outcome"

// row is a row of services.
type row struct {
	ID               string
	CaseID           string
	Kind             string
	Status           string
	ProviderKind     string
	ProviderAgencyID *string
	StartDate        *time.Time
	EndDate          *time.Time
	OutcomeEnc       []byte
	ReferralPacketID *string
	ReferralEnc      []byte
	ReferralStatus   string
	CreatedBy        string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	Version          int
}

// TableName is services.
func (row) TableName() string { return "services" }

// Record is one service of a case, opened.
type Record struct {
	ID             string     `json:"id"`
	CaseID         string     `json:"case_id"`
	Kind           string     `json:"kind"`
	Status         string     `json:"status"`
	ProviderKind   string     `json:"provider_kind"`
	ProviderAgency string     `json:"provider_agency,omitempty"` // agency slug
	StartDate      *time.Time `json:"start_date"`
	EndDate        *time.Time `json:"end_date"`
	Outcome        string     `json:"outcome"`
	ReferralID     string     `json:"referral_id,omitempty"` // the referral packet
	ReferralStatus string     `json:"referral_status,omitempty"`
	CreatedBy      string     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	Version        int        `json:"version"`
	// ProviderAgencyID is the provider's agency id (pages look its name up).
	ProviderAgencyID string `json:"-"`
}

// IsReferral reports whether the service came from a referral to an NGO.
func (r *Record) IsReferral() bool { return r.ReferralID != "" }

// Head is what every page of a case shows at its top.
type Head struct {
	Reference string
	Minor     bool
	Stage     string
}

// List is the services of a case.
type List struct {
	CaseID string   `json:"case_id"`
	Items  []Record `json:"items"`
	Head   Head     `json:"-"`
}

// Input is a new service or an edit of one. Version is the service's version for an edit (0 for a
// new one). ProviderAgency is an agency slug: another agency of the store ("agency") or an NGO
// ("ngo"); empty for the owner agency ("own").
type Input struct {
	Kind           string `json:"kind"`
	Status         string `json:"status"`
	ProviderKind   string `json:"provider_kind"`
	ProviderAgency string `json:"provider_agency"`
	StartDate      string `json:"start_date"` // YYYY-MM-DD
	EndDate        string `json:"end_date"`
	Outcome        string `json:"outcome"`
	Version        int    `json:"version"`
}

// zone is where services are given: Thailand and Cambodia are both UTC+7.
var zone = time.FixedZone("+07", 7*60*60)

// Today is the calendar day of now in the region, as a UTC midnight.
func Today(now time.Time) time.Time {
	t := now.In(zone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// ParseDate reads an optional YYYY-MM-DD date into inv under field.
func ParseDate(inv *problem.Invalid, field, v string) *time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		inv.Add(field, "form.error.date")
		return nil
	}
	if t.Year() < 2000 || t.Year() > 2100 {
		inv.Add(field, "form.error.date_range")
		return nil
	}
	return &t
}

// CleanText normalises free text and checks its length under field.
func CleanText(inv *problem.Invalid, field string, v *string, max int) {
	s := strings.TrimSpace(norm.NFC.String(*v))
	switch {
	case !utf8.ValidString(*v):
		inv.Add(field, "form.error.invalid")
	case utf8.RuneCountInString(s) > max:
		inv.Add(field, "form.error.too_long")
	}
	*v = s
}

// clean validates the input; provider agencies are checked by the service (they need the directory).
func (in *Input) clean(now time.Time) (start, end *time.Time, err error) {
	in.Kind, in.Status = strings.TrimSpace(in.Kind), strings.TrimSpace(in.Status)
	in.ProviderKind, in.ProviderAgency = strings.TrimSpace(in.ProviderKind), strings.TrimSpace(in.ProviderAgency)
	inv := &problem.Invalid{}
	if !slices.Contains(Kinds, in.Kind) {
		inv.Add("kind", "form.error.choose")
	}
	if !slices.Contains(Statuses, in.Status) {
		inv.Add("status", "form.error.choose")
	}
	if !slices.Contains(ProviderKinds, in.ProviderKind) {
		inv.Add("provider_kind", "form.error.choose")
	} else if in.ProviderKind != "own" && in.ProviderAgency == "" {
		inv.Add("provider_agency", "form.error.required")
	}
	start, end = ParseDate(inv, "start_date", in.StartDate), ParseDate(inv, "end_date", in.EndDate)
	if start != nil && end != nil && end.Before(*start) {
		inv.Add("end_date", "services.error.end_before_start")
	}
	// A planned service may start later; one under way or over has started already.
	if start != nil && in.Status != "planned" && start.After(Today(now)) {
		inv.Add("start_date", "services.error.future")
	}
	if end != nil && end.After(Today(now)) {
		inv.Add("end_date", "services.error.future")
	}
	if (in.Status == "completed" || in.Status == "stopped") && end == nil && in.EndDate == "" {
		inv.Add("end_date", "form.error.required")
	}
	CleanText(inv, "outcome", &in.Outcome, maxOutcomeLen)
	if in.Version < 0 {
		inv.Add("version", "form.error.invalid")
	}
	return start, end, inv.Err()
}
