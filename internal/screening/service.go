package screening

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/problem"
	"homeward/internal/sealed"
	"homeward/internal/store"
)

// Sealed fields: the vault's field names of the sealed columns.
const (
	fieldNarrative   = "screenings.narrative"
	fieldNote        = "screening_indicators.note"
	fieldDescription = "screening_events.description"
	fieldPlace       = "screening_events.place"

	// FieldLegalBasis and FieldComment are the sealed free text of an identification decision
	// (row = the decision id), also written by internal/handover for a recognised decision.
	FieldLegalBasis = "identification_decisions.legal_basis"
	FieldComment    = "identification_decisions.comment"
)

// Legacy are the columns sealed by migration 00018: sealed.Legacy seals the values that earlier
// versions stored in clear.
var Legacy = []sealed.Column{
	{Table: "screening_events", Key: "id", Clear: "place", Sealed: "place_enc", Field: fieldPlace},
	{Table: "identification_decisions", Key: "id", Clear: "legal_basis", Sealed: "legal_basis_enc", Field: FieldLegalBasis},
	{Table: "identification_decisions", Key: "id", Clear: "comment", Sealed: "comment_enc", Field: FieldComment},
}

// openDecision opens the legal basis and comment of a decision read from the store.
func openDecision(st *store.Store, d *Decision) error {
	var err error
	if d.LegalBasis, err = sealed.Open(st.Keys, FieldLegalBasis, d.ID, d.LegalBasisEnc, d.ClearLegalBasis); err != nil {
		return err
	}
	d.Comment, err = sealed.Open(st.Keys, FieldComment, d.ID, d.CommentEnc, d.ClearComment)
	return err
}

// Service is the screening section and the identification decision.
type Service struct {
	stores *store.Set
	now    func() time.Time
}

