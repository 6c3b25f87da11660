package crossmatch

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/store"
)

// Candidate is a possible match as a supervisor of one side sees it: the score, the case on their
// side, the other side's country and agency — nothing else about the other side — and where it
// stands: not asked, asked (the question's packet and its status), answered by the other side's
// agency to our question, or answered on our side.
type Candidate struct {
	ID           string     `json:"id"`
	CaseID       string     `json:"case_id"`
	CaseRef      string     `json:"case_ref"`
	Score        float64    `json:"score"`
	Document     bool       `json:"document"`
	OtherCountry string     `json:"other_country"`
	OtherAgency  Agency     `json:"other_agency"`
	FoundAt      time.Time  `json:"found_at"`
	AskedAt      *time.Time `json:"asked_at,omitempty"`       // we asked the other side
	OtherAskedAt *time.Time `json:"other_asked_at,omitempty"` // the other side asked us
	// State is where the candidate stands (State* constants): open while not_asked or asked,
	// closed once not_same or same_person.
	State string `json:"state"`
	// Question is our question to the other side, once asked.
	Question *Question `json:"question,omitempty"`
	// Answer is our side's answer: on the list ("not the same"), or in the reply to the other
	// side's question.
	Answer *Answer `json:"answer,omitempty"`
}

// The states of a candidate.
const (
	StateNotAsked = "not_asked"   // open: nobody asked the other side
	StateAsked    = "asked"       // open: our question is waiting, or ended unanswered
	StateNotSame  = "not_same"    // closed: not the same person (our answer, or the other side's)
	StateSame     = "same_person" // closed: confirmed the same person
)

// Question is our question to the other side about a candidate: its packet and the packet's status
// (pending_approval, sent, opened, accepted, declined, revoked, expired), and the other side's
// answer once it reached our store.
type Question struct {
	PacketID string       `json:"packet_id,omitempty"`
	Status   string       `json:"status,omitempty"`
	AskedAt  time.Time    `json:"asked_at"`
	Answer   *TheirAnswer `json:"answer,omitempty"`
}

// TheirAnswer is the other side's answer to our question, as our store recorded it (store table
// linkage_answers): given by the other side's agency (Candidate.OtherAgency), nothing more about it.
type TheirAnswer struct {
	SamePerson bool      `json:"same_person"`
	AnsweredAt time.Time `json:"answered_at"`
}

// Answer is our side's answer: who of us gave it and when, and whether it was the reply to the other
// side's question.
type Answer struct {
	SamePerson bool      `json:"same_person"`
	AnsweredAt time.Time `json:"answered_at"`
	AnsweredBy string    `json:"answered_by"` // our user's name
	InReply    bool      `json:"in_reply"`    // the reply to the other side's question
}

// Open tells whether the candidate still waits for an answer.
func (c *Candidate) Open() bool { return c.State == StateNotAsked || c.State == StateAsked }

// Agency is the other side's agency, by name in each language.
type Agency struct {
	Slug   string `json:"slug"`
	NameEN string `json:"name_en"`
	NameTH string `json:"name_th"`
	NameKM string `json:"name_km"`
}

// Name returns the agency's name in lang (en, th or km).
func (g Agency) Name(lang string) string {
	switch lang {
	case "th":
		return g.NameTH
	case "km":
		return g.NameKM
	}
	return g.NameEN
}

// hubCandidate is a candidate row of the hub with the other side's agency, our answer and our
// question's packet.
type hubCandidate struct {
	ID, Token, OtherCountry      string
	Score                        float64
	Document                     bool
	FoundAt                      time.Time
	AskedAt, OtherAskedAt        *time.Time
	Slug, NameEn, NameTh, NameKm string
	Answer                       *string
	AnsweredAt                   *time.Time
	AnsweredByName               *string
	InReply                      bool
	PacketID, PacketStatus       *string
}

const candidatesSQL = `SELECT c.id, c.token, c.other_country, c.score, c.document, c.found_at, c.asked_at,
  o.asked_at AS other_asked_at, a.slug, a.name_en, a.name_th, a.name_km,
  c.answer, c.answered_at, u.name AS answered_by_name, c.answer_packet IS NOT NULL AS in_reply,
  c.packet_id, p.status AS packet_status
FROM linkage_candidates c
JOIN linkage_encodings e ON e.country = c.other_country AND e.token = c.other_token
JOIN agencies a ON a.id = e.agency_id
LEFT JOIN linkage_candidates o ON o.country = c.other_country AND o.token = c.other_token
  AND o.other_country = c.country AND o.other_token = c.token
LEFT JOIN users u ON u.id = c.answered_by
LEFT JOIN packets p ON p.id = c.packet_id
WHERE c.country = ?`

// listLimit bounds the candidates a page shows.
const listLimit = 200

// caseOf is a case in the actor's scope of the person behind a token.
type caseOf struct {
	Token, CaseID, Reference string
}

// casesOf returns, for each token of the store, the newest case of its person within scope.
func casesOf(tx *gorm.DB, scope authz.Scope, tokens []string) (map[string]caseOf, error) {
	out := map[string]caseOf{}
	if len(tokens) == 0 {
		return out, nil
	}
	cond, args := scope.CaseFilter("c")
	var rows []caseOf
	err := tx.Raw(`SELECT DISTINCT ON (l.token) l.token, c.id AS case_id, c.reference FROM person_linkage l
JOIN cases c ON c.person_id = l.person_id
WHERE l.token IN ? AND `+cond+` ORDER BY l.token, c.created_at DESC`, append([]any{tokens}, args...)...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("crossmatch: cases of candidates: %w", err)
	}
	for _, r := range rows {
		out[r.Token] = r
	}
	return out, nil
}

// List returns the first page of open candidates of the cases in the actor's scope, best first
// (see Page).
func (s *Service) List(ctx context.Context, a *authz.Actor) ([]Candidate, error) {
	p, err := s.Page(ctx, a, Filter{Limit: listLimit})
	if err != nil {
		return nil, err
	}
	return p.Items, nil
}

// ForCase returns the open candidates of one case's person (not found outside the actor's scope or
// without persons:merge), best first (see Page).
func (s *Service) ForCase(ctx context.Context, a *authz.Actor, caseID string) ([]Candidate, error) {
	p, err := s.Page(ctx, a, Filter{CaseID: caseID, Limit: listLimit})
	if err != nil {
		return nil, err
	}
	return p.Items, nil
}

// tokenOfCase returns the linkage token of a case's person ("" when the person is not encoded);
// a case outside the actor's scope, or a role without persons:merge, is not found.
func (s *Service) tokenOfCase(ctx context.Context, a *authz.Actor, caseID string) (string, error) {
	var token string
	err := cases.InCase(ctx, s.stores, a, authz.SectionPersons, authz.ActionMerge, caseID, func(tx *gorm.DB, _ *store.Store, c *cases.Case) error {
		var ts []string
		if err := tx.Raw(`SELECT token::text FROM person_linkage WHERE person_id = ? AND encoding IS NOT NULL`, c.PersonID).Scan(&ts).Error; err != nil {
			return err
		}
		if len(ts) == 1 {
			token = ts[0]
		}
		return nil
	})
	return token, err
}
