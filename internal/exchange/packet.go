package exchange

import (
	"time"
)

// Payload is a packet's projection: field name (from its kind's allow-list) -> value.
// Values are JSON-encodable (strings, numbers, booleans, lists, small objects).
type Payload map[string]any

// Packet is a packet's envelope as the hub keeps it; Payload is filled only for someone allowed to
// open it (the recipient, or a sender looking at its own outbox before approval).
type Packet struct {
	ID         string     `json:"id"`
	Kind       Kind       `json:"kind"`
	Status     Status     `json:"status"`
	Sender     string     `json:"sender"`    // agency slug
	Recipient  string     `json:"recipient"` // agency slug
	CaseRef    string     `json:"case_ref"`
	Fields     []string   `json:"fields"`             // the projection's field names
	ConsentRef string     `json:"consent_ref"`        // id of the consent row relied on, "" when overridden
	Override   bool       `json:"override"`           // a supervisor's written override (reason audited)
	ReplyTo    string     `json:"reply_to,omitempty"` // the packet a reply answers
	BatchID    string     `json:"batch_id,omitempty"` // handover batch
	AskedBy    string     `json:"asked_by"`           // user who prepared it
	ApprovedBy string     `json:"approved_by,omitempty"`
	ExpiresAt  time.Time  `json:"expires_at"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	OpenedAt   *time.Time `json:"opened_at,omitempty"`
	DecidedAt  *time.Time `json:"decided_at,omitempty"` // accepted or declined
	Purpose    string     `json:"purpose"`              // the consent purpose it relies on ("" for replies)
	Reason     string     `json:"reason,omitempty"`     // a code: revoked, consent_withdrawn, case_closed, declined, expired, applied
	Version    int        `json:"version"`
	Payload    Payload    `json:"payload,omitempty"`
}

// Draft is what a caseworker asks to send from a case.
type Draft struct {
	Kind      Kind     `json:"kind"`
	Recipient string   `json:"recipient"` // agency slug
	Fields    []string `json:"fields"`    // empty: every field of the allow-list the projector fills
	// Override is a supervisor's written reason to send without the consent in force.
	Override string `json:"override"`
	// Extra is kind-specific input the projector may use (e.g. "requested", "note", "service",
	// "needs", "urgency", "checkpoint"); only allow-listed keys reach the payload.
	Extra     map[string]string `json:"extra"`
	ExpiresIn time.Duration     `json:"-"` // 0: the kind's TTL
	BatchID   string            `json:"-"`
}
