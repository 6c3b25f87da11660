package handover

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/directory"
	"homeward/internal/problem"
)

// PersonInput is one person chosen for a batch: their case, the documents handed over (kinds of
// cases.DocumentKinds; none: every document the person holds) and their belongings.
type PersonInput struct {
	CaseID     string   `json:"case_id"`
	Documents  []string `json:"documents"`
	Belongings string   `json:"belongings"`
}

// BatchInput is a handover batch as the form or the API sends it.
type BatchInput struct {
	Recipient        string        `json:"recipient"`   // agency slug: the other country's social-welfare agency
	Checkpoint       string        `json:"checkpoint"`  // one of Checkpoints
	HandoverAt       string        `json:"handover_at"` // RFC 3339, or 2006-01-02T15:04 in Bangkok/Phnom Penh time
	SendingOfficials string        `json:"sending_officials"`
	Persons          []PersonInput `json:"persons"`
	// Override is a supervisor's written reason to send without the handover consent in force
	// (the exchange checks and audits it).
	Override string `json:"override"`
}

// indochina is the time zone of both countries (UTC+7), for times typed without a zone.
var indochina = time.FixedZone("ICT", 7*3600)

// ParseHandoverAt reads a handover time: RFC 3339, or a local 2006-01-02T15:04 (UTC+7).
func ParseHandoverAt(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", v, indochina)
	return t.UTC(), err
}

func nfc(s string) string { return strings.TrimSpace(norm.NFC.String(s)) }

// clean validates the input that needs no database and returns the handover time.
func (in *BatchInput) clean(now time.Time) (time.Time, *problem.Invalid) {
	inv := &problem.Invalid{}
	in.Recipient, in.Checkpoint = strings.TrimSpace(in.Recipient), strings.TrimSpace(in.Checkpoint)
	in.SendingOfficials, in.Override = nfc(in.SendingOfficials), nfc(in.Override)
	if in.Recipient == "" {
		inv.Add("recipient", "form.error.required")
	}
	if !slices.Contains(Checkpoints, in.Checkpoint) {
		inv.Add("checkpoint", "form.error.choose")
	}
	at, err := ParseHandoverAt(in.HandoverAt)
	switch {
	case strings.TrimSpace(in.HandoverAt) == "":
		inv.Add("handover_at", "form.error.required")
	case err != nil:
		inv.Add("handover_at", "form.error.date")
	case at.Before(now.AddDate(0, 0, -maxPastDays)) || at.After(now.AddDate(0, 0, maxFutureDays)):
		inv.Add("handover_at", "form.error.date_range")
	}
	if in.SendingOfficials == "" {
		inv.Add("sending_officials", "form.error.required")
	}
	if utf8.RuneCountInString(in.SendingOfficials) > maxOfficials || utf8.RuneCountInString(in.Override) > maxReason {
		inv.Add("sending_officials", "form.error.too_long")
	}
	switch {
	case len(in.Persons) == 0:
		inv.Add("persons", "handover.error.no_persons")
	case len(in.Persons) > maxPersons:
		inv.Add("persons", "form.error.too_many")
	}
	seen := map[string]bool{}
	for i := range in.Persons {
		p := &in.Persons[i]
		field := fmt.Sprintf("persons.%d", i)
		p.CaseID, p.Belongings = strings.TrimSpace(p.CaseID), nfc(p.Belongings)
		switch {
		case uuid.Validate(p.CaseID) != nil || len(p.CaseID) != 36:
			inv.Add(field, "form.error.invalid")
		case seen[p.CaseID]:
			inv.Add(field, "handover.error.repeated")
		case utf8.RuneCountInString(p.Belongings) > maxBelongings:
			inv.Add(field, "form.error.too_long")
		}
		seen[p.CaseID] = true
		for _, k := range p.Documents {
			if !slices.Contains(cases.DocumentKinds, k) {
				inv.Add(field, "intake.error.document_kind")
			}
		}
	}
	return at, inv
}

