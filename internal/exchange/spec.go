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

// Spec is the declared part of a kind: the consent it relies on, who may receive it, the fields its
// payload may carry (the allow-list), the fields a reply to it may carry, and how long it lives by
// default. docs/packets.md renders these specs; a test fails when it drifts. A Spec travels in its
// kind's Plugin (plugin.go), the one value the exchange registers per kind.
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

// The kinds that leave a store from a case.
var (
	// Repatriation: a store agency asks an embassy to help return a person.
	Repatriation = Spec{
		Kind: KindRepatriation, Purpose: consent.PurposeShareEmbassy, RecipientKinds: []string{"embassy"},
		Fields: []string{"given_name", "family_name", "aliases", "sex", "birth_date", "age_estimate",
			"nationality", "languages", "documents", "identification", "operation", "requested", "note"},
		ReplyFields: []string{"nationality_verified", "travel_document_type", "travel_document_number",
			"travel_document_valid_until", "travel_date", "travel_route", "note"},
		TTL: 60 * 24 * time.Hour,
	}
	// Referral: a store agency refers a person to an NGO for a service.
	Referral = Spec{
		Kind: KindReferral, Purpose: consent.PurposeShareNGO, RecipientKinds: []string{"ngo"},
		Fields: []string{"first_name", "age_band", "sex", "languages", "service", "needs", "contact",
			"urgency", "consent_scope"},
		ReplyFields: []string{"status", "reason", "note", "outcome"},
		TTL:         30 * 24 * time.Hour,
	}
	// Handover: one country hands a person over to the other's store. Decisions come only from
	// Accept/Decline (the exchange's decision reply); a user's reply carries a note.
	Handover = Spec{
		Kind: KindHandover, Purpose: consent.PurposeCrossBorderHandover, RecipientKinds: []string{"social_welfare"},
		Fields: []string{"given_name", "family_name", "aliases", "sex", "birth_date", "age_estimate",
			"nationality", "languages", "documents", "identification", "urgent_needs", "belongings",
			"checkpoint", "handover_at"},
		ReplyFields: []string{"note"},
		TTL:         14 * 24 * time.Hour,
	}
)

// Specs are the declared kinds by name (docs, forms). What a running exchange accepts is the set of
// registered plugins (Service.Register), each carrying one of these.
var Specs = specIndex(Repatriation, Referral, Handover)

func specIndex(specs ...Spec) map[Kind]Spec {
	out := make(map[Kind]Spec, len(specs))
	for _, s := range specs {
		out[s.Kind] = s
	}
	return out
}
