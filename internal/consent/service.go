package consent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/personlink"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// Service records and reads consent ledgers.
type Service struct {
	stores *store.Set
	now    func() time.Time
	// revoke, when set, is called after an answer other than "given" is recorded: the consent of
	// that purpose is no longer in force, so the outstanding packets relying on it are revoked.
	revoke Revoker
}

// Revoker revokes a case's outstanding packets that rely on a purpose (exchange.RevokeForCase).
type Revoker func(ctx context.Context, a *authz.Actor, caseID, purpose, reason string) (int, error)

// OnNoLongerInForce sets the hook called after an answer that ends a purpose's consent (refused or
// withdrawn) is recorded; internal/app wires it to the exchange.
func (s *Service) OnNoLongerInForce(r Revoker) *Service { s.revoke = r; return s }

// New returns the consent service over the stores.
func New(stores *store.Set) *Service {
	return &Service{stores: stores, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// Input is one answer, as typed on the form or sent to the API.
type Input struct {
	Purpose     Purpose `json:"purpose"`
	Answer      Answer  `json:"answer"`
	AnsweredOn  string  `json:"answered_on"` // YYYY-MM-DD
	Method      string  `json:"method"`
	Language    string  `json:"language"` // BCP 47: km, th, en, id, vi, zh, my, ...
	Interpreter string  `json:"interpreter"`
	Witness     string  `json:"witness"`
	// Version is the ledger's Version the form was shown with; nil skips the check (API clients
	// that append without reading first).
	Version *int `json:"version,omitempty"`
}

// zone is where answers are given: Thailand and Cambodia are both UTC+7.
var zone = time.FixedZone("+07", 7*60*60)

// clean normalises the input and validates it against now; it returns the answer's date.
func (in *Input) clean(now time.Time) (time.Time, error) {
	nfc := func(s string) string { return strings.TrimSpace(norm.NFC.String(s)) }
	in.Interpreter, in.Witness = nfc(in.Interpreter), nfc(in.Witness)
	in.Method, in.AnsweredOn = strings.TrimSpace(in.Method), strings.TrimSpace(in.AnsweredOn)
	inv := &problem.Invalid{}
	if !in.Purpose.Valid() {
		inv.Add("purpose", "form.error.choose")
	}
	if !slices.Contains(Answers, in.Answer) {
		inv.Add("answer", "form.error.choose")
	}
	var on time.Time
	if in.AnsweredOn == "" {
		inv.Add("answered_on", "form.error.required")
	} else if t, err := time.Parse("2006-01-02", in.AnsweredOn); err != nil {
		inv.Add("answered_on", "form.error.date")
	} else if today := now.In(zone); t.After(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)) || t.Year() < 2000 {
		inv.Add("answered_on", "form.error.date_range")
	} else {
		on = t
	}
	if !slices.Contains(Methods, in.Method) {
		inv.Add("method", "form.error.choose")
	}
	if tag, err := language.Parse(strings.TrimSpace(in.Language)); err != nil || len(in.Language) > 35 || strings.TrimSpace(in.Language) == "" {
		inv.Add("language", "consent.error.language")
	} else {
		in.Language = tag.String()
	}
	for field, v := range map[string]string{"interpreter": in.Interpreter, "witness": in.Witness} {
		if utf8.RuneCountInString(v) > 200 {
			inv.Add(field, "form.error.too_long")
		}
	}
	if in.Method == "thumbprint" && in.Witness == "" {
		inv.Add("witness", "consent.error.witness_required")
	}
	return on, inv.Err()
}

// Record appends the person's answer for a purpose; it supersedes the previous answer, which stays
// in the history. Withdrawing (answer "withdrawn") needs consent given before. A stale Version is
// problem.ErrConflict.
func (s *Service) Record(ctx context.Context, a *authz.Actor, caseID string, in Input) (*Consent, error) {
	now := s.now()
	on, verr := in.clean(now)
	var out *Consent
	// The case first (InCase finds it before fn runs): a case outside the scope is not found,
	// whatever the input.
	err := cases.InCase(ctx, s.stores, a, authz.SectionConsent, authz.ActionWrite, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		if verr != nil {
			return verr
		}
		// Serialise appends to one case's ledger, so that the version check is exact.
		if err := tx.Exec(`SELECT 1 FROM cases WHERE id = ? FOR UPDATE`, c.ID).Error; err != nil {
			return err
		}
		heads, count, err := ledgerHeads(tx, c.ID)
		if err != nil {
			return err
		}
		if in.Version != nil && *in.Version != count {
			return problem.ErrConflict
		}
		prev := heads[in.Purpose]
		if in.Answer == AnswerWithdrawn && !prev.InForce() {
			return &problem.Invalid{Fields: map[string]string{"answer": "consent.error.nothing_to_withdraw"}}
		}
		row := &Consent{ID: uuid.Must(uuid.NewV7()).String(), CaseID: c.ID, Purpose: in.Purpose, Answer: in.Answer,
			AnsweredOn: on, Method: in.Method, Language: in.Language, Interpreter: in.Interpreter, Witness: in.Witness,
			RecordedBy: a.UserID, RecordedAt: now}
		if prev != nil {
			row.Supersedes = &prev.ID
		}
		if err := tx.Create(row).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return problem.ErrConflict
			}
			return fmt.Errorf("insert consent: %w", err)
		}
		// An objection to home-country notice removes the person's linkage encoding; an answer that
		// ends it lets the person be encoded again (package personlink).
		if in.Purpose == PurposeNotifyHomeCountry {
			if err := personlink.Refresh(tx, st, now, c.PersonID); err != nil {
				return err
			}
		}
		action := audit.ConsentRecord
		if in.Answer == AnswerWithdrawn {
			action = audit.ConsentWithdraw
		}
		out = row
		return audit.Append(tx, now, audit.ByActor(a, action, "case", c.ID,
			map[string]any{"consent_id": row.ID, "purpose": row.Purpose, "answer": row.Answer, "method": row.Method}))
	})
	if err != nil {
		return nil, err
	}
	if s.revoke != nil && out.Answer != AnswerGiven {
		if _, err := s.revoke(ctx, a, out.CaseID, string(out.Purpose), "consent "+string(out.Answer)); err != nil {
			return out, fmt.Errorf("consent recorded, revoking the packets relying on it failed: %w", err)
		}
	}
	return out, nil
}

