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

// Link makes rows the next sealed rows of the chain that ends at chain position prevSeq with
// prevHash, in slice order, as the sealer would seal them, and returns the new end. Each row keeps
// the id the caller gave it (reserved from audit_log's identity sequence). The caller writes the rows
// and moves audit_head to the end in one transaction holding the sealer's lock (SealerLock).
func Link(prevSeq int64, prevHash []byte, rows []Row) (int64, []byte) {
	for i := range rows {
		seq := prevSeq + 1
		rows[i].Seq, rows[i].PrevHash = &seq, prevHash
		rows[i].Hash = rows[i].computeHash()
		prevSeq, prevHash = seq, rows[i].Hash
	}
	return prevSeq, prevHash
}

// SealerLock is the advisory lock (per database) a sealer holds while it seals; bulk loaders that
// seal rows themselves take it too.
const SealerLock = sealerLock
