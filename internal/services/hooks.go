package services

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"homeward/internal/audit"
	"homeward/internal/exchange"
	"homeward/internal/problem"
	"homeward/internal/store"
)

const referralPersonSQL = `SELECT c.id AS case_id, p.given_name, array_to_json(p.aliases)::text AS aliases, p.sex, p.birth_date,
	p.age_estimate, array_to_string(p.languages, ',') AS languages
FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.id IN ?`

// AgeBand is the coarse age of a person for a referral: never the birth date.
func AgeBand(birth *time.Time, estimate *int, now time.Time) string {
	age := -1
	switch {
	case birth != nil:
		age = now.Year() - birth.Year()
		if now.YearDay() < birth.YearDay() {
			age--
		}
	case estimate != nil:
		age = *estimate
	}
	switch {
	case age < 0:
		return "unknown"
	case age < 12:
		return "0-11"
	case age < 18:
		return "12-17"
	case age < 25:
		return "18-24"
	case age < 35:
		return "25-34"
	case age < 45:
		return "35-44"
	case age < 60:
		return "45-59"
	default:
		return "60+"
	}
}

// referred is a person as a referral projects them.
type referred struct {
	CaseID      string
	GivenName   string
	Aliases     string
	Sex         string
	BirthDate   *time.Time
	AgeEstimate *int
	Languages   string
}

// projectMany is the referral kind's Project hook: the smallest useful projection of each person
// for an NGO, read in one query — a first name (or the first alias, when asked), an age band
// instead of the birth date, sex, languages, the service and needs, how to make contact, urgency
// and the consent relied on. Nothing of it is stored outside the sealed packet.
func projectMany(tx *gorm.DB, _ *store.Store, caseIDs []string, drafts []exchange.Draft) ([]exchange.Payload, error) {
	var rows []referred
	if err := tx.Raw(referralPersonSQL, caseIDs).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("referral projection: %w", err)
	}
	byCase := make(map[string]*referred, len(rows))
	for i := range rows {
		byCase[rows[i].CaseID] = &rows[i]
	}
	out := make([]exchange.Payload, len(caseIDs))
	now := time.Now()
	for i, id := range caseIDs {
		p, ok := byCase[id]
		if !ok {
			return nil, ErrNotFound
		}
		out[i] = referralPayload(p, drafts[i], now)
	}
	return out, nil
}

// referralPayload is the referral of the person p with the draft d.
func referralPayload(p *referred, d exchange.Draft, now time.Time) exchange.Payload {
	name := p.GivenName
	if d.Extra["use_alias"] == "true" {
		var aliases []string
		if err := json.Unmarshal([]byte(p.Aliases), &aliases); err == nil && len(aliases) > 0 && aliases[0] != "" {
			name = aliases[0]
		}
	}
	langs := []string{}
	if p.Languages != "" {
		langs = strings.Split(p.Languages, ",")
	}
	contact := d.Extra["contact"]
	if contact == "" {
		contact = "through_referring_agency"
	}
	urgency := d.Extra["urgency"]
	if urgency == "" {
		urgency = "routine"
	}
	return exchange.Payload{
		"first_name":    name,
		"age_band":      AgeBand(p.BirthDate, p.AgeEstimate, now),
		"sex":           p.Sex,
		"languages":     langs,
		"service":       d.Extra["service"],
		"needs":         d.Extra["needs"],
		"contact":       contact,
		"urgency":       urgency,
		"consent_scope": "share_ngo",
	}
}

// ReplyStatuses are the statuses an NGO's reply to a referral may carry.
var ReplyStatuses = []string{"accepted", "declined", "in_progress", "completed"}

// ApplyReplies is the referral kind's Apply hook: the NGOs' replies (status accepted, declined,
// in_progress or completed, with reason, note and outcome) update the services linked to the
// referrals, in the sending store's transaction, set-based: one read of the services (locked), one
// write of those changed and one of the audit rows, whatever the number of replies. Replies to
// one referral apply in order. Replies after a decline or a completion change nothing. Audited in
// the store as the system, on behalf of the NGO.
//
// The hub's status of the referral decides what a reply may do: accepted and declined come only
// from the exchange's decision reply (Accept/Decline, carrying "decision") matching that status;
// progress, completion and notes only once the referral is accepted. Anything else changes
// nothing and is audited as skipped.
func ApplyReplies(tx *gorm.DB, st *store.Store, items []exchange.ReplyItem) error {
	if len(items) == 0 {
		return nil
	}
	byRef, err := referredServices(tx, items)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	var entries []audit.Entry
	var changed []*row
	for _, it := range items {
		r := byRef[[2]string{it.Original.ID, it.CaseID}]
		if r == nil { // the service is gone (merged case): nothing to update
			continue
		}
		e, did, err := applyReply(st, r, it, now)
		if err != nil {
			return err
		}
		if e != nil {
			entries = append(entries, *e)
		}
		if did && !slices.Contains(changed, r) {
			changed = append(changed, r)
		}
	}
	if err := writeServices(tx, changed); err != nil {
		return err
	}
	return audit.AppendMany(tx, now, entries)
}

