package exchange

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/consent"
	"homeward/internal/problem"
)

// Batches: every operation on packets exists for many packets at once (PrepareMany, ApproveMany,
// OpenMany, Decide) with the rules and audit rows of the single-packet one, which is a batch of one.
// A batch is all or nothing: one transaction per side (the store and the hub), multi-row
// statements, agencies, cases, consents and keys loaded once. A refused item refuses the batch:
// its *problem.Invalid keys are reported under the item's field ("items.N" unless named), any
// other refusal (not found, conflict) is returned for the first such item.

// CaseDraft is one packet of a batch to prepare: the case it leaves from and its draft. Field names
// the item in a refusal (e.g. "persons.3"); "items.N" when empty.
type CaseDraft struct {
	CaseID string
	Draft
	Field string
}

// Ref is a packet to act on; Version, when not 0, must be the packet's current version (0 skips the
// check: for internal callers only, see Approve).
type Ref struct {
	ID      string
	Version int
}

// Decision is the answer to one received packet: accepted, or declined with a reason.
type Decision struct {
	ID     string
	Accept bool
	Reason string
}

// errStop ends a batch's transaction without writing anything: its items' refusals say why.
var errStop = errors.New("exchange: batch refused")

// anyErr reports whether an item was refused.
func anyErr(errs []error) bool {
	for _, err := range errs {
		if err != nil {
			return true
		}
	}
	return false
}

// batchErr is the refusal of a batch: the first item's error that is not invalid input (wrapped
// with its index, errors.Is still matches), or every invalid item under its field, one key each.
func batchErr(errs []error, field func(i int) string) error {
	inv := &problem.Invalid{}
	for i, err := range errs {
		if err == nil {
			continue
		}
		v, ok := problem.AsInvalid(err)
		if !ok {
			return fmt.Errorf("exchange: item %d: %w", i, err)
		}
		names := make([]string, 0, len(v.Fields))
		for k := range v.Fields {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			inv.Add(field(i), v.Fields[k])
		}
	}
	return inv.Err()
}

func itemField(i int) string { return fmt.Sprintf("items.%d", i) }

// caseInfo is a case of the actor's scope with its person's nationality.
type caseInfo struct {
	cases.Case
	Nationality string
}

// findCases loads the cases among ids within the scope (with their person's nationality); a case
// missing from the map is not found for the actor.
func findCases(tx *gorm.DB, scope authz.Scope, ids []string) (map[string]*caseInfo, error) {
	valid := make([]string, 0, len(ids))
	for _, id := range ids {
		if validID(id) {
			valid = append(valid, id)
		}
	}
	out := make(map[string]*caseInfo, len(valid))
	if len(valid) == 0 {
		return out, nil
	}
	cond, args := scope.CaseFilter("c")
	var rows []caseInfo
	if err := tx.Raw(`SELECT c.*, p.nationality FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.id IN ? AND `+cond,
		append([]any{valid}, args...)...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("exchange: cases: %w", err)
	}
	for i := range rows {
		out[rows[i].ID] = &rows[i]
	}
	return out, nil
}

// head is a case's consent answer in force for a purpose.
type head struct{ ID, Answer string }

// heads are the consent answers in force of some cases, by case and purpose.
type heads map[[2]string]head

// loadHeads reads the answers in force of every purpose for the cases, at once.
func loadHeads(tx *gorm.DB, caseIDs []string) (heads, error) {
	out := heads{}
	if len(caseIDs) == 0 {
		return out, nil
	}
	var rows []struct{ CaseID, Purpose, ID, Answer string }
	if err := tx.Raw(`SELECT c.case_id, c.purpose, c.id, c.answer FROM consents c WHERE c.case_id IN ?
AND NOT EXISTS (SELECT 1 FROM consents n WHERE n.supersedes = c.id) ORDER BY c.case_id, c.purpose, c.id`, caseIDs).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("exchange: consent: %w", err)
	}
	for _, r := range rows {
		k := [2]string{r.CaseID, r.Purpose}
		if _, ok := out[k]; !ok {
			out[k] = head{ID: r.ID, Answer: r.Answer}
		}
	}
	return out, nil
}

// consentRule applies the consent rules to a packet of spec from a case to rc: never to the home
// country past an objection (notify_home_country refused or withdrawn); the purpose's consent in
// force, or an override. override is the written reason at preparation (checked against the
// actor's role), overridden the flag of a prepared packet (approval).
func (h heads) consentRule(a *authz.Actor, caseID, nationality string, spec Spec, rc *agency, override string, overridden bool) (string, bool, error) {
	obj := h[[2]string{caseID, string(consent.PurposeNotifyHomeCountry)}].Answer
	if (obj == string(consent.AnswerRefused) || obj == string(consent.AnswerWithdrawn)) && rc.home(nationality) {
		return "", false, &problem.Invalid{Fields: map[string]string{"recipient": "packets.error.home_country_objection"}}
	}
	if spec.Purpose == "" {
		return "", false, nil
	}
	cur := h[[2]string{caseID, string(spec.Purpose)}]
	if cur.Answer == string(consent.AnswerGiven) {
		return cur.ID, false, nil
	}
	if overridden {
		return "", true, nil
	}
	if override == "" {
		return "", false, &problem.Invalid{Fields: map[string]string{"consent": "packets.error.consent_missing"}}
	}
	if !a.Can(authz.SectionConsent, authz.ActionOverride) {
		return "", false, &problem.Invalid{Fields: map[string]string{"override": "packets.error.override_supervisor"}}
	}
	return "", true, nil
}

