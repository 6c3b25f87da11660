// Package screening holds the screening interview of a case (indicators, timeline, sealed narrative)
// and the identification decision that follows it: proposed by a caseworker, approved or returned by
// a supervisor who is not the proposer. Only an approved decision lets the case leave identification
// (internal/cases checks identification_decisions in its transition).
package screening

import (
	"time"

	"homeward/internal/cases"
)

// Group is a group of indicators (DOMAIN.md, "Screening indicators").
type Group string

// The indicator groups, in the order the form shows them.
const (
	GroupRecruitment  Group = "recruitment"
	GroupExploitation Group = "exploitation"
	GroupControl      Group = "control"
)

// Groups lists the indicator groups in order.
var Groups = []Group{GroupRecruitment, GroupExploitation, GroupControl}

// Indicator is one screening indicator: its code and its group.
type Indicator struct {
	Code  string
	Group Group
}

// Indicators is the fixed code list of DOMAIN.md (the scam-compound adaptation of the ILO/IOM
// indicators), in the order the form shows them. The migration's CHECK holds the same list.
var Indicators = []Indicator{
	{"deceptive_job_offer", GroupRecruitment},
	{"recruited_online", GroupRecruitment},
	{"fees_or_debt", GroupRecruitment},
	{"travel_arranged_by_recruiter", GroupRecruitment},
	{"documents_taken_on_arrival", GroupRecruitment},
	{"forced_online_fraud", GroupExploitation},
	{"quotas_with_punishment", GroupExploitation},
	{"excessive_hours", GroupExploitation},
	{"wages_withheld", GroupExploitation},
	{"sold_or_moved", GroupExploitation},
	{"ransom_demanded", GroupExploitation},
	{"confinement", GroupControl},
	{"phone_or_documents_confiscated", GroupControl},
	{"violence_or_threat", GroupControl},
	{"torture", GroupControl},
	{"sexual_violence", GroupControl},
	{"threats_against_family", GroupControl},
	{"isolation", GroupControl},
}

// RecruitedOnline is the one indicator that carries channels.
const RecruitedOnline = "recruited_online"

// Channels are the ways a person recruited online was reached.
var Channels = []string{"facebook", "telegram", "line", "whatsapp", "tiktok", "other"}

// Answers are the answers to an indicator; AnswerUnknown is the default.
var Answers = []string{AnswerPresent, AnswerAbsent, AnswerUnknown}

// The answers.
const (
	AnswerPresent = "present"
	AnswerAbsent  = "absent"
	AnswerUnknown = "unknown"
)

// Phases are the phases of the timeline.
var Phases = []string{"recruitment", "transit", "exploitation"}

// Decisions are the identification decisions.
var Decisions = []string{DecisionIdentified, DecisionNotIdentified, DecisionUndetermined}

// The identification decisions.
const (
	DecisionIdentified    = "identified"
	DecisionNotIdentified = "not_identified"
	DecisionUndetermined  = "undetermined"
)

// Statuses are the states of a decision.
var Statuses = []string{StatusProposed, StatusApproved, StatusReturned}

// The states of a decision.
const (
	StatusProposed = "proposed"
	StatusApproved = "approved"
	StatusReturned = "returned"
)

// Screening is a row of screenings; Narrative is the opened narrative_enc.
type Screening struct {
	ID            string
	CaseID        string
	InterviewDate time.Time
	Interviewer   string
	Interpreter   string
	Language      string
	NarrativeEnc  []byte
	CreatedBy     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int

	Narrative  string   `gorm:"-"`
	Indicators []Answer `gorm:"-"`
	Events     []Event  `gorm:"-"`
}

// TableName is screenings.
func (Screening) TableName() string { return "screenings" }

// Answer is a row of screening_indicators; Note is the opened note_enc.
type Answer struct {
	ScreeningID string
	Indicator   string
	Answer      string
	NoteEnc     []byte
	Channels    cases.TextList

	Note string `gorm:"-"`
}

// TableName is screening_indicators.
func (Answer) TableName() string { return "screening_indicators" }

// Event is a row of screening_events; Description and Place are the opened description_enc and
// place_enc (Place: else the clear place of a row not sealed yet).
type Event struct {
	ID             string
	ScreeningID    string
	Position       int
	Phase          string
	ClearPlace     string `gorm:"column:place"` // '' once sealed
	PlaceEnc       []byte
	Country        *string
	DateFrom       *time.Time
	DateTo         *time.Time
	DescriptionEnc []byte

	Place       string `gorm:"-"`
	Description string `gorm:"-"`
}

// TableName is screening_events.
func (Event) TableName() string { return "screening_events" }

// Decision is a row of identification_decisions. LegalBasis and Comment are the opened
// legal_basis_enc and comment_enc (else the clear columns, of a row not sealed yet or written by
// SQL without keys).
type Decision struct {
	ID              string
	CaseID          string
	Decision        string
	ClearLegalBasis string `gorm:"column:legal_basis"` // '' once sealed
	LegalBasisEnc   []byte
	Status          string
	ProposedBy      string
	ProposedAt      time.Time
	DecidedBy       *string
	DecidedAt       *time.Time
	ClearComment    string `gorm:"column:comment"` // '' once sealed
	CommentEnc      []byte
	Version         int

	LegalBasis string `gorm:"-"`
	Comment    string `gorm:"-"`
}

// TableName is identification_decisions.
func (Decision) TableName() string { return "identification_decisions" }

// View is the screening section of one case as its reader sees it.
type View struct {
	CaseID      string
	Reference   string
	Stage       cases.Stage
	CaseVersion int
	Minor       bool
	// Screening is nil until the interview is recorded.
	Screening *Screening
	// Decisions are every proposal, newest first.
	Decisions []Decision
}

// Open reports whether the screening may be recorded or edited and a decision proposed: while the
// case is in screening or identification.
func (v *View) Open() bool { return open(v.Stage) }

// Pending returns the proposal waiting for approval, or nil.
func (v *View) Pending() *Decision {
	for i := range v.Decisions {
		if v.Decisions[i].Status == StatusProposed {
			return &v.Decisions[i]
		}
	}
	return nil
}

// Approved returns the latest approved decision, or nil.
func (v *View) Approved() *Decision {
	var out *Decision
	for i := range v.Decisions {
		d := &v.Decisions[i]
		if d.Status == StatusApproved && (out == nil || d.DecidedAt.After(*out.DecidedAt)) {
			out = d
		}
	}
	return out
}

func open(s cases.Stage) bool { return s == cases.StageScreening || s == cases.StageIdentification }
