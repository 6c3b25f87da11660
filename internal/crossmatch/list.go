package crossmatch

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// The lists of candidates a filter chooses.
const (
	FilterOpen   = "open"   // not answered yet: not asked, or asked and waiting
	FilterClosed = "closed" // answered: not the same person, or confirmed the same
)

// Filter narrows a list of candidates.
type Filter struct {
	State  string // FilterOpen (the default) or FilterClosed
	CaseID string // only the candidates of this case's person
	Cursor string // after this candidate: the previous page's NextCursor
	Limit  int    // 1–200; 50 when 0 or less, 200 when more
}

// CandidatePage is one page of candidates, best first; NextCursor is "" on the last page.
type CandidatePage struct {
	Items      []Candidate `json:"items"`
	NextCursor string      `json:"next_cursor"`
}

// listCursor is a position in a list: the last candidate shown, by score and id.
type listCursor struct {
	score float32
	id    string
}

func (c listCursor) String() string {
	return strconv.FormatFloat(float64(c.score), 'g', -1, 32) + "_" + c.id
}

// check normalises the filter and reads its cursor (nil without one); bad input is *problem.Invalid.
func (f *Filter) check() (*listCursor, error) {
	inv := &problem.Invalid{}
	switch f.State {
	case "":
		f.State = FilterOpen
	case FilterOpen, FilterClosed:
	default:
		inv.Add("state", "form.error.choose")
	}
	switch {
	case f.Limit <= 0:
		f.Limit = 50
	case f.Limit > listLimit:
		f.Limit = listLimit
	}
	var cur *listCursor
	if f.Cursor != "" {
		score, id, ok := strings.Cut(f.Cursor, "_")
		v, err := strconv.ParseFloat(score, 32)
		if _, uerr := uuid.Parse(id); !ok || err != nil || uerr != nil || v < 0 || v > 1 {
			inv.Add("cursor", "form.error.invalid")
		} else {
			cur = &listCursor{score: float32(v), id: id}
		}
	}
	return cur, inv.Err()
}

// chunk is how many hub rows one round of a page reads (the rows outside the actor's scope or of
// the other state are dropped, so a page may take several rounds).
const chunk = 200

// Page returns a page of the candidates of the cases in the actor's scope (of one case's person
// with f.CaseID), best first: the open ones (not answered) or the closed ones (answered on our
// side, or our question answered by the other side), each with its state. Only a role that may
// merge persons sees them; anyone else, and a case outside the scope, gets not found. The read is
// audited in the store.
func (s *Service) Page(ctx context.Context, a *authz.Actor, f Filter) (*CandidatePage, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionPersons, authz.ActionMerge)
	if err != nil {
		return nil, err
	}
	cur, err := f.check()
	if err != nil {
		return nil, err
	}
	token, ref := "", ""
	if f.CaseID != "" {
		if token, err = s.tokenOfCase(ctx, a, f.CaseID); err != nil {
			return nil, err
		}
		if err := st.DB.WithContext(ctx).Raw(`SELECT reference FROM cases WHERE id = ?`, f.CaseID).Scan(&ref).Error; err != nil {
			return nil, fmt.Errorf("crossmatch: case: %w", err)
		}
	}
	out := &CandidatePage{Items: []Candidate{}}
	if f.CaseID == "" || token != "" {
		if err := s.fill(ctx, st, scope, f, token, ref, cur, out); err != nil {
			return nil, err
		}
	}
	entity, id := "store", st.Country
	if f.CaseID != "" {
		entity, id = "case", f.CaseID
	}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.LinkageCandidatesRead, entity, id,
			map[string]any{"candidates": len(out.Items), "state": f.State}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// fill reads the hub's candidates chunk by chunk from cur, keeps those in scope and in f's state,
