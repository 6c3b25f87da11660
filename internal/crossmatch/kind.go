package crossmatch

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/consent"
	"homeward/internal/exchange"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// KindAsk is the question a supervisor sends about a possible match: is the person of this case
// the one of your candidate? It goes to the other country's welfare agency that holds the
// candidate's case, and only through Ask (never the generic packet form or API).
const KindAsk exchange.Kind = "linkage_ask"

// Spec is the linkage_ask kind. It carries only what the other side needs to check its own
// candidate: the candidate's id on the recipient's side and the score (the packet's envelope
// carries the asking case's reference). It relies on the person's notify_home_country consent (or a
// supervisor's written override), and an objection to home-country notice blocks it. The reply
// says whether it is the same person, with a note.
var Spec = exchange.Spec{
	Kind: KindAsk, Purpose: consent.PurposeNotifyHomeCountry, RecipientKinds: []string{"social_welfare"},
	Fields:      []string{"candidate", "score"},
	ReplyFields: []string{"same_person", "note"},
	TTL:         30 * 24 * time.Hour,
}

// Plugin is the linkage_ask kind, whole: its spec, the payload of the questions, the check of the
// answers and how they are recorded in the asking store.
func (s *Service) Plugin() exchange.Plugin {
	return exchange.Plugin{Spec: Spec, Project: projectAsks, Apply: applyAnswers, CheckReply: checkAnswer, Replied: answered, OwnPath: true}
}

// projectAsks builds the questions' payloads from the drafts Ask made (the candidate on the other
// side and the score): nothing is read from the store, whose case the exchange has already found
// in scope.
func projectAsks(_ *gorm.DB, _ *store.Store, caseIDs []string, drafts []exchange.Draft) ([]exchange.Payload, error) {
	out := make([]exchange.Payload, len(caseIDs))
	for i, d := range drafts {
		id := d.Extra["candidate"]
		score, err := strconv.ParseFloat(d.Extra["score"], 64)
		if _, perr := uuid.Parse(id); perr != nil || err != nil || score < 0 || score > 1 {
			return nil, fmt.Errorf("crossmatch: question %d: candidate %q, score %q", i, id, d.Extra["score"])
		}
		out[i] = exchange.Payload{"candidate": id, "score": score}
	}
	return out, nil
}

// maxAnswerNote bounds the note of an answer.
const maxAnswerNote = 2000

// checkAnswer checks an answer before it is sent: same_person is required, yes or no (true/false);
// the note is optional text.
func checkAnswer(reply exchange.Payload) (exchange.Payload, error) {
	inv := &problem.Invalid{}
	same, ok := exchange.YesNo(reply["same_person"])
	if !ok {
		inv.Add("same_person", "form.error.choose")
	}
	out := exchange.Payload{"same_person": same}
	if v, present := reply["note"]; present {
		note, _ := v.(string)
		note = strings.TrimSpace(norm.NFC.String(note))
		switch {
		case utf8.RuneCountInString(note) > maxAnswerNote:
			inv.Add("note", "form.error.too_long")
		case note != "":
			out["note"] = note
		}
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// answersSQL records the answers, one statement for the batch; a later answer to the same
// question replaces the earlier one.
const answersSQL = `INSERT INTO linkage_answers (packet_id, case_id, same_person, answered_at)
SELECT v.packet_id, v.case_id, v.same_person, ? FROM unnest(?::uuid[], ?::uuid[], ?::boolean[]) AS v(packet_id, case_id, same_person)
ON CONFLICT (packet_id) DO UPDATE SET same_person = EXCLUDED.same_person, answered_at = EXCLUDED.answered_at`

// applyAnswers records the other side's answers in the asking store (the kind's Apply hook), set-
// based: one write of the answers and one of their audit rows. Replies without an answer (the
// exchange's accept or decline) change nothing; of several answers to one question in a batch, the
// last one stands.
func applyAnswers(tx *gorm.DB, _ *store.Store, items []exchange.ReplyItem) error {
	now := time.Now().UTC().Truncate(time.Microsecond)
	last := map[string]int{}
	var order []string
	entries := []audit.Entry{}
	for i, it := range items {
		same, ok := exchange.YesNo(it.Reply["same_person"])
		if !ok {
			continue
		}
		if _, seen := last[it.Original.ID]; !seen {
			order = append(order, it.Original.ID)
		}
		last[it.Original.ID] = i
		entries = append(entries, audit.Entry{Action: audit.LinkageAnswer, Entity: "case", EntityID: it.CaseID,
			Detail: map[string]any{"packet": it.Original.ID, "from": it.Original.Recipient, "same_person": same}})
	}
	if len(order) == 0 {
		return nil
	}
	packets, caseIDs, answers := make([]string, len(order)), make([]string, len(order)), make([]string, len(order))
	for i, id := range order {
		it := items[last[id]]
		same, _ := exchange.YesNo(it.Reply["same_person"])
		packets[i], caseIDs[i], answers[i] = id, it.CaseID, strconv.FormatBool(same)
	}
	if err := tx.Exec(answersSQL, now, pgArray(packets), pgArray(caseIDs), pgArray(answers)).Error; err != nil {
		return fmt.Errorf("crossmatch: record the answers: %w", err)
	}
	return audit.AppendMany(tx, now, entries)
}

// effectAsked is the hub effect of a question's preparation (carried by the sending store's outbox
// row with the packet): the candidate shows as asked, and the hub audits the question.
const effectAsked = "linkage.asked"

// askedEffect is the data of effectAsked.
type askedEffect struct {
	Candidate, UserID, AgencyID, Country, OtherCountry, CaseRef string
	Packet                                                      string // the question's packet
	At                                                          time.Time
}

// SendThrough gives the service the exchange its questions travel by, and registers there the hub
// effect of a question (the kind itself is registered with the others in internal/app).
func (s *Service) SendThrough(ex *exchange.Service) {
	s.ex = ex
	ex.OnHub(effectAsked, applyAsked)
}

// applyAsked marks the candidate asked by the question's packet and audits the question in the
// hub, once: applying it again finds the candidate asked and writes nothing.
func applyAsked(_ context.Context, htx *gorm.DB, data json.RawMessage) error {
	var q askedEffect
	if err := json.Unmarshal(data, &q); err != nil {
		return fmt.Errorf("crossmatch: asked: %w", err)
	}
	var packet *string
	if q.Packet != "" {
		packet = &q.Packet
	}
	res := htx.Exec(`UPDATE linkage_candidates SET asked_by = ?, asked_at = ?, packet_id = ? WHERE id = ? AND asked_at IS NULL`,
		q.UserID, q.At, packet, q.Candidate)
	if res.Error != nil {
		return fmt.Errorf("crossmatch: asked: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil // asked already, or answered and gone: nothing more to record
	}
	return audit.Append(htx, q.At, audit.Entry{ActorUserID: q.UserID, ActorAgencyID: q.AgencyID, Action: audit.LinkageAsk,
		Entity: "linkage_candidate", EntityID: q.Candidate,
		Detail: map[string]any{"country": q.Country, "other_country": q.OtherCountry, "case_ref": q.CaseRef, "packet": q.Packet}})
}

// Ours is the candidate a question names, as the recipient's supervisor may see it: the case on
// their side (answered or not). Another country's candidate, one outside the actor's scope, and a
// role without persons:merge are not found.
func (s *Service) Ours(ctx context.Context, a *authz.Actor, candidateID string) (caseID, caseRef string, err error) {
	_, _, co, err := s.own(ctx, a, candidateID)
	if err != nil {
		return "", "", err
	}
	return co.CaseID, co.Reference, nil
}
