package handover

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/exchange"
	"homeward/internal/store"
)

// answer is a reply to a handover packet as ApplyMany reads it.
type answer struct {
	exchange.ReplyItem
	accepted       bool
	newRef, reason string
}

// ApplyMany is the exchange.BatchApplier of KindHandover: the receiving agency's answers, applied by
// Sync in the sending store's own transaction, with one statement per table (persons of the batch,
// cases, stage changes, audit rows). Accepted: the sending case moves to "handover" (handed over)
// with the packet's reference kept on it, and the new case's reference is recorded. Declined: the
// person stays, with the reason (sealed). Applying the same answer twice changes nothing.
//
// Only the exchange's decision reply (sent by Accept/Decline, carrying "decision") decides, and only
// when the hub's status of the packet (original.Status) says the same: a plain reply (a note) or an
// answer the hub does not back changes nothing and is audited as such.
func (s *Service) ApplyMany(tx *gorm.DB, st *store.Store, items []exchange.ReplyItem) error {
	now := s.now()
	acc, dec, entries := sortAnswers(items)
	if len(acc)+len(dec) == 0 {
		return audit.AppendMany(tx, now, entries)
	}
	answered, err := markAnswered(tx, st, acc, dec, now)
	if err != nil {
		return err
	}
	inBatch, err := batchPersons(tx, acc, dec, answered)
	if err != nil {
		return err
	}
	moves, more := answerEffects(acc, dec, answered, inBatch)
	if err := handOver(tx, moves, now); err != nil {
		return err
	}
	return audit.AppendMany(tx, now, append(entries, more...))
}

// sortAnswers checks the replies: the accepted and the declined the hub backs, and an audit row
// for each other (a note, or an answer the hub does not back: nothing changes).
func sortAnswers(items []exchange.ReplyItem) (acc, dec []answer, entries []audit.Entry) {
	for _, it := range items {
		ans := answer{ReplyItem: it, newRef: text(it.Reply["new_case_ref"]), reason: text(it.Reply["reason"])}
		// The decision is the hub's status of the packet, carried only by the exchange's decision
		// reply; a user's reply to a handover carries a note at most (Spec.ReplyFields).
		decision := text(it.Reply["decision"])
		switch {
		case decision == string(exchange.StatusAccepted) && it.Original.Status == exchange.StatusAccepted:
			ans.accepted = true
			acc = append(acc, ans)
		case decision == string(exchange.StatusDeclined) && it.Original.Status == exchange.StatusDeclined:
			dec = append(dec, ans)
		default:
			entries = append(entries, audit.Entry{Action: audit.HandoverReplyNoted, Entity: "case", EntityID: it.CaseID,
				Detail: map[string]any{"packet_id": it.Original.ID, "packet_status": string(it.Original.Status),
					"decision": decision, "fields": sortedFields(it.Reply)}})
		}
	}
	return acc, dec, entries
}

const (
	acceptPersonsSQL = `UPDATE handover_persons h SET status = 'accepted', new_case_ref = v.ref, answered_at = ?
FROM (VALUES %s) v (packet_id, ref)
WHERE h.packet_id = v.packet_id AND h.status = 'pending' RETURNING h.packet_id, h.case_id`
	declinePersonsSQL = `UPDATE handover_persons h SET status = 'declined', reason_enc = v.enc, answered_at = ?
FROM (VALUES %s) v (packet_id, enc)
WHERE h.packet_id = v.packet_id AND h.status = 'pending' RETURNING h.packet_id, h.case_id`
)

// markAnswered records the answers on the persons of a batch still pending (the reasons sealed),
// and returns packet -> sending case for those answered now.
func markAnswered(tx *gorm.DB, st *store.Store, acc, dec []answer, now time.Time) (map[string]string, error) {
	var got []struct{ PacketID, CaseID string }
	if len(acc) > 0 {
		args := []any{now}
		for _, a := range acc {
			args = append(args, a.Original.ID, a.newRef)
		}
		if err := tx.Raw(fmt.Sprintf(acceptPersonsSQL, valuesList("(?::uuid, ?::text)", len(acc))), args...).Scan(&got).Error; err != nil {
			return nil, err
		}
	}
	if len(dec) > 0 {
		args := []any{now}
		for _, d := range dec {
			enc, err := st.Keys.SealString(fieldReason, d.Original.ID, d.reason)
			if err != nil {
				return nil, err
			}
			args = append(args, d.Original.ID, enc)
		}
		var more []struct{ PacketID, CaseID string }
		if err := tx.Raw(fmt.Sprintf(declinePersonsSQL, valuesList("(?::uuid, ?::bytea)", len(dec))), args...).Scan(&more).Error; err != nil {
			return nil, err
		}
		got = append(got, more...)
	}
	answered := make(map[string]string, len(got))
	for _, g := range got {
		answered[g.PacketID] = g.CaseID
	}
	return answered, nil
}

// batchPersons loads which of the answers not answered now are persons of a batch (already
// applied); the others are handover packets sent outside one.
func batchPersons(tx *gorm.DB, acc, dec []answer, answered map[string]string) (map[string]bool, error) {
	var rest []string
	for _, a := range append(append([]answer{}, acc...), dec...) {
		if answered[a.Original.ID] == "" {
			rest = append(rest, a.Original.ID)
		}
	}
	inBatch := map[string]bool{}
	if len(rest) == 0 {
		return inBatch, nil
	}
	var ids []string
	if err := tx.Raw(`SELECT packet_id FROM handover_persons WHERE packet_id IN ?`, rest).Scan(&ids).Error; err != nil {
		return nil, err
	}
	for _, id := range ids {
		inBatch[id] = true
	}
	return inBatch, nil
}

// answerEffects projects the answers applied now: the sending cases handed over, and the audit rows.
func answerEffects(acc, dec []answer, answered map[string]string, inBatch map[string]bool) ([]move, []audit.Entry) {
	caseOf := func(a answer) (string, bool) {
		if c := answered[a.Original.ID]; c != "" {
			return c, true
		}
		return a.CaseID, !inBatch[a.Original.ID]
	}
	var moves []move
	var entries []audit.Entry
	for _, a := range acc {
		caseID, ok := caseOf(a)
		if !ok {
			continue
		}
		moves = append(moves, move{caseID: caseID, original: a.Original, newRef: a.newRef})
		entries = append(entries, audit.Entry{Action: audit.HandoverHandedOver, Entity: "case", EntityID: caseID,
			Detail: map[string]any{"packet_id": a.Original.ID, "batch_id": a.Original.BatchID, "new_case_ref": a.newRef}})
	}
	for _, d := range dec {
		caseID, ok := caseOf(d)
		if !ok {
			continue
		}
		entries = append(entries, audit.Entry{Action: audit.HandoverDeclined, Entity: "case", EntityID: caseID,
			Detail: map[string]any{"packet_id": d.Original.ID, "batch_id": d.Original.BatchID}})
	}
	return moves, entries
}