// until the page is full (one more than f.Limit tells that another page follows) or none is left.
func (s *Service) fill(ctx context.Context, st *store.Store, scope authz.Scope, f Filter, token, ref string, cur *listCursor, out *CandidatePage) error {
	for {
		q, args := candidatesSQL, []any{scope.Country}
		if f.State == FilterOpen {
			q += ` AND c.answer IS NULL`
		} else {
			q += ` AND (c.answer IS NOT NULL OR c.packet_id IS NOT NULL)`
		}
		if token != "" {
			q, args = q+` AND c.token = ?`, append(args, token)
		}
		if cur != nil {
			q, args = q+` AND (c.score, c.id) < (?::real, ?::uuid)`, append(args, cur.score, cur.id)
		}
		var hc []hubCandidate
		if err := s.hub.WithContext(ctx).Raw(q+` ORDER BY c.score DESC, c.id DESC LIMIT ?`, append(args, chunk)...).Scan(&hc).Error; err != nil {
			return fmt.Errorf("crossmatch: candidates: %w", err)
		}
		kept, err := inStore(st.DB.WithContext(ctx), scope, hc, f.CaseID, ref)
		if err != nil {
			return err
		}
		for _, c := range kept {
			if c.Open() == (f.State == FilterOpen) {
				out.Items = append(out.Items, c)
			}
			if len(out.Items) > f.Limit {
				out.Items = out.Items[:f.Limit]
				last := out.Items[f.Limit-1]
				out.NextCursor = listCursor{score: float32(last.Score), id: last.ID}.String()
				return nil
			}
		}
		if len(hc) < chunk {
			return nil
		}
		last := hc[len(hc)-1]
		cur = &listCursor{score: float32(last.Score), id: last.ID}
	}
}

// theirAnswer is a row of the store's linkage_answers.
type theirAnswer struct {
	PacketID string
	TheirAnswer
}

// inStore keeps the hub's candidates whose person has a case in scope (that case, when caseID is
// given), with the other side's answers to our questions as the store recorded them.
func inStore(db *gorm.DB, scope authz.Scope, hc []hubCandidate, caseID, ref string) ([]Candidate, error) {
	tokens, packets := make([]string, 0, len(hc)), []string{}
	for _, c := range hc {
		tokens = append(tokens, c.Token)
		if c.PacketID != nil {
			packets = append(packets, *c.PacketID)
		}
	}
	byToken, err := casesOf(db, scope, tokens)
	if err != nil {
		return nil, err
	}
	theirs := map[string]TheirAnswer{}
	if len(packets) > 0 {
		var rows []theirAnswer
		if err := db.Raw(`SELECT packet_id::text AS packet_id, same_person, answered_at FROM linkage_answers WHERE packet_id IN ?`, packets).
			Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("crossmatch: answers: %w", err)
		}
		for _, r := range rows {
			theirs[r.PacketID] = r.TheirAnswer
		}
	}
	out := make([]Candidate, 0, len(hc))
	for _, h := range hc {
		co, ok := byToken[h.Token]
		if !ok {
			continue
		}
		if caseID != "" {
			co.CaseID, co.Reference = caseID, ref
		}
		out = append(out, h.candidate(co, theirs))
	}
	return out, nil
}

// candidate is the hub row as the actor sees it, with the case on their side and where it stands.
func (h *hubCandidate) candidate(co caseOf, theirs map[string]TheirAnswer) Candidate {
	c := Candidate{ID: h.ID, CaseID: co.CaseID, CaseRef: co.Reference, Score: h.Score, Document: h.Document,
		OtherCountry: h.OtherCountry, OtherAgency: Agency{Slug: h.Slug, NameEN: h.NameEn, NameTH: h.NameTh, NameKM: h.NameKm},
		FoundAt: h.FoundAt, AskedAt: h.AskedAt, OtherAskedAt: h.OtherAskedAt, State: StateNotAsked}
	if h.AskedAt != nil {
		q := &Question{AskedAt: *h.AskedAt}
		if h.PacketID != nil {
			q.PacketID = *h.PacketID
			if h.PacketStatus != nil {
				q.Status = *h.PacketStatus
			}
			if t, ok := theirs[q.PacketID]; ok {
				q.Answer = &t
			}
		}
		c.Question, c.State = q, StateAsked
	}
	if h.Answer != nil && h.AnsweredAt != nil {
		c.Answer = &Answer{SamePerson: *h.Answer == answerSame, AnsweredAt: *h.AnsweredAt, InReply: h.InReply}
		if h.AnsweredByName != nil {
			c.Answer.AnsweredBy = *h.AnsweredByName
		}
	}
	switch {
	case c.Answer != nil:
		c.State = stateOf(c.Answer.SamePerson)
	case c.Question != nil && c.Question.Answer != nil:
		c.State = stateOf(c.Question.Answer.SamePerson)
	}
	return c
}

// The hub's answers (linkage_candidates.answer).
const (
	answerNotSame = "not_same"
	answerSame    = "same"
)

func stateOf(same bool) string {
	if same {
		return StateSame
	}
	return StateNotSame
}