// referredServices reads, locked, the services the replies' referrals are linked to, by (packet,
// case): one query.
func referredServices(tx *gorm.DB, items []exchange.ReplyItem) (map[[2]string]*row, error) {
	ids := make([]string, 0, len(items))
	for _, it := range items {
		if !slices.Contains(ids, it.Original.ID) {
			ids = append(ids, it.Original.ID)
		}
	}
	var rows []*row
	if err := tx.Where("referral_packet_id IN ?", ids).Clauses(clause.Locking{Strength: "UPDATE"}).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("referral replies: %w", err)
	}
	out := make(map[[2]string]*row, len(rows))
	for _, r := range rows {
		out[[2]string{*r.ReferralPacketID, r.CaseID}] = r
	}
	return out, nil
}

// serviceUpsertWhere lets the write update a service only at the version it was read at.
var serviceUpsertWhere = clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "services.version = excluded.version - 1"}}}

// writeServices writes the changed services in one statement, each moved by one version; a
// service not written (changed meanwhile) is a conflict.
func writeServices(tx *gorm.DB, changed []*row) error {
	if len(changed) == 0 {
		return nil
	}
	for _, r := range changed {
		r.Version++
	}
	res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, Where: serviceUpsertWhere,
		DoUpdates: clause.AssignmentColumns([]string{"referral_status", "status", "start_date", "end_date", "outcome_enc", "updated_at", "version"})}).
		Create(&changed)
	if res.Error != nil {
		return fmt.Errorf("apply referral replies: %w", res.Error)
	}
	if res.RowsAffected != int64(len(changed)) {
		return problem.ErrConflict
	}
	return nil
}

// applyReply applies one reply to the service r in memory: its audit row (nil when the reply
// changes nothing and needs none) and whether r changed.
func applyReply(st *store.Store, r *row, it exchange.ReplyItem, now time.Time) (*audit.Entry, bool, error) {
	original, reply, caseID := it.Original, it.Reply, it.CaseID
	status := text(reply["status"])
	if r.ReferralStatus == "declined" || r.ReferralStatus == "completed" || r.ReferralStatus == "revoked" {
		return nil, false, nil
	}
	if why := replyRefused(original, reply, status); why != "" {
		return &audit.Entry{Action: audit.ReferralReplySkipped, Entity: "case", EntityID: caseID,
			Detail: map[string]any{"service": r.ID, "packet": original.ID, "status": status, "packet_status": string(original.Status),
				"why": why, "from": original.Recipient}}, false, nil
	}
	today := Today(now)
	outcome := strings.TrimSpace(text(reply["outcome"]))
	if outcome == "" {
		outcome = strings.TrimSpace(text(reply["note"]))
	}
	switch status {
	case "accepted":
		r.ReferralStatus = "accepted"
	case "declined":
		r.ReferralStatus, r.Status, r.EndDate = "declined", "stopped", &today
		outcome = strings.TrimSpace(text(reply["reason"]))
	case "in_progress":
		r.ReferralStatus, r.Status = "in_progress", "in_progress"
		if r.StartDate == nil {
			r.StartDate = &today
		}
	case "completed":
		r.ReferralStatus, r.Status, r.EndDate = "completed", "completed", &today
		if r.StartDate == nil {
			r.StartDate = &today
		}
	default:
		if outcome == "" {
			return nil, false, nil // a note without a status: nothing for the service
		}
	}
	if outcome != "" {
		enc, err := st.Keys.SealString(sealedOutcome, r.ID, outcome)
		if err != nil {
			return nil, false, err
		}
		r.OutcomeEnc = enc
	}
	r.UpdatedAt = now
	return &audit.Entry{Action: audit.ReferralReply, Entity: "case", EntityID: caseID,
		Detail: map[string]any{"service": r.ID, "packet": original.ID, "status": status, "from": original.Recipient}}, true, nil
}

// replyRefused tells why a reply to a referral may not be applied ("" when it may): a decision
// must be the exchange's decision reply backed by the hub's status of the packet; anything else
// only once the packet is accepted.
func replyRefused(original *exchange.Packet, reply exchange.Payload, status string) string {
	decision := text(reply["decision"])
	if decision != "" {
		if decision != string(original.Status) || (status != "" && status != decision) {
			return "decision_not_backed"
		}
		return ""
	}
	switch status {
	case "accepted", "declined":
		return "decision_not_from_exchange"
	}
	if original.Status != exchange.StatusAccepted {
		return "not_accepted"
	}
	return ""
}

func text(v any) string {
	s, _ := v.(string)
	return s
}