// agenciesBy loads the agencies whose column col is among vals, keyed by that value.
func (s *Service) agenciesBy(tx *gorm.DB, col string, vals []string) (map[string]*agency, error) {
	out := map[string]*agency{}
	if len(vals) == 0 {
		return out, nil
	}
	var rows []agency
	err := tx.Raw(`SELECT id, slug, kind, coalesce(country, '') AS country, array_to_string(serves_nationalities, ',') AS serves_nationality
FROM agencies WHERE `+col+` IN ?`, vals).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("exchange: agencies: %w", err)
	}
	for i := range rows {
		g := &rows[i]
		if col == "id" {
			out[g.ID] = g
		} else {
			out[g.Slug] = g
		}
	}
	return out, nil
}

// links reads the store's case of each packet among ids (packet id -> case id).
func links(tx *gorm.DB, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct{ PacketID, CaseID string }
	if err := tx.Raw(`SELECT packet_id, case_id FROM case_packets WHERE packet_id IN ?`, ids).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("exchange: case packets: %w", err)
	}
	for _, r := range rows {
		out[r.PacketID] = r.CaseID
	}
	return out, nil
}

// insertValues writes rows of width values each with one INSERT per chunk: head is the statement up
// to VALUES, tail what follows the values (e.g. ON CONFLICT).
func insertValues(tx *gorm.DB, head, tail string, width int, rows [][]any) error {
	const chunk = 500
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	for start := 0; start < len(rows); start += chunk {
		part := rows[start:min(start+chunk, len(rows))]
		var sb strings.Builder
		sb.WriteString(head)
		args := make([]any, 0, len(part)*width)
		for i, r := range part {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(one)
			args = append(args, r...)
		}
		sb.WriteString(tail)
		if err := tx.Exec(sb.String(), args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// caseLink is a row of the store's case_packets.
type caseLink struct {
	PacketID, CaseID string
	Kind             Kind
	Purpose          string
	Direction        string
}

// recordCasePackets writes the store's links between cases and packets.
func recordCasePackets(tx *gorm.DB, ls []caseLink, now any) error {
	rows := make([][]any, len(ls))
	for i, l := range ls {
		rows[i] = []any{l.PacketID, l.CaseID, string(l.Kind), l.Purpose, l.Direction, now}
	}
	err := insertValues(tx, `INSERT INTO case_packets (packet_id, case_id, kind, purpose, direction, created_at) VALUES `,
		` ON CONFLICT (packet_id) DO NOTHING`, 6, rows)
	if err != nil {
		return fmt.Errorf("exchange: case packets: %w", err)
	}
	return nil
}

// insertMany writes new packet rows.
func insertMany(tx *gorm.DB, rs []*row) error {
	rows := make([][]any, len(rs))
	for i, r := range rs {
		rows[i] = []any{r.ID, r.Kind, r.SenderAgencyID, r.RecipientAgencyID, r.CaseRef, r.Status, r.SealedPayload,
			r.ExpiresAt, r.CreatedAt, r.CreatedAt, 1, r.Purpose, r.Fields, r.ConsentRef, r.Override, r.ReplyTo, r.BatchID,
			r.AskedBy, r.ApprovedBy, r.SenderCountry}
	}
	err := insertValues(tx, `INSERT INTO packets (id, kind, sender_agency_id, recipient_agency_id, case_ref, status, sealed_payload,
  expires_at, created_at, updated_at, version, purpose, fields, consent_ref, override, reply_to, batch_id, asked_by,
  approved_by, sender_country) VALUES `, "", 20, rows)
	if err != nil {
		return fmt.Errorf("exchange: insert packets: %w", err)
	}
	for _, r := range rs {
		r.Version, r.UpdatedAt = 1, r.CreatedAt
	}
	return nil
}

// loadMany reads, locked, the packets among ids matching cond (with p. aliases), by id.
func loadMany(tx *gorm.DB, ids []string, cond string, args ...any) (map[string]*row, error) {
	valid := make([]string, 0, len(ids))
	for _, id := range ids {
		if validID(id) {
			valid = append(valid, id)
		}
	}
	out := map[string]*row{}
	if len(valid) == 0 {
		return out, nil
	}
	var rows []row
	if err := tx.Raw(selectPacket+`WHERE p.id IN ? AND `+cond+` ORDER BY p.id FOR UPDATE OF p`,
		append([]any{valid}, args...)...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("exchange: load packets: %w", err)
	}
	for i := range rows {
		out[rows[i].ID] = &rows[i]
	}
	return out, nil
}

// idsOf returns the ids of the rows whose index is in idx.
func idsOf(rs []*row) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}
