// Package handover is the handover of persons at the border (DOMAIN.md, stage "handover"): a store
// agency of one country sends a batch of the other country's nationals to that country's
// social-welfare agency at a checkpoint. Each person travels as an exchange packet of kind
// handover with a shared batch id; the hub keeps only the batch's envelope (agencies, checkpoint,
// time, officials, counts). The receiving supervisor accepts all or some: each accepted person
// becomes a new case in the receiving store (Receive), and the answer, travelling back as a reply,
// moves the sending case to "handover" in the sending store's own context (Apply, run by Sync).
package handover

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/consent"
	"homeward/internal/directory"
	"homeward/internal/exchange"
	"homeward/internal/store"
)

// Checkpoints are the border crossings of a handover (DOMAIN.md), in the order the form shows them.
var Checkpoints = []string{"poipet_aranyaprathet", "cham_yeam_hat_lek", "osmach_chong_chom"}

// RecognisedUnder is the legal basis on which the receiving country recognises the sending
// country's identification decision.
const RecognisedUnder = "ACTIP art. 14"

// ReceivedStage is the stage of a case created from an accepted handover: the person is home and
// the follow-up (plan, visits) starts.
const ReceivedStage = "reintegration"

// Batch statuses (hub handover_batches.status).
const (
	BatchPendingApproval = "pending_approval"
	BatchSent            = "sent"
	BatchAnswered        = "answered"
	BatchRevoked         = "revoked"
)

// Person statuses on the sending side (store handover_persons.status).
const (
	PersonPending  = "pending"
	PersonAccepted = "accepted"
	PersonDeclined = "declined"
	PersonRevoked  = "revoked"
)

// Sides of a batch as one actor sees it.
const (
	SideSender    = "sender"
	SideRecipient = "recipient"
)

// Limits of the input.
const (
	maxPersons     = 500
	maxBelongings  = 2000
	maxOfficials   = 1000
	maxReason      = 2000
	maxPastDays    = 30
	maxFutureDays  = 180
	fieldBelonging = "handover_persons.belongings"
	fieldReason    = "handover_persons.reason"
	fieldReceived  = "received_handovers.belongings"
)

// Service is the handover of batches at the border.
type Service struct {
	hub    *gorm.DB
	stores *store.Set
	ex     *exchange.Service
	dir    *directory.Service
	now    func() time.Time
}

// New returns the handover service over the hub, the stores, the exchange and the directory.
func New(hub *gorm.DB, stores *store.Set, ex *exchange.Service, dir *directory.Service) *Service {
	return &Service{hub: hub, stores: stores, ex: ex, dir: dir,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// Spec is the handover kind: one country hands a person over to the other's store. Decisions come
// only from Accept/Decline (the exchange's decision reply); a user's reply carries a note.
var Spec = exchange.Spec{
	Kind: exchange.KindHandover, Purpose: consent.PurposeCrossBorderHandover, RecipientKinds: []string{"social_welfare"},
	Fields: []string{"given_name", "family_name", "aliases", "sex", "birth_date", "age_estimate",
		"nationality", "languages", "documents", "identification", "urgent_needs", "belongings",
		"checkpoint", "handover_at"},
	ReplyFields: []string{"note"},
	TTL:         14 * 24 * time.Hour,
}

// Plugin is the handover kind, whole: its spec, the projection of a batch's cases, what accepting
// packets creates in the receiving store, and how the answers update the sending store.
func (s *Service) Plugin() exchange.Plugin {
	return exchange.Plugin{Spec: Spec, Project: s.ProjectMany, Receive: s.ReceiveMany, Apply: s.ApplyMany}
}

// RegisterEffects puts on the exchange the hub effects the batch steps carry through the outbox
// (the kind itself, its Plugin, is registered with the others in internal/app).
func (s *Service) RegisterEffects(ex *exchange.Service) { s.registerEffects(ex) }

// Batch is a handover batch as one actor sees it: the envelope and its persons.
type Batch struct {
	ID                 string    `json:"id"`
	Side               string    `json:"side"` // sender or recipient: the actor's side
	Sender             string    `json:"sender"`
	Recipient          string    `json:"recipient"`
	SenderAgencyID     string    `json:"-"`
	RecipientAgencyID  string    `json:"-"`
	Checkpoint         string    `json:"checkpoint"`
	HandoverAt         time.Time `json:"handover_at"`
	Status             string    `json:"status"`
	PersonCount        int       `json:"person_count"`
	AcceptedCount      int       `json:"accepted_count"`
	DeclinedCount      int       `json:"declined_count"`
	SendingOfficials   string    `json:"sending_officials"`
	ReceivingOfficials string    `json:"receiving_officials"`
	CreatedBy          string    `json:"created_by"`
	ApprovedBy         string    `json:"approved_by,omitempty"`
	AnsweredBy         string    `json:"answered_by,omitempty"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	Version            int       `json:"version"`
	Persons            []Person  `json:"persons"`
}

// Person is one person of a batch. On the sending side it comes from the sending store; on the
// receiving side from the opened packet, or from the new case once accepted.
type Person struct {
	PacketID     string          `json:"packet_id"`
	Position     int             `json:"position"`
	PacketStatus string          `json:"packet_status"`
	Status       string          `json:"status"` // pending, accepted, declined, revoked
	CaseID       string          `json:"case_id,omitempty"`
	CaseRef      string          `json:"case_ref,omitempty"`     // the actor's own case, when there is one
	NewCaseRef   string          `json:"new_case_ref,omitempty"` // sender: the receiving store's reference
	GivenName    string          `json:"given_name"`
	FamilyName   string          `json:"family_name"`
	Aliases      []string        `json:"aliases"`
	Sex          string          `json:"sex"`
	BirthDate    string          `json:"birth_date,omitempty"`
	AgeEstimate  *int            `json:"age_estimate,omitempty"`
	Nationality  string          `json:"nationality"`
	Languages    []string        `json:"languages"`
	Documents    []Document      `json:"documents"`
	Belongings   string          `json:"belongings"`
	UrgentNeeds  string          `json:"urgent_needs,omitempty"`
	Decision     *Identification `json:"identification,omitempty"`
	Reason       string          `json:"reason,omitempty"` // why the receiving agency declined
	// Duplicates are the persons of the receiving store this received person may be (found when
	// the handover was accepted), for the receiving agency only; a duplicate it may not see has
	// neither cases nor person.
	Duplicates []cases.Duplicate `json:"possible_duplicates,omitempty"`
}

// Age is the person's age on a day, from the birth date or the estimate (-1 when unknown).
func (p Person) Age(on time.Time) int {
	if p.BirthDate != "" {
		if b, err := time.Parse(time.DateOnly, p.BirthDate); err == nil {
			age := on.Year() - b.Year()
			if on.YearDay() < b.YearDay() {
				age--
			}
			return age
		}
	}
	if p.AgeEstimate != nil {
		return *p.AgeEstimate
	}
	return -1
}

// Document is an identity document handed over with the person.
type Document struct {
	Kind   string `json:"kind"`
	Number string `json:"number,omitempty"`
}

// Identification is the sending country's identification decision carried by a handover,
// recognised by the receiving country under ACTIP art. 14.
type Identification struct {
	Decision        string `json:"decision"`
	LegalBasis      string `json:"legal_basis"`
	DecidedOn       string `json:"decided_on,omitempty"`
	ApproverAgency  string `json:"approver_agency"`
	RecognisedUnder string `json:"recognised_under"`
}

// errNotFound is a batch the actor may not see.
func errNotFound(id string) error {
	return fmt.Errorf("handover: batch %q: %w", id, authz.ErrNotFound)
}
