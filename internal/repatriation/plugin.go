package repatriation

import (
	"time"

	"gorm.io/gorm"

	"homeward/internal/consent"
	"homeward/internal/exchange"
	"homeward/internal/store"
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
	return exchange.Plugin{Spec: Spec, Project: s.projectMany, Apply: s.applyMany, CheckReply: s.CheckReply}
}

// projectMany is Project for each case, in order (requests leave one at a time: no batch query).
func (s *Service) projectMany(tx *gorm.DB, st *store.Store, caseIDs []string, drafts []exchange.Draft) ([]exchange.Payload, error) {
	out := make([]exchange.Payload, len(caseIDs))
	for i, id := range caseIDs {
		p, err := s.Project(tx, st, id, drafts[i])
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// applyMany is Apply for each reply, in order.
func (s *Service) applyMany(tx *gorm.DB, st *store.Store, items []exchange.ReplyItem) error {
	for _, it := range items {
		if err := s.Apply(tx, st, it.CaseID, it.Original, it.Reply); err != nil {
			return err
		}
	}
	return nil
}
