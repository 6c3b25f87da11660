package services

import (
	"time"

	"homeward/internal/consent"
	"homeward/internal/exchange"
)

// Spec is the referral kind: a store agency refers a person to an NGO for a service.
var Spec = exchange.Spec{
	Kind: exchange.KindReferral, Purpose: consent.PurposeShareNGO, RecipientKinds: []string{"ngo"},
	Fields: []string{"first_name", "age_band", "sex", "languages", "service", "needs", "contact",
		"urgency", "consent_scope"},
	ReplyFields: []string{"status", "reason", "note", "outcome"},
	TTL:         30 * 24 * time.Hour,
}

// Plugin is the referral kind, whole: its spec, the referral projection of a case, and how the
// NGOs' replies update the referred service in the sending store.
func Plugin() exchange.Plugin {
	return exchange.Plugin{Spec: Spec, Project: projectMany, Apply: ApplyReplies}
}
