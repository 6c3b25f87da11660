package crossmatch

import (
	"context"
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
	"homeward/internal/cases"
	"homeward/internal/exchange"
	"homeward/internal/personlink"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// ErrNotFound is a candidate the actor may not see: another country's, a case outside the scope, or
// a role that may not merge persons.
var ErrNotFound = fmt.Errorf("crossmatch: candidate: %w", authz.ErrNotFound)

// errAnswered is an answer (or a question) about a candidate already answered: 409, saying so.
var errAnswered = &problem.Conflict{Field: "candidate", Key: "linkage.error.answered"}

// side is a candidate row as an answer reads it; Closed is set when it is answered, on our side
// (Answer) or by the other side to our question (in the store's linkage_answers).
type side struct {
	ID, Country, Token, OtherCountry, OtherToken string
	Answer, PacketID                             *string
	Closed                                       bool
}

// own loads candidate id for an answer: it must be of the actor's country, and its person must have
// a case in the actor's scope (which it returns); anything else is ErrNotFound.
func (s *Service) own(ctx context.Context, a *authz.Actor, id string) (*side, *store.Store, caseOf, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionPersons, authz.ActionMerge)
	if err != nil {
		return nil, nil, caseOf{}, err
	}
	if _, err := uuid.Parse(id); err != nil {
		return nil, nil, caseOf{}, ErrNotFound
	}
	var rows []side
	if err := s.hub.WithContext(ctx).Raw(`SELECT id, country, token, other_country, other_token, answer, packet_id::text AS packet_id
FROM linkage_candidates WHERE id = ?`, id).Scan(&rows).Error; err != nil {
		return nil, nil, caseOf{}, fmt.Errorf("crossmatch: candidate: %w", err)
	}
	if len(rows) != 1 || rows[0].Country != scope.Country {
		return nil, nil, caseOf{}, ErrNotFound
	}
	var co caseOf
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		byToken, err := casesOf(tx, scope, []string{rows[0].Token})
		if err != nil {
			return err
		}
		var ok bool
		if co, ok = byToken[rows[0].Token]; !ok {
			return ErrNotFound
		}
		rows[0].Closed = rows[0].Answer != nil
		if p := rows[0].PacketID; p != nil && !rows[0].Closed {
			return tx.Raw(`SELECT EXISTS (SELECT 1 FROM linkage_answers WHERE packet_id = ?)`, *p).Scan(&rows[0].Closed).Error
		}
		return nil
	})
	if err != nil {
		return nil, nil, caseOf{}, err
	}
	return &rows[0], st, co, nil
}

