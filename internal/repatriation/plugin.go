package repatriation

import (
	"time"

	"homeward/internal/consent"
	"homeward/internal/exchange"
)

// Spec is the repatriation kind: a store agency asks an embassy to help return a person.
var Spec = exchange.Spec{
	Kind: exchange.KindRepatriation, Purpose: consent.PurposeShareEmbassy, RecipientKinds: []string{"embassy"},
	Fields: []string{"given_name", "family_name", "aliases", "sex", "birth_date", "age_estimate",
		"nationality", "languages", "documents", "identification", "operation", "requested", "note"},
	ReplyFields: []string{"nationality_verified", "travel_document_type", "travel_document_number",
		"travel_document_valid_until", "travel_date", "travel_route", "note"},
	TTL: 60 * 24 * time.Hour,
}

// Plugin is the repatriation kind, whole: its spec, the projection of the cases asked about, how
// the embassies' replies update the repatriation section, and the check of those replies.
func (s *Service) Plugin() exchange.Plugin {
	return exchange.Plugin{Spec: Spec, Project: s.projectMany, Apply: s.ApplyReplies, CheckReply: s.CheckReply}
}
