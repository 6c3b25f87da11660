package handover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/exchange"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// Each step of a batch commits once (issue 13, docs/packets.md): creating commits in the sending
// store, approving in the hub, answering in the receiving store; what the other database must
// record travels in the step's outbox row, applied by the relay through the effects below.

// Effects a store's outbox row asks of the hub for a batch.
const (
	effectBatch  = "handover.batch"  // a new batch's envelope and its packets
	effectAnswer = "handover.answer" // who answered, the receiving officials
)

// registerEffects puts the batch's hub effects on the exchange.
func (s *Service) registerEffects(ex *exchange.Service) {
	ex.OnHub(effectBatch, applyBatch)
	ex.OnHub(effectAnswer, applyAnswer)
}

// envelope is a new batch as it travels to the hub.
type envelope struct {
	ID, SenderAgencyID, RecipientAgencyID, Recipient, Checkpoint, Status, SendingOfficials, CreatedBy string
	HandoverAt, CreatedAt                                                                             time.Time
	PersonCount                                                                                       int
	Packets                                                                                           []string
}

// applyBatch writes a batch's envelope, its packets and its hub audit row.
func applyBatch(_ context.Context, htx *gorm.DB, data json.RawMessage) error {
	var b envelope
	if err := json.Unmarshal(data, &b); err != nil {
		return fmt.Errorf("handover: batch: %w", err)
	}
	if err := htx.Exec(`INSERT INTO handover_batches (id, sender_agency_id, recipient_agency_id, checkpoint, handover_at,
	status, person_count, sending_officials, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.ID, b.SenderAgencyID, b.RecipientAgencyID, b.Checkpoint, b.HandoverAt, b.Status, b.PersonCount,
		b.SendingOfficials, b.CreatedBy, b.CreatedAt, b.CreatedAt).Error; err != nil {
		return fmt.Errorf("insert batch: %w", err)
	}
	rows := make([]map[string]any, len(b.Packets))
	for i, id := range b.Packets {
		rows[i] = map[string]any{"batch_id": b.ID, "position": i + 1, "packet_id": id}
	}
	if err := htx.Table("handover_batch_packets").CreateInBatches(rows, 1000).Error; err != nil {
		return fmt.Errorf("insert batch packets: %w", err)
	}
	return audit.Append(htx, b.CreatedAt, audit.Entry{ActorUserID: b.CreatedBy, ActorAgencyID: b.SenderAgencyID,
		Action: audit.HandoverBatchCreate, Entity: "handover_batch", EntityID: b.ID,
		Detail: map[string]any{"recipient": b.Recipient, "checkpoint": b.Checkpoint, "persons": b.PersonCount}})
}

// prepareAll prepares one packet per person, all or none, in one commit of the sending store with
// the persons' documents and belongings (a refusal names the person: persons.N); the batch
// envelope goes to the hub with the packets.
func (s *Service) prepareAll(ctx context.Context, a *authz.Actor, st *store.Store, b *Batch, in BatchInput, ready []readyCase) error {
	items := make([]exchange.CaseDraft, len(in.Persons))
	for i, p := range in.Persons {
		items[i] = exchange.CaseDraft{CaseID: p.CaseID, Field: fmt.Sprintf("persons.%d", i), Draft: exchange.Draft{
			Kind: exchange.KindHandover, Recipient: b.Recipient, Override: in.Override, BatchID: b.ID,
			Extra: map[string]string{extraCheckpoint: b.Checkpoint, extraHandoverAt: b.HandoverAt.Format(time.RFC3339),
				extraBelongings: p.Belongings, extraDocuments: documentsExtra(p.Documents)}}}
	}
	env := &envelope{ID: b.ID, SenderAgencyID: b.SenderAgencyID, RecipientAgencyID: b.RecipientAgencyID, Recipient: b.Recipient,
		Checkpoint: b.Checkpoint, Status: b.Status, SendingOfficials: b.SendingOfficials, CreatedBy: b.CreatedBy,
		HandoverAt: b.HandoverAt, CreatedAt: b.CreatedAt, PersonCount: b.PersonCount}
	also := &exchange.Also{HubEffects: []exchange.Effect{{Name: effectBatch, Data: env}},
		Store: func(tx *gorm.DB, packets []*exchange.Packet, now time.Time) error {
			for _, p := range packets {
				env.Packets = append(env.Packets, p.ID)
			}
			return savePersons(tx, st, a, b, in, ready, env.Packets, now)
		}}
	_, err := s.ex.PrepareManyWith(ctx, a, items, also)
	return err
}

// savePersons writes the persons' documents and belongings in the sending store, with audit rows.
func savePersons(tx *gorm.DB, st *store.Store, a *authz.Actor, b *Batch, in BatchInput, ready []readyCase, packets []string, now time.Time) error {
	rows := make([]map[string]any, len(packets))
	entries := make([]audit.Entry, len(packets))
	for i, id := range packets {
		p := in.Persons[i]
		enc, err := st.Keys.SealString(fieldBelonging, id, p.Belongings)
		if err != nil {
			return err
		}
		rows[i] = map[string]any{"packet_id": id, "batch_id": b.ID, "position": i + 1, "case_id": ready[i].ID,
			"documents": cases.TextList(nonNil(p.Documents)), "belongings_enc": enc, "status": PersonPending, "created_at": now}
		entries[i] = audit.ByActor(a, audit.HandoverBatchAdd, "case", ready[i].ID,
			map[string]any{"batch_id": b.ID, "packet_id": id, "recipient": b.Recipient})
	}
	if err := tx.Table("handover_persons").CreateInBatches(rows, 1000).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return &problem.Invalid{Fields: map[string]string{"persons": "handover.error.in_batch"}}
		}
		return fmt.Errorf("insert handover persons: %w", err)
	}
	return audit.AppendMany(tx, now, entries)
}