// NotSame records the supervisor's answer that the candidate is not the same person: the candidate
// leaves their open list for the closed one. Audited in the hub, in the transaction of the answer.
// A candidate already answered (here, or by the other side to our question) is a conflict.
func (s *Service) NotSame(ctx context.Context, a *authz.Actor, id string) error {
	c, _, co, err := s.own(ctx, a, id)
	if err != nil {
		return err
	}
	if c.Closed {
		return errAnswered
	}
	now := s.now()
	return s.hub.WithContext(ctx).Transaction(func(htx *gorm.DB) error {
		res := htx.Exec(`UPDATE linkage_candidates SET answer = 'not_same', answered_by = ?, answered_at = ? WHERE id = ? AND answer IS NULL`,
			a.UserID, now, c.ID)
		if res.Error != nil {
			return fmt.Errorf("crossmatch: answer: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return errAnswered
		}
		return audit.Append(htx, now, audit.ByActor(a, audit.LinkageNotSame, "linkage_candidate", c.ID,
			map[string]any{"country": c.Country, "case_ref": co.Reference}))
	})
}

// objects reports whether the person of the case objects to home-country notice (the current
// notify_home_country answer of one of their cases is refused or withdrawn).
const objectsSQL = `SELECT EXISTS (SELECT 1 FROM cases c JOIN consents k ON k.case_id = c.id
WHERE c.person_id = (SELECT person_id FROM cases WHERE id = ?) AND k.purpose = 'notify_home_country'
  AND k.answer IN ('refused', 'withdrawn') AND NOT EXISTS (SELECT 1 FROM consents n WHERE n.supersedes = k.id))`

// AskInput is a supervisor's question to the other side: Override is the written reason to ask
// without the person's notify_home_country consent (supervisors only, audited in the store).
type AskInput struct {
	Override string `json:"override"`
}

// Ask sends the other side's welfare agency holding the candidate's case a linkage_ask packet (the
// candidate on their side and the score; the envelope carries our case reference), prepared from
// our case with the rules of every packet: another supervisor approves it, the person's
// notify_home_country consent (or a written override) backs it, both sides audit it. An objection
// to home-country notice refuses it (422, field "candidate"), whatever override let the person be
// encoded. The candidate shows as asked once the hub has the packet.
func (s *Service) Ask(ctx context.Context, a *authz.Actor, id string, in AskInput) (*exchange.Packet, error) {
	c, st, co, err := s.own(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if c.Closed {
		return nil, errAnswered
	}
	var objects bool
	if err := st.DB.WithContext(ctx).Raw(objectsSQL, co.CaseID).Scan(&objects).Error; err != nil {
		return nil, fmt.Errorf("crossmatch: consent: %w", err)
	}
	if objects {
		return nil, &problem.Invalid{Fields: map[string]string{"candidate": "linkage.error.home_country_objection"}}
	}
	q, err := s.question(ctx, c)
	if err != nil {
		return nil, err
	}
	asked := &askedEffect{Candidate: c.ID, UserID: a.UserID, AgencyID: a.AgencyID, Country: c.Country,
		OtherCountry: c.OtherCountry, CaseRef: co.Reference, At: s.now()}
	ps, err := s.ex.PrepareManyWith(ctx, a, []exchange.CaseDraft{{CaseID: co.CaseID, Field: "candidate", Draft: exchange.Draft{
		Kind: KindAsk, Recipient: q.Slug, Override: in.Override,
		Extra: map[string]string{"candidate": q.Mirror, "score": strconv.FormatFloat(q.Score, 'f', 2, 64)}}}},
		&exchange.Also{Store: func(_ *gorm.DB, ps []*exchange.Packet, _ time.Time) error {
			asked.Packet = ps[0].ID // the effect is marshalled after the store's work
			return nil
		}, HubEffects: []exchange.Effect{{Name: effectAsked, Data: asked}}})
	if err != nil {
		return nil, err
	}
	return ps[0], nil
}

// askTarget is what a question needs from the hub: the candidate's score, the mirror candidate on
// the other side and the agency holding the other side's case.
type askTarget struct {
	Score   float64
	Mirror  string
	Slug    string
	AskedAt *time.Time
}

const askTargetSQL = `SELECT c.score, c.asked_at, o.id AS mirror, a.slug
FROM linkage_candidates c
JOIN linkage_encodings e ON e.country = c.other_country AND e.token = c.other_token
JOIN agencies a ON a.id = e.agency_id
JOIN linkage_candidates o ON o.country = c.other_country AND o.token = c.other_token
  AND o.other_country = c.country AND o.other_token = c.token
WHERE c.id = ?`

// question loads the target of a question about candidate c: asked already is a conflict; a
// candidate whose other side is gone (its encoding withdrawn) is not found.
func (s *Service) question(ctx context.Context, c *side) (*askTarget, error) {
	var rows []askTarget
	if err := s.hub.WithContext(ctx).Raw(askTargetSQL, c.ID).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("crossmatch: ask: %w", err)
	}
	if len(rows) != 1 {
		return nil, ErrNotFound
	}
	if rows[0].AskedAt != nil {
		return nil, &problem.Conflict{Field: "candidate", Key: "linkage.error.asked"}
	}
	return &rows[0], nil
}

// OverrideInput is a supervisor's written reason to encode a person despite an objection.
type OverrideInput struct {
	Reason string `json:"reason"`
}

// Override records, on a case whose person objects to home-country notice, a supervisor's
// decision (persons:override) to encode the person for record linkage all the same, with the
// reason sealed; the encoding is made in the same transaction. Outside the scope or without the
// right: not found.
func (s *Service) Override(ctx context.Context, a *authz.Actor, caseID string, in OverrideInput) error {
	reason := strings.TrimSpace(norm.NFC.String(in.Reason))
	inv := &problem.Invalid{}
	if reason == "" {
		inv.Add("reason", "form.error.required")
	} else if utf8.RuneCountInString(reason) > 2000 {
		inv.Add("reason", "form.error.too_long")
	}
	return cases.InCase(ctx, s.stores, a, authz.SectionPersons, authz.ActionOverride, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		if err := inv.Err(); err != nil {
			return err
		}
		now := s.now()
		id := uuid.Must(uuid.NewV7()).String()
		enc, err := st.Keys.SealString("linkage_overrides.reason", id, reason)
		if err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO linkage_overrides (id, case_id, reason_enc, actor_user_id, at) VALUES (?, ?, ?, ?, ?)`,
			id, c.ID, enc, a.UserID, now).Error; err != nil {
			return fmt.Errorf("crossmatch: override: %w", err)
		}
		if err := personlink.Refresh(tx, st, now, c.PersonID); err != nil {
			return err
		}
		return audit.Append(tx, now, audit.ByActor(a, audit.LinkageOverride, "case", c.ID, map[string]any{"override_id": id}))
	})
}
