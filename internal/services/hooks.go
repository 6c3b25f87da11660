package services

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/exchange"
	"homeward/internal/store"
)

const referralPersonSQL = `SELECT p.given_name, array_to_json(p.aliases)::text AS aliases, p.sex, p.birth_date, p.age_estimate,
	array_to_string(p.languages, ',') AS languages
FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.id = ?`

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

// Project is the exchange Projector of KindReferral: the smallest useful projection of a person
// for an NGO — a first name (or the first alias, when asked), an age band instead of the birth date,
// sex, languages, the service and needs, how to make contact, urgency and the consent relied on.
// Nothing of it is stored outside the sealed packet.
func Project(tx *gorm.DB, st *store.Store, caseID string, d exchange.Draft) (exchange.Payload, error) {
	var p struct {
		GivenName   string
		Aliases     string
		Sex         string
		BirthDate   *time.Time
		AgeEstimate *int
		Languages   string
	}
	res := tx.Raw(referralPersonSQL, caseID).Scan(&p)
	if res.Error != nil {
		return nil, fmt.Errorf("referral projection: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrNotFound
	}
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
		"age_band":      AgeBand(p.BirthDate, p.AgeEstimate, time.Now()),
		"sex":           p.Sex,
		"languages":     langs,
		"service":       d.Extra["service"],
		"needs":         d.Extra["needs"],
		"contact":       contact,
		"urgency":       urgency,
		"consent_scope": "share_ngo",
	}, nil
}

// ReplyStatuses are the statuses an NGO's reply to a referral may carry.
var ReplyStatuses = []string{"accepted", "declined", "in_progress", "completed"}

// Apply is the exchange Applier of KindReferral: an NGO's reply (status accepted, declined,
// in_progress or completed, with reason, note and outcome) updates the service linked to the
// referral, in the sending store's transaction. Replies after a decline or a completion change
// nothing. Audited in the store as the system, on behalf of the NGO.
//
// The hub's status of the referral decides what a reply may do: accepted and declined come only
// from the exchange's decision reply (Accept/Decline, carrying "decision") matching that status;
// progress, completion and notes only once the referral is accepted. Anything else changes
// nothing and is audited as skipped.
func Apply(tx *gorm.DB, st *store.Store, caseID string, original *exchange.Packet, reply exchange.Payload) error {
	var r row
	err := tx.Where("referral_packet_id = ? AND case_id = ?", original.ID, caseID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil // the service is gone (merged case): nothing to update
	}
	if err != nil {
		return fmt.Errorf("referral reply: %w", err)
	}
	status := text(reply["status"])
	if r.ReferralStatus == "declined" || r.ReferralStatus == "completed" || r.ReferralStatus == "revoked" {
		return nil
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	if why := replyRefused(original, reply, status); why != "" {
		return audit.Append(tx, now, audit.Entry{Action: audit.ReferralReplySkipped, Entity: "case", EntityID: caseID,
			Detail: map[string]any{"service": r.ID, "packet": original.ID, "status": status, "packet_status": string(original.Status),
				"why": why, "from": original.Recipient}})
	}
	today := Today(now)
	upd := map[string]any{"updated_at": now, "version": gorm.Expr("version + 1")}
	outcome := strings.TrimSpace(text(reply["outcome"]))
	if outcome == "" {
		outcome = strings.TrimSpace(text(reply["note"]))
	}
	switch status {
	case "accepted":
		upd["referral_status"] = "accepted"
	case "declined":
		upd["referral_status"], upd["status"] = "declined", "stopped"
		upd["end_date"] = today
		outcome = strings.TrimSpace(text(reply["reason"]))
	case "in_progress":
		upd["referral_status"], upd["status"] = "in_progress", "in_progress"
		if r.StartDate == nil {
			upd["start_date"] = today
		}
	case "completed":
		upd["referral_status"], upd["status"] = "completed", "completed"
		if r.StartDate == nil {
			upd["start_date"] = today
		}
		upd["end_date"] = today
	default:
		if outcome == "" {
			return nil // a note without a status: nothing for the service
		}
	}
	if outcome != "" {
		enc, err := st.Keys.SealString(sealedOutcome, r.ID, outcome)
		if err != nil {
			return err
		}
		upd["outcome_enc"] = enc
	}
	if err := tx.Model(&row{}).Where("id = ?", r.ID).Updates(upd).Error; err != nil {
		return fmt.Errorf("apply referral reply: %w", err)
	}
	return audit.Append(tx, now, audit.Entry{ActorAgencyID: "", Action: audit.ReferralReply, Entity: "case", EntityID: caseID,
		Detail: map[string]any{"service": r.ID, "packet": original.ID, "status": status, "from": original.Recipient}})
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
