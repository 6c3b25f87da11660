package sealed

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"homeward/internal/vault"
)

// KeyPart is one column of a table's primary key, with its SQL type.
type KeyPart struct {
	Name string
	Type string
}

// Stored is one sealed column of a store table: the bytea column Column holds values sealed with
// the store's keys for vault field Field, each bound to the row id given by Row. Key rotation
// (Rotate) re-seals every Stored column; a test compares the list with the store schema and opens
// every demo value with it, so a new sealed column must be added here.
type Stored struct {
	Table  string
	Column string
	Field  string
	Keys   []KeyPart // the table's primary key, in order
	Row    string    // SQL expression of the vault row id; "" means the first key as text
}

// rowExpr is the SQL expression of the vault row id of c.
func (c Stored) rowExpr() string {
	if c.Row != "" {
		return c.Row
	}
	return c.Keys[0].Name + "::text"
}

var (
	byID     = []KeyPart{{"id", "uuid"}}
	byCase   = []KeyPart{{"case_id", "uuid"}}
	byPacket = []KeyPart{{"packet_id", "uuid"}}
)

// StoredColumns are every sealed column of a store, in the order key rotation re-seals them. The
// contents of attachments are sealed files, not a column (field "attachments.content"): they are
// not re-sealed, and stay readable because a rotation keeps every earlier key.
var StoredColumns = []Stored{
	{Table: "persons", Column: "document_number_enc", Field: "persons.document_number", Keys: byID},
	{Table: "persons", Column: "contact_enc", Field: "persons.contact", Keys: byID},
	{Table: "persons", Column: "documents_enc", Field: "persons.documents", Keys: byID},
	{Table: "persons", Column: "urgent_needs_enc", Field: "persons.urgent_needs", Keys: byID},
	{Table: "import_uploads", Column: "content_enc", Field: "import_uploads.content", Keys: byID},
	{Table: "operations", Column: "notes_enc", Field: "operations.notes", Keys: byID},
	{Table: "screenings", Column: "narrative_enc", Field: "screenings.narrative", Keys: byID},
	{Table: "screening_indicators", Column: "note_enc", Field: "screening_indicators.note",
		Keys: []KeyPart{{"screening_id", "uuid"}, {"indicator", "text"}}, Row: "screening_id::text || '/' || indicator"},
	{Table: "screening_events", Column: "description_enc", Field: "screening_events.description", Keys: byID},
	{Table: "screening_events", Column: "place_enc", Field: "screening_events.place", Keys: byID},
	{Table: "identification_decisions", Column: "legal_basis_enc", Field: "identification_decisions.legal_basis", Keys: byID},
	{Table: "identification_decisions", Column: "comment_enc", Field: "identification_decisions.comment", Keys: byID},
	{Table: "legal_status", Column: "warrant_note_enc", Field: "legal_status.warrant_note", Keys: byCase},
	{Table: "notes", Column: "body_enc", Field: "notes.body", Keys: byID},
	{Table: "attachments", Column: "filename_enc", Field: "attachments.filename", Keys: byID},
	{Table: "person_merges", Column: "reason_enc", Field: "person_merges.reason", Keys: byID},
	{Table: "repatriations", Column: "travel_document_number_enc", Field: "repatriations.travel_document_number", Keys: byCase},
	{Table: "repatriations", Column: "family_location_enc", Field: "repatriations.family_location", Keys: byCase},
	{Table: "repatriations", Column: "flight_details_enc", Field: "repatriations.flight_details", Keys: byCase},
	{Table: "repatriations", Column: "embassy_note_enc", Field: "repatriations.embassy_note", Keys: byCase},
	{Table: "handover_persons", Column: "belongings_enc", Field: "handover_persons.belongings", Keys: byPacket},
	{Table: "handover_persons", Column: "reason_enc", Field: "handover_persons.reason", Keys: byPacket},
	{Table: "received_handovers", Column: "belongings_enc", Field: "received_handovers.belongings", Keys: byCase},
	{Table: "received_handovers", Column: "legal_basis_enc", Field: "received_handovers.legal_basis", Keys: byCase},
	{Table: "services", Column: "outcome_enc", Field: "services.outcome", Keys: byID},
	{Table: "services", Column: "referral_enc", Field: "services.referral", Keys: byID},
	{Table: "follow_up_visits", Column: "address_enc", Field: "follow_up_visits.address", Keys: byID},
	{Table: "follow_up_visits", Column: "outcome_enc", Field: "follow_up_visits.outcome", Keys: byID},
	{Table: "linkage_overrides", Column: "reason_enc", Field: "linkage_overrides.reason", Keys: byID},
}

// NotSealed are the bytea columns of a store that hold no sealed value: wrapped keysets, blind
// indexes, audit hashes and the hub's signed chain heads (anchors).
var NotSealed = []string{
	"keysets.aead", "keysets.mac", "store_keys.keyset", "persons.document_number_bidx", "persons.document_bidxs",
	"audit_log.prev_hash", "audit_log.hash", "audit_head.last_hash", "audit_anchors.hash", "audit_anchors.signature",
	"person_linkage.encoding", // a keyed record-linkage encoding (personlink), no sealed value
	"river_job.unique_key",    // River's hash of a unique job's arguments (internal/jobs)
}

// ReadBack opens the first value of every sealed column of the store in db with keys and returns
// how many it opened: a restore's proof that the data and the keysets belong together.
func ReadBack(ctx context.Context, db *gorm.DB, keys *vault.Keys) (int, error) {
	n := 0
	for _, c := range StoredColumns {
		var rows []struct {
			Row string
			Val []byte
		}
		q := fmt.Sprintf(`SELECT %s AS row, %s AS val FROM %s WHERE length(%[2]s) > 0 LIMIT 1`, c.rowExpr(), c.Column, c.Table)
		if err := db.WithContext(ctx).Raw(q).Scan(&rows).Error; err != nil {
			return n, err
		}
		for _, r := range rows {
			if _, err := keys.Open(c.Field, r.Row, r.Val); err != nil {
				return n, fmt.Errorf("%s.%s: %w", c.Table, c.Column, err)
			}
			n++
		}
	}
	return n, nil
}
