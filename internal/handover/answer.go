package handover

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/exchange"
	"homeward/internal/problem"
)

// Approve sends a pending batch: a supervisor of the sending agency other than its creator
// approves every packet of it (the exchange refuses an approval by the packets' preparer). The
// packets and the batch go to "sent" in one hub transaction; the sending store's audit row travels
// in its outbox row. A stale version or a batch already sent is a conflict.
func (s *Service) Approve(ctx context.Context, a *authz.Actor, id string, version int) (*Batch, error) {
	if _, _, err := s.stores.Bind(a, authz.SectionPackets, authz.ActionApprove); err != nil {
		return nil, err
	}
	b, err := s.loadBatch(s.hub.WithContext(ctx), a, id)
	if err != nil {
		return nil, err
	}
	switch {
	case b.Side != SideSender:
		return nil, errNotFound(id)
	case b.Status != BatchPendingApproval || b.Version != version:
		return nil, problem.ErrConflict
	case b.CreatedBy == a.UserID:
		return nil, ErrOwnBatch
	}
	packets, err := s.packetsOf(s.hub.WithContext(ctx), b.ID)
	if err != nil {
		return nil, err
	}
	var refs []exchange.Ref
	for _, p := range packets {
		if p.Status == string(exchange.StatusPendingApproval) {
			refs = append(refs, exchange.Ref{ID: p.PacketID, Version: p.Version})
		}
	}
	if len(refs) == 0 {
		return nil, problem.ErrConflict
	}
	also := &exchange.Also{
		Hub: func(htx *gorm.DB, now time.Time) error { return sendBatch(htx, a, b.ID, version, len(packets), now) },
		StoreAudit: []audit.Entry{audit.ByActor(a, audit.HandoverBatchApprove, "handover_batch", b.ID,
			map[string]any{"persons": len(packets), "recipient": b.Recipient})}}
	if _, err := s.ex.ApproveManyWith(ctx, a, refs, also); err != nil {
		return nil, err
	}
	return s.Get(ctx, a, b.ID)
}

// sendBatch moves the batch to "sent" in the approval's hub transaction, with its hub audit row.
func sendBatch(htx *gorm.DB, a *authz.Actor, id string, version, persons int, now time.Time) error {
	res := htx.Exec(`UPDATE handover_batches SET status = 'sent', approved_by = ?, updated_at = ?, version = version + 1
	WHERE id = ? AND version = ? AND status = 'pending_approval'`, a.UserID, now, id, version)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return problem.ErrConflict
	}
	return audit.Append(htx, now, audit.ByActor(a, audit.HandoverBatchApprove, "handover_batch", id, map[string]any{"persons": persons}))
}

// batchAnswer is who answered a batch and the receiving officials, as it travels to the hub.
type batchAnswer struct {
	BatchID, UserID, AgencyID, Officials string
	Accepted, Declined                   int
	At                                   time.Time
}

// applyAnswer records a batch's answer in the hub with its audit row. The counts are not stored:
// they are counted from the packets.
func applyAnswer(_ context.Context, htx *gorm.DB, data json.RawMessage) error {
	var an batchAnswer
	if err := json.Unmarshal(data, &an); err != nil {
		return fmt.Errorf("handover: answer: %w", err)
	}
	if err := htx.Exec(`UPDATE handover_batches SET answered_by = ?, receiving_officials = ?, updated_at = ?, version = version + 1
	WHERE id = ?`, an.UserID, an.Officials, an.At, an.BatchID).Error; err != nil {
		return err
	}
	return audit.Append(htx, an.At, audit.Entry{ActorUserID: an.UserID, ActorAgencyID: an.AgencyID, Action: audit.HandoverBatchAnswer,
		Entity: "handover_batch", EntityID: an.BatchID, Detail: map[string]any{"accepted": an.Accepted, "declined": an.Declined}})
}

// Accept answers a batch addressed to the actor's agency in one commit of the actor's store
// (exchange.DecideWith): each accepted packet becomes a new case (Receive), each declined one
// goes back with its reason, and the outbox row carries the decisions and the receiving officials
// to the hub. Answering again the same way (a retry) records the officials and decides nothing
// twice; a person answered the other way is a conflict (409).
func (s *Service) Accept(ctx context.Context, a *authz.Actor, id string, in AcceptInput) (*Batch, error) {
	if err := a.Require(authz.SectionInbox, authz.ActionWrite); err != nil {
		return nil, err
	}
	if _, _, err := s.stores.Bind(a, authz.SectionCases, authz.ActionWrite); err != nil {
		return nil, err
	}
	// What this store decided before (a step the relay has not carried yet) reaches the hub first.
	if _, err := s.ex.Relay(ctx, a.Country, true); err != nil {
		return nil, err
	}
	hub := s.hub.WithContext(ctx)
	b, err := s.loadBatch(hub, a, id)
	if err != nil {
		return nil, err
	}
	if b.Side != SideRecipient {
		return nil, errNotFound(id)
	}
	packets, err := s.packetsOf(hub, b.ID)
	if err != nil {
		return nil, err
	}
	if err := in.clean(packets); err != nil {
		return nil, err
	}
	an := batchAnswer{BatchID: b.ID, UserID: a.UserID, AgencyID: a.AgencyID, Officials: in.ReceivingOfficials,
		Accepted: len(in.Accept), Declined: len(in.Decline), At: s.now()}
	if ds := pending(packets, in); len(ds) > 0 {
		also := &exchange.Also{HubEffects: []exchange.Effect{{Name: effectAnswer, Data: an}}}
		if _, err := s.ex.DecideWith(ctx, a, ds, also); err != nil {
			return nil, err
		}
		return s.Get(ctx, a, b.ID)
	}
	// A retry: every person was answered already; the answer alone is recorded (one hub commit).
	raw, err := json.Marshal(an)
	if err != nil {
		return nil, err
	}
	if err := hub.Transaction(func(htx *gorm.DB) error { return applyAnswer(ctx, htx, raw) }); err != nil {
		return nil, err
	}
	return s.Get(ctx, a, b.ID)
}

// pending are the decisions of the answer on packets not answered yet.
func pending(packets []packetState, in AcceptInput) []exchange.Decision {
	open := map[string]bool{}
	for _, p := range packets {
		open[p.PacketID] = p.Status == string(exchange.StatusSent) || p.Status == string(exchange.StatusOpened)
	}
	var ds []exchange.Decision
	for _, id := range in.Accept {
		if open[id] {
			ds = append(ds, exchange.Decision{ID: id, Accept: true})
		}
	}
	for _, d := range in.Decline {
		if open[d.ID] {
			ds = append(ds, exchange.Decision{ID: d.ID, Reason: d.Reason})
		}
	}
	return ds
}
