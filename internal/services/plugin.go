package services

import (
	"gorm.io/gorm"

	"homeward/internal/exchange"
	"homeward/internal/store"
)

// Plugin is the referral kind, whole: its spec, the referral projection of a case, and how the
// NGOs' replies update the referred service in the sending store.
func Plugin() exchange.Plugin {
	return exchange.Plugin{Spec: exchange.Referral, Project: projectMany, Apply: applyMany}
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
