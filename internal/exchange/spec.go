package exchange

import (
	"strings"
	"time"

	"homeward/internal/consent"
)

// Kind is what a packet is for.
type Kind string

// Kinds of packet (DESIGN.md §1). A reply answers another packet and travels back to its sender.
const (
	KindRepatriation Kind = "repatriation" // a store agency asks an embassy to help return a person
	KindReferral     Kind = "referral"     // a store agency refers a person to an NGO for a service
	KindHandover     Kind = "handover"     // one country hands a person over to the other's store
	KindReply        Kind = "reply"        // an answer to a packet, back to its sender
)

// Status is where a packet stands.
type Status string

// Statuses. Revoked and expired packets keep their row and history; their payload is erased.
const (
	StatusPendingApproval Status = "pending_approval"
	StatusSent            Status = "sent"
	StatusOpened          Status = "opened"
	StatusAccepted        Status = "accepted"
	StatusDeclined        Status = "declined"
	StatusRevoked         Status = "revoked"
	StatusExpired         Status = "expired"
)

// Spec is the declared part of a kind: the consent it relies on, who may receive it, the fields its
// payload may carry (the allow-list), the fields a reply to it may carry, and how long it lives by
// default. Each kind declares its Spec in the package that owns it, inside its Plugin (plugin.go), the
// one value the exchange registers per kind; docs/packets.md renders the registered specs and a test
// fails when it drifts.
type Spec struct {
	Kind Kind
	// Purpose is the consent purpose the packet relies on ("" for replies: they carry no new
	// personal data out of a store).
	Purpose consent.Purpose
	// RecipientKinds are the agency kinds that may receive it.
	RecipientKinds []string
	// Fields is the allow-list: a packet's projection is a subset of these.
	Fields []string
	// ReplyFields is the allow-list of a reply to a packet of this kind.
	ReplyFields []string
	// TTL is the default time to expiry.
	TTL time.Duration
}

// YesNo reads a reply field's yes/no answer: a JSON boolean, "yes"/"no" or "true"/"false"; ok is
// false for anything else.
func YesNo(v any) (answer, ok bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "yes", "true":
			return true, true
		case "no", "false":
			return false, true
		}
	}
	return false, false
}
