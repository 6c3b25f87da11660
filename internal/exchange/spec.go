package exchange

import (
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

// Spec is the one place a kind's rules are declared: the consent it relies on, who may receive it,
// the fields its payload may carry (the allow-list), and how long it lives by default.
// docs/packets.md renders these specs; a test fails when it drifts.
type Spec struct {
	Kind Kind
	// Purpose is the consent purpose the packet relies on ("" for replies: they carry no new
	// personal data out of a store).
	Purpose consent.Purpose
	// RecipientKinds are the agency kinds that may receive it.
	RecipientKinds []string
	// Fields is the allow-list: a packet's projection is a subset of these.
	Fields []string
	// TTL is the default time to expiry.
	TTL time.Duration
}

// Specs are the kinds that leave a store from a case. Replies are declared in ReplyFields.
var Specs = map[Kind]Spec{
	KindRepatriation: {
		Kind: KindRepatriation, Purpose: consent.PurposeShareEmbassy, RecipientKinds: []string{"embassy"},
		Fields: []string{"given_name", "family_name", "aliases", "sex", "birth_date", "age_estimate",
			"nationality", "languages", "documents", "identification", "operation", "requested", "note"},
		TTL: 60 * 24 * time.Hour,
	},
	KindReferral: {
		Kind: KindReferral, Purpose: consent.PurposeShareNGO, RecipientKinds: []string{"ngo"},
		Fields: []string{"first_name", "age_band", "sex", "languages", "service", "needs", "contact",
			"urgency", "consent_scope"},
		TTL: 30 * 24 * time.Hour,
	},
	KindHandover: {
		Kind: KindHandover, Purpose: consent.PurposeCrossBorderHandover, RecipientKinds: []string{"social_welfare"},
		Fields: []string{"given_name", "family_name", "aliases", "sex", "birth_date", "age_estimate",
			"nationality", "languages", "documents", "identification", "urgent_needs", "belongings",
			"checkpoint", "handover_at"},
		TTL: 14 * 24 * time.Hour,
	},
}

// ReplyFields is the allow-list of a reply, by the kind of the packet it answers.
var ReplyFields = map[Kind][]string{
	KindRepatriation: {"nationality_verified", "travel_document_type", "travel_document_number",
		"travel_document_valid_until", "travel_date", "travel_route", "note"},
	KindReferral: {"status", "reason", "note", "outcome"},
	KindHandover: {"note"}, // decisions come only from Accept/Decline (the exchange's decision reply)
}