// recipientOf loads the recipient agency and checks it: a social-welfare agency with a store in
// another country than the actor's.
func (s *Service) recipientOf(ctx context.Context, a *authz.Actor, slug string, inv *problem.Invalid) (*directory.Agency, error) {
	if slug == "" {
		return nil, nil
	}
	ag, err := s.dir.AgencyBySlug(ctx, slug)
	if errors.Is(err, authz.ErrNotFound) {
		inv.Add("recipient", "handover.error.recipient")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	switch {
	case ag.Kind != directory.KindSocialWelfare || ag.Country == nil:
		inv.Add("recipient", "handover.error.recipient")
	case *ag.Country == a.Country:
		inv.Add("recipient", "handover.error.same_country")
	}
	return ag, nil
}

// readyCase is a case chosen for a batch, as checked in the sending store.
type readyCase struct {
	ID, Reference, Nationality string
}

// Create prepares a handover batch from cases of the actor's store in one commit of that store
// (exchange.PrepareManyWith): one handover packet per person with the batch id, the persons'
// documents and belongings and their audit rows; the outbox row carries the packets and the batch
// envelope with their hub audit rows to the hub (steps.go). The batch
// waits for a supervisor other than its creator to approve it. A recipient of the actor's own
// country, a case that is not ready or a missing consent is invalid input (422).
func (s *Service) Create(ctx context.Context, a *authz.Actor, in BatchInput) (*Batch, error) {
	if err := a.Require(authz.SectionPackets, authz.ActionWrite); err != nil {
		return nil, err
	}
	st, scope, err := s.stores.Bind(a, authz.SectionRepatriation, authz.ActionWrite)
	if err != nil {
		return nil, err
	}
	now := s.now()
	at, inv := in.clean(now)
	rec, err := s.recipientOf(ctx, a, in.Recipient, inv)
	if err != nil {
		return nil, err
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	if err := s.settleWithdrawn(ctx, st); err != nil {
		return nil, err
	}
	var ready []readyCase
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		ready, err = checkReady(tx, scope, &in, *rec.Country, inv)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	b := &Batch{ID: uuid.Must(uuid.NewV7()).String(), Side: SideSender, Sender: a.AgencySlug, Recipient: rec.Slug,
		SenderAgencyID: a.AgencyID, RecipientAgencyID: rec.ID, Checkpoint: in.Checkpoint, HandoverAt: at,
		Status: BatchPendingApproval, PersonCount: len(ready), SendingOfficials: in.SendingOfficials,
		CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := s.prepareAll(ctx, a, st, b, in, ready); err != nil {
		return nil, err
	}
	return s.Get(ctx, a, b.ID)
}

// documentsExtra is the draft's list of document kinds handed over ("none" for none).
func documentsExtra(kinds []string) string {
	if len(kinds) == 0 {
		return noDocuments
	}
	return strings.Join(kinds, ",")
}

// batchRow is a row of the hub's handover_batches.
type batchRow struct {
	ID, SenderAgencyID, RecipientAgencyID, Checkpoint, Status string
	HandoverAt                                                time.Time
	PersonCount, AcceptedCount, DeclinedCount, Version        int
	SendingOfficials, ReceivingOfficials, CreatedBy           string
	ApprovedBy, AnsweredBy                                    *string
	CreatedAt, UpdatedAt                                      time.Time
	SenderSlug, RecipientSlug                                 string
}

const batchSQL = `SELECT b.*, s.slug AS sender_slug, r.slug AS recipient_slug FROM handover_batches b
JOIN agencies s ON s.id = b.sender_agency_id JOIN agencies r ON r.id = b.recipient_agency_id WHERE b.id = ?`

// loadBatch reads a batch of the actor's agency, as sender or as recipient (once approved), and
// tells the side; any other batch is not found.
func (s *Service) loadBatch(db *gorm.DB, a *authz.Actor, id string) (*Batch, error) {
	if uuid.Validate(id) != nil || len(id) != 36 {
		return nil, errNotFound(id)
	}
	var r batchRow
	res := db.Raw(batchSQL, id).Scan(&r)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, errNotFound(id)
	}
	b := &Batch{ID: r.ID, Sender: r.SenderSlug, Recipient: r.RecipientSlug, SenderAgencyID: r.SenderAgencyID,
		RecipientAgencyID: r.RecipientAgencyID, Checkpoint: r.Checkpoint, HandoverAt: r.HandoverAt.UTC(), Status: r.Status,
		PersonCount: r.PersonCount, AcceptedCount: r.AcceptedCount, DeclinedCount: r.DeclinedCount,
		SendingOfficials: r.SendingOfficials, ReceivingOfficials: r.ReceivingOfficials, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version, Persons: []Person{}}
	if r.ApprovedBy != nil {
		b.ApprovedBy = *r.ApprovedBy
	}
	if r.AnsweredBy != nil {
		b.AnsweredBy = *r.AnsweredBy
	}
	switch {
	case a.AgencyID == r.SenderAgencyID && a.Can(authz.SectionRepatriation, authz.ActionRead):
		b.Side = SideSender
	case a.AgencyID == r.RecipientAgencyID && r.Status != BatchPendingApproval && r.Status != BatchRevoked &&
		a.Can(authz.SectionInbox, authz.ActionRead):
		b.Side = SideRecipient
	default:
		return nil, errNotFound(id)
	}
	return b, nil
}

// packetState is a packet of a batch with its state in the hub.
type packetState struct {
	PacketID string
	Position int
	Status   string
	Version  int
	CaseRef  string
}

const batchPacketsSQL = `SELECT bp.packet_id, bp.position, p.status, p.version, p.case_ref
FROM handover_batch_packets bp JOIN packets p ON p.id = bp.packet_id WHERE bp.batch_id = ? ORDER BY bp.position`

func (s *Service) packetsOf(db *gorm.DB, batchID string) ([]packetState, error) {
	var out []packetState
	err := db.Raw(batchPacketsSQL, batchID).Scan(&out).Error
	return out, err
}

// ErrOwnBatch refuses the approval of a batch by the person who prepared it: a batch needs two
// people (the caseworker prepares, a supervisor approves).
var ErrOwnBatch = fmt.Errorf("handover: the batch's creator cannot approve it: %w", problem.ErrForbidden)
