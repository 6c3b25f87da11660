package exchange

import (
	"context"
	"encoding/json"
	"fmt"

	"gorm.io/gorm"
)

// Effects a store's outbox row asks of the hub (applied by the relay, once).
const (
	effectInsertPackets = "packets.insert" // new packets (prepared, or replies)
	effectDecide        = "packets.decide" // decisions taken in the recipient's store
)

func (s *Service) builtinEffects() {
	s.OnHub(effectInsertPackets, func(_ context.Context, htx *gorm.DB, data json.RawMessage) error {
		var rows []*row
		if err := json.Unmarshal(data, &rows); err != nil {
			return fmt.Errorf("exchange: packets: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		return insertMany(htx, rows)
	})
	s.OnHub(effectDecide, applyDecisions)
}

// decided is a decision taken in the recipient's store, as it travels to the hub.
type decided struct {
	ID     string `json:"id"`
	Accept bool   `json:"accept"`
	Erase  bool   `json:"erase"` // accepted into the store (a Receiver): the payload is erased
	At     string `json:"at"`
}

// applyDecisions sets the decided packets' status in the hub. The store's decision stands: it was
// taken once (its key in the store's applied_steps) on a packet the store found outstanding; a
// packet revoked or expired meanwhile is accepted all the same when the store made a case of it
// (the person was received), and keeps its final status otherwise.
func applyDecisions(_ context.Context, htx *gorm.DB, data json.RawMessage) error {
	var ds []decided
	if err := json.Unmarshal(data, &ds); err != nil {
		return fmt.Errorf("exchange: decisions: %w", err)
	}
	return setDecisions(htx, ds)
}

// setDecisions writes decisions into the hub's packets.
func setDecisions(htx *gorm.DB, ds []decided) error {
	for _, d := range ds {
		var q string
		switch {
		case d.Accept && d.Erase:
			q = `UPDATE packets SET status = 'accepted', reason = '', sealed_payload = NULL, decided_at = ?, updated_at = ?, version = version + 1
WHERE id = ? AND status <> 'accepted'`
		case d.Accept:
			q = `UPDATE packets SET status = 'accepted', decided_at = ?, updated_at = ?, version = version + 1
WHERE id = ? AND status IN ('sent', 'opened')`
		default:
			q = `UPDATE packets SET status = 'declined', decided_at = ?, sealed_payload = NULL, reason = 'declined', updated_at = ?,
  version = version + 1 WHERE id = ? AND status IN ('sent', 'opened')`
		}
		if err := htx.Exec(q, d.At, d.At, d.ID).Error; err != nil {
			return fmt.Errorf("exchange: decision %s: %w", d.ID, err)
		}
	}
	return nil
}