// New returns the screening service over the stores.
func New(stores *store.Set) *Service {
	return &Service{stores: stores, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// WithClock replaces the clock (tests, demo data).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// Get returns the screening section of a case: the interview with its indicators, timeline and
// opened narrative (nil before it is recorded) and every decision, and audits the read.
func (s *Service) Get(ctx context.Context, a *authz.Actor, caseID string) (*View, error) {
	var v *View
	err := cases.InCase(ctx, s.stores, a, authz.SectionScreening, authz.ActionRead, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		var err error
		if v, err = load(tx, st, c); err != nil {
			return err
		}
		detail := map[string]any{"recorded": v.Screening != nil, "decisions": len(v.Decisions)}
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.ScreeningRead, "case", c.ID, detail))
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// load reads the section of a case found in scope and opens its sealed fields.
func load(tx *gorm.DB, st *store.Store, c *cases.Case) (*View, error) {
	v := &View{CaseID: c.ID, Reference: c.Reference, Stage: c.Stage, CaseVersion: c.Version}
	if err := tx.Raw(`SELECT minor FROM persons WHERE id = ?`, c.PersonID).Scan(&v.Minor).Error; err != nil {
		return nil, fmt.Errorf("read minor flag: %w", err)
	}
	sc, err := findScreening(tx, c.ID)
	if err != nil {
		return nil, err
	}
	if sc != nil {
		if err := fill(tx, st, sc); err != nil {
			return nil, err
		}
		v.Screening = sc
	}
	if err := tx.Where("case_id = ?", c.ID).Order("proposed_at DESC, id DESC").Find(&v.Decisions).Error; err != nil {
		return nil, fmt.Errorf("read decisions: %w", err)
	}
	for i := range v.Decisions {
		if err := openDecision(st, &v.Decisions[i]); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// findScreening returns the screening of a case, or nil when none is recorded.
func findScreening(tx *gorm.DB, caseID string) (*Screening, error) {
	var sc Screening
	err := tx.Where("case_id = ?", caseID).Take(&sc).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read screening: %w", err)
	}
	return &sc, nil
}

// fill reads the indicators and events of sc and opens every sealed field.
func fill(tx *gorm.DB, st *store.Store, sc *Screening) error {
	var err error
	if sc.Narrative, err = st.Keys.OpenString(fieldNarrative, sc.ID, sc.NarrativeEnc); err != nil {
		return err
	}
	var answers []Answer
	if err := tx.Where("screening_id = ?", sc.ID).Find(&answers).Error; err != nil {
		return fmt.Errorf("read indicators: %w", err)
	}
	byCode := make(map[string]Answer, len(answers))
	for _, ans := range answers {
		if ans.Note, err = st.Keys.OpenString(fieldNote, noteRow(sc.ID, ans.Indicator), ans.NoteEnc); err != nil {
			return err
		}
		byCode[ans.Indicator] = ans
	}
	sc.Indicators = make([]Answer, 0, len(Indicators))
	for _, ind := range Indicators {
		ans, ok := byCode[ind.Code]
		if !ok {
			ans = Answer{ScreeningID: sc.ID, Indicator: ind.Code, Answer: AnswerUnknown}
		}
		sc.Indicators = append(sc.Indicators, ans)
	}
	if err := tx.Where("screening_id = ?", sc.ID).Order("position").Find(&sc.Events).Error; err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	for i := range sc.Events {
		ev := &sc.Events[i]
		if ev.Description, err = st.Keys.OpenString(fieldDescription, ev.ID, ev.DescriptionEnc); err != nil {
			return err
		}
		if ev.Place, err = sealed.Open(st.Keys, fieldPlace, ev.ID, ev.PlaceEnc, ev.ClearPlace); err != nil {
			return err
		}
	}
	return nil
}

// noteRow is the row id a note is sealed for: the screening and the indicator.
func noteRow(screeningID, indicator string) string { return screeningID + "/" + indicator }

// RecordScreening records the screening interview of a case in screening or identification. A case
// that already has one gives problem.ErrConflict (another worker recorded it first: edit it).
func (s *Service) RecordScreening(ctx context.Context, a *authz.Actor, caseID string, in Input) (*Screening, error) {
	return s.save(ctx, a, caseID, in, true)
}

// UpdateScreening replaces the screening of a case with in, at in.Version; a stale version gives
// problem.ErrConflict.
func (s *Service) UpdateScreening(ctx context.Context, a *authz.Actor, caseID string, in Input) (*Screening, error) {
	return s.save(ctx, a, caseID, in, false)
}

func (s *Service) save(ctx context.Context, a *authz.Actor, caseID string, in Input, create bool) (*Screening, error) {
	now := s.now()
	var out *Screening
	err := cases.InCase(ctx, s.stores, a, authz.SectionScreening, authz.ActionWrite, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		cl, err := in.clean(now)
		if err != nil {
			return err
		}
		if !open(c.Stage) {
			return &problem.Invalid{Fields: map[string]string{"": "screening.error.not_open"}}
		}
		cur, err := findScreening(tx, c.ID)
		if err != nil {
			return err
		}
		action := audit.ScreeningUpdate
		if create {
			if cur != nil {
				return problem.ErrConflict
			}
			cur, action = &Screening{ID: uuid.Must(uuid.NewV7()).String(), CaseID: c.ID, CreatedBy: a.UserID, CreatedAt: now}, audit.ScreeningRecord
		} else if cur == nil || cur.Version != in.Version {
			return problem.ErrConflict
		}
		if out, err = write(tx, st, cur, in, cl, now, create); err != nil {
			return err
		}
		detail := map[string]any{"version": out.Version, "present": countPresent(cl.answers), "events": len(cl.events)}
		return audit.Append(tx, now, audit.ByActor(a, action, "case", c.ID, detail))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// write inserts (create) or updates the screening row at its version, then replaces its
// indicators and events. The fields are sealed for their rows.
func write(tx *gorm.DB, st *store.Store, sc *Screening, in Input, cl *cleaned, now time.Time, create bool) (*Screening, error) {
	narrative, err := st.Keys.SealString(fieldNarrative, sc.ID, in.Narrative)
	if err != nil {
		return nil, err
	}
	next := *sc
	next.InterviewDate, next.Interviewer, next.Interpreter, next.Language = cl.date, in.Interviewer, in.Interpreter, in.Language
	next.NarrativeEnc, next.UpdatedAt = narrative, now
	if create {
		next.Version = 1
		if err := tx.Create(&next).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return nil, problem.ErrConflict
			}
			return nil, fmt.Errorf("insert screening: %w", err)
		}
	} else {
		next.Version = sc.Version + 1
		res := tx.Model(&Screening{}).Where("id = ? AND version = ?", sc.ID, sc.Version).Updates(map[string]any{
			"interview_date": next.InterviewDate, "interviewer": next.Interviewer, "interpreter": next.Interpreter,
			"language": next.Language, "narrative_enc": next.NarrativeEnc, "updated_at": now, "version": next.Version})
		if res.Error != nil {
			return nil, fmt.Errorf("update screening: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return nil, problem.ErrConflict
		}
		for _, table := range []string{"screening_indicators", "screening_events"} {
			if err := tx.Exec("DELETE FROM "+table+" WHERE screening_id = ?", sc.ID).Error; err != nil {
				return nil, fmt.Errorf("clear %s: %w", table, err)
			}
		}
	}
	answers, events, err := rows(st, next.ID, cl)
	if err != nil {
		return nil, err
	}
	if err := tx.Create(&answers).Error; err != nil {
		return nil, fmt.Errorf("insert indicators: %w", err)
	}
	if len(events) > 0 {
		if err := tx.Create(&events).Error; err != nil {
			return nil, fmt.Errorf("insert events: %w", err)
		}
	}
	next.Narrative, next.Indicators, next.Events = in.Narrative, answers, events
	return &next, nil
}

// rows builds the sealed indicator and event rows of a screening.
func rows(st *store.Store, screeningID string, cl *cleaned) ([]Answer, []Event, error) {
	answers := make([]Answer, 0, len(cl.answers))
	for _, in := range cl.answers {
		note, err := st.Keys.SealString(fieldNote, noteRow(screeningID, in.Indicator), in.Note)
		if err != nil {
			return nil, nil, err
		}
		answers = append(answers, Answer{ScreeningID: screeningID, Indicator: in.Indicator, Answer: in.Answer,
			NoteEnc: note, Channels: cases.TextList(in.Channels), Note: in.Note})
	}
	events := make([]Event, 0, len(cl.events))
	for i, in := range cl.events {
		ev := Event{ID: uuid.Must(uuid.NewV7()).String(), ScreeningID: screeningID, Position: i, Phase: in.Phase,
			Place: in.Place, DateFrom: in.from, DateTo: in.to, Description: in.Description}
		if in.Country != "" {
			cc := in.Country
			ev.Country = &cc
		}
		var err error
		if ev.DescriptionEnc, err = st.Keys.SealString(fieldDescription, ev.ID, in.Description); err != nil {
			return nil, nil, err
		}
		if ev.PlaceEnc, err = st.Keys.SealString(fieldPlace, ev.ID, in.Place); err != nil {
			return nil, nil, err
		}
		events = append(events, ev)
	}
	return answers, events, nil
}

func countPresent(answers []AnswerInput) int {
	n := 0
	for _, a := range answers {
		if a.Answer == AnswerPresent {
			n++
		}
	}
	return n
}
