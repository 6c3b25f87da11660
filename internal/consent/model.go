// Package consent is the consent ledger of a case (DOMAIN.md): per purpose, the person's answer —
// given, refused or withdrawn — with its date, method, language, interpreter, witness and who
// recorded it. The ledger is append-only: a new answer supersedes the previous one for its purpose,
// and the history is never changed.
package consent

import (
	"slices"
	"time"
)

// Purpose is what a consent is for.
type Purpose string

// Purposes of DOMAIN.md.
const (
	PurposeServices            Purpose = "services"
	PurposeShareNGO            Purpose = "share_ngo"
	PurposeShareEmbassy        Purpose = "share_embassy"
	PurposeCrossBorderHandover Purpose = "cross_border_handover"
	// PurposeNotifyHomeCountry refused means the person objects to their home country being told.
	PurposeNotifyHomeCountry Purpose = "notify_home_country"
	PurposeLawEnforcement    Purpose = "law_enforcement"
	PurposeStatistics        Purpose = "statistics"
)

// Purposes lists every purpose, in the order the page shows them.
var Purposes = []Purpose{PurposeServices, PurposeShareNGO, PurposeShareEmbassy, PurposeCrossBorderHandover,
	PurposeNotifyHomeCountry, PurposeLawEnforcement, PurposeStatistics}

// Valid reports whether p is a known purpose.
func (p Purpose) Valid() bool { return slices.Contains(Purposes, p) }

// Answer is the person's answer for a purpose.
type Answer string

// Answers.
const (
	AnswerGiven     Answer = "given"
	AnswerRefused   Answer = "refused"
	AnswerWithdrawn Answer = "withdrawn"
)

// Answers lists every answer.
var Answers = []Answer{AnswerGiven, AnswerRefused, AnswerWithdrawn}

// Methods are the ways an answer is given.
var Methods = []string{"spoken", "written", "thumbprint"}

// Consent is a row of consents: one answer, never updated.
type Consent struct {
	ID          string    `json:"id"`
	CaseID      string    `json:"case_id"`
	Purpose     Purpose   `json:"purpose"`
	Answer      Answer    `json:"answer"`
	AnsweredOn  time.Time `json:"answered_on"`
	Method      string    `json:"method"`
	Language    string    `json:"language"`
	Interpreter string    `json:"interpreter"`
	Witness     string    `json:"witness"`
	RecordedBy  string    `json:"recorded_by"`
	RecordedAt  time.Time `json:"recorded_at"`
	Supersedes  *string   `json:"supersedes"`
}

// TableName is consents.
func (Consent) TableName() string { return "consents" }

// InForce reports whether this answer lets data be used for its purpose.
func (c *Consent) InForce() bool { return c != nil && c.Answer == AnswerGiven }

// Current is the answer in force for one purpose; Consent is nil while the person was never asked.
type Current struct {
	Purpose Purpose
	Consent *Consent
}

// Ledger is a case's consents as the page shows them.
type Ledger struct {
	CaseID    string
	Reference string
	Minor     bool
	// Current has one entry per purpose, in the order of Purposes.
	Current []Current
	// History is every answer, newest first.
	History []Consent
	// Version is the number of answers recorded; a form sends it back so that an answer recorded
	// meanwhile by someone else is a conflict rather than silently superseded.
	Version int
}
