// Package investigation is the police section of a case: whether the person is treated as victim,
// witness, suspect or charged, the warrant-check result, the non-punishment decision and the
// willingness to testify. Investigators read and write it (authz.SectionInvestigation); other roles
// with authz.SectionLegalStatus learn only that it exists and when it last changed.
package investigation

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"homeward/internal/problem"
)

// Allowed values of each field, in the order forms show them.
var (
	Statuses          = []string{"victim", "witness", "suspect", "charged"}
	WarrantChecks     = []string{"none", "clear", "hit", "pending"}
	NonPunishments    = []string{"pending", "granted", "refused", "not_applicable"}
	TestifyAnswers    = []string{"yes", "no", "undecided"}
	maxWarrantNoteLen = 4000
)

// row is a row of legal_status; the warrant note is sealed.
type row struct {
	CaseID           string
	Status           string
	WarrantCheck     string
	WarrantNoteEnc   []byte
	NonPunishment    string
	WillingToTestify string
	UpdatedBy        string
	UpdatedAt        time.Time
	Version          int
}

// TableName is legal_status.
func (row) TableName() string { return "legal_status" }

// Record is the investigation section of one case, opened. A case without one has Version 0.
type Record struct {
	CaseID           string     `json:"case_id"`
	Status           string     `json:"status"`
	WarrantCheck     string     `json:"warrant_check"`
	WarrantNote      string     `json:"warrant_note"`
	NonPunishment    string     `json:"non_punishment"`
	WillingToTestify string     `json:"willing_to_testify"`
	UpdatedBy        string     `json:"updated_by,omitempty"`
	UpdatedAt        *time.Time `json:"updated_at"`
	Version          int        `json:"version"`
	// Head is the case's reference and minor flag, for pages.
	Head Head `json:"-"`
}

// Exists reports whether the case has an investigation record.
func (r *Record) Exists() bool { return r != nil && r.Version > 0 }

// Presence is what a role without the investigation section may know: that a legal status exists
// and when it last changed, nothing else.
type Presence struct {
	Exists    bool       `json:"exists"`
	UpdatedAt *time.Time `json:"updated_at"`
	// Head is the case's reference and minor flag, for pages.
	Head Head `json:"-"`
}

// Input is an edit of the investigation section. Version is the version the edit started from:
// 0 when the case has no record yet.
type Input struct {
	Status           string `json:"status"`
	WarrantCheck     string `json:"warrant_check"`
	WarrantNote      string `json:"warrant_note"`
	NonPunishment    string `json:"non_punishment"`
	WillingToTestify string `json:"willing_to_testify"`
	Version          int    `json:"version"`
}

// clean normalises the input and validates it; the errors are i18n keys per field.
func (in *Input) clean() error {
	in.Status = strings.TrimSpace(in.Status)
	in.WarrantCheck = strings.TrimSpace(in.WarrantCheck)
	in.NonPunishment = strings.TrimSpace(in.NonPunishment)
	in.WillingToTestify = strings.TrimSpace(in.WillingToTestify)
	in.WarrantNote = strings.TrimSpace(norm.NFC.String(in.WarrantNote))
	inv := &problem.Invalid{}
	for _, f := range []struct {
		name, value string
		allowed     []string
	}{
		{"status", in.Status, Statuses},
		{"warrant_check", in.WarrantCheck, WarrantChecks},
		{"non_punishment", in.NonPunishment, NonPunishments},
		{"willing_to_testify", in.WillingToTestify, TestifyAnswers},
	} {
		if !slices.Contains(f.allowed, f.value) {
			inv.Add(f.name, "form.error.choose")
		}
	}
	switch {
	case !utf8.ValidString(in.WarrantNote):
		inv.Add("warrant_note", "form.error.invalid")
	case utf8.RuneCountInString(in.WarrantNote) > maxWarrantNoteLen:
		inv.Add("warrant_note", "form.error.too_long")
	}
	if in.Version < 0 {
		inv.Add("version", "form.error.invalid")
	}
	return inv.Err()
}
