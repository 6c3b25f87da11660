package crossmatch

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/exchange"
	"homeward/internal/problem"
)

// answered is the kind's Replied hook: the recipient's answer to a question is recorded on their
// own candidate (the asking side's candidate mirrored: same pair of persons, seen from their side),
// in the hub transaction of the reply, and audited there. "Not the same" takes it off their open
// list, "same person" confirms it; the asking store records the answer when the reply reaches it
// (applyAnswers). Only a role that may merge persons answers (others: not found); a second answer
// to the same question is a conflict. A question whose candidate is gone (an encoding withdrawn
// since) is answered all the same.
func answered(htx *gorm.DB, a *authz.Actor, orig *exchange.Packet, reply exchange.Payload, now time.Time) error {
	if err := a.Require(authz.SectionPersons, authz.ActionMerge); err != nil {
		return err
	}
	same, ok := exchange.YesNo(reply["same_person"])
	if !ok {
		return nil
	}
	var rows []struct {
		ID, Country  string
		AnswerPacket *string
	}
	if err := htx.Raw(`SELECT o.id, o.country, o.answer_packet::text AS answer_packet FROM linkage_candidates c
JOIN linkage_candidates o ON o.country = c.other_country AND o.token = c.other_token
  AND o.other_country = c.country AND o.other_token = c.token
WHERE c.packet_id = ? FOR UPDATE OF o`, orig.ID).Scan(&rows).Error; err != nil {
		return fmt.Errorf("crossmatch: the question's candidate: %w", err)
	}
	if len(rows) != 1 {
		return nil
	}
	o := rows[0]
	if o.AnswerPacket != nil && *o.AnswerPacket == orig.ID {
		return &problem.Conflict{Field: "same_person", Key: "linkage.error.answered"}
	}
	answer := answerNotSame
	if same {
		answer = answerSame
	}
	if err := htx.Exec(`UPDATE linkage_candidates SET answer = ?, answered_by = ?, answered_at = ?, answer_packet = ? WHERE id = ?`,
		answer, a.UserID, now, orig.ID, o.ID).Error; err != nil {
		return fmt.Errorf("crossmatch: record the answer: %w", err)
	}
	return audit.Append(htx, now, audit.ByActor(a, audit.LinkageAnswer, "linkage_candidate", o.ID,
		map[string]any{"country": o.Country, "packet": orig.ID, "same_person": same}))
}

// Answered tells whether the question packetID (a linkage_ask the caller received and may open)
// has been answered on the recipient's side: its form is not offered again.
func (s *Service) Answered(ctx context.Context, packetID string) (bool, error) {
	var done bool
	if err := s.hub.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM linkage_candidates WHERE answer_packet = ?)`, packetID).
		Scan(&done).Error; err != nil {
		return false, fmt.Errorf("crossmatch: answered: %w", err)
	}
	return done, nil
}
