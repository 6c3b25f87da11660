package audit

import (
	"encoding/json"
	"fmt"
	"time"
)

// NewRow builds the audit row of e at time at, not yet in the chain (no id, no hashes): bulk
// loaders (internal/seedscale) build rows in parallel, then Link them in order.
func NewRow(at time.Time, e Entry) (Row, error) {
	if !e.Action.valid() {
		return Row{}, fmt.Errorf("audit: action %q has no declared section", e.Action.name)
	}
	detail := ""
	if e.Detail != nil {
		b, err := json.Marshal(e.Detail)
		if err != nil {
			return Row{}, fmt.Errorf("audit: detail: %w", err)
		}
		detail = string(b)
	}
	return Row{
		At:          at.UTC().Truncate(time.Microsecond),
		ActorUserID: nullable(e.ActorUserID), ActorAgencyID: nullable(e.ActorAgencyID),
		Action: e.Action.name, Section: string(e.Action.section), Entity: e.Entity, EntityID: e.EntityID, Detail: detail,
	}, nil
}

// Link makes rows the next rows of the chain that ends at (prevID, prevHash), in slice order, exactly
// as AppendMany would, and returns the new end. The caller writes the rows and moves audit_head to
// the end in one transaction, holding the head's lock.
func Link(prevID int64, prevHash []byte, rows []Row) (int64, []byte) {
	for i := range rows {
		rows[i].ID, rows[i].PrevHash = prevID+1, prevHash
		rows[i].Hash = rows[i].computeHash()
		prevID, prevHash = rows[i].ID, rows[i].Hash
	}
	return prevID, prevHash
}
