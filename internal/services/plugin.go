package services

import (
	"time"

	"gorm.io/gorm"

	"homeward/internal/consent"
	"homeward/internal/exchange"
	"homeward/internal/store"
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
	return exchange.Plugin{Spec: Spec, Project: projectMany, Apply: applyMany}
}

// projectMany is Project for each case, in order (referrals leave one at a time: no batch query).
func projectMany(tx *gorm.DB, st *store.Store, caseIDs []string, drafts []exchange.Draft) ([]exchange.Payload, error) {
	out := make([]exchange.Payload, len(caseIDs))
	for i, id := range caseIDs {
		p, err := Project(tx, st, id, drafts[i])
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// applyMany is Apply for each reply, in order.
func applyMany(tx *gorm.DB, st *store.Store, items []exchange.ReplyItem) error {
	for _, it := range items {
		if err := Apply(tx, st, it.CaseID, it.Original, it.Reply); err != nil {
			return err
		}
	}
	return nil
}