// Withdraw records that the person withdrew the consent given for a purpose: a new answer
// "withdrawn" with the date, method, language, interpreter and witness of in.
func (s *Service) Withdraw(ctx context.Context, a *authz.Actor, caseID string, purpose Purpose, in Input) (*Consent, error) {
	in.Purpose, in.Answer = purpose, AnswerWithdrawn
	return s.Record(ctx, a, caseID, in)
}

// Ledger returns the case's current answers per purpose and the whole history, and audits the read.
func (s *Service) Ledger(ctx context.Context, a *authz.Actor, caseID string) (*Ledger, error) {
	var out *Ledger
	err := cases.InCase(ctx, s.stores, a, authz.SectionConsent, authz.ActionRead, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		l := &Ledger{CaseID: c.ID, Reference: c.Reference}
		if err := tx.Raw(`SELECT minor FROM persons WHERE id = ?`, c.PersonID).Scan(&l.Minor).Error; err != nil {
			return err
		}
		if err := tx.Where("case_id = ?", c.ID).Order("recorded_at DESC, id DESC").Find(&l.History).Error; err != nil {
			return err
		}
		l.Version = len(l.History)
		l.Current = currentOf(l.History)
		out = l
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.ConsentRead, "case", c.ID, map[string]any{"rows": len(l.History)}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Current returns, per purpose, the answer in force (nil when never asked), and audits the read.
func (s *Service) Current(ctx context.Context, a *authz.Actor, caseID string) ([]Current, error) {
	l, err := s.Ledger(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	return l.Current, nil
}

// History returns every answer of the case, newest first, and audits the read.
func (s *Service) History(ctx context.Context, a *authz.Actor, caseID string) ([]Consent, error) {
	l, err := s.Ledger(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	return l.History, nil
}

// currentOf picks each purpose's head of chain from the history: the answer no other supersedes.
func currentOf(history []Consent) []Current {
	superseded := map[string]bool{}
	for _, c := range history {
		if c.Supersedes != nil {
			superseded[*c.Supersedes] = true
		}
	}
	heads := map[Purpose]*Consent{}
	for i := range history {
		if c := &history[i]; !superseded[c.ID] {
			heads[c.Purpose] = c
		}
	}
	out := make([]Current, len(Purposes))
	for i, p := range Purposes {
		out[i] = Current{Purpose: p, Consent: heads[p]}
	}
	return out
}

const headsSQL = `SELECT c.* FROM consents c
WHERE c.case_id = ? AND NOT EXISTS (SELECT 1 FROM consents n WHERE n.supersedes = c.id)`

// ledgerHeads returns the answer in force per purpose and the number of answers of the case.
func ledgerHeads(tx *gorm.DB, caseID string) (map[Purpose]*Consent, int, error) {
	var rows []Consent
	if err := tx.Raw(headsSQL, caseID).Scan(&rows).Error; err != nil {
		return nil, 0, err
	}
	var count int64
	if err := tx.Model(&Consent{}).Where("case_id = ?", caseID).Count(&count).Error; err != nil {
		return nil, 0, err
	}
	heads := make(map[Purpose]*Consent, len(rows))
	for i := range rows {
		heads[rows[i].Purpose] = &rows[i]
	}
	return heads, int(count), nil
}

const inForceSQL = `SELECT c.answer FROM consents c
WHERE c.case_id = ? AND c.purpose = ? AND NOT EXISTS (SELECT 1 FROM consents n WHERE n.supersedes = c.id)`

// InForce reports whether the case's latest answer for purpose is "given", inside tx. It applies no
// scope: the caller (packets) has already loaded the case with cases.Find in the same transaction.
func InForce(tx *gorm.DB, caseID, purpose string) (bool, error) {
	var answers []string
	if err := tx.Raw(inForceSQL, caseID, purpose).Scan(&answers).Error; err != nil {
		return false, fmt.Errorf("consent in force: %w", err)
	}
	return len(answers) == 1 && answers[0] == string(AnswerGiven), nil
}
