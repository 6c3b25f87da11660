package cases

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// IntakeInput is one person received, as typed on the form or sent to the API.
type IntakeInput struct {
	GivenName      string   `json:"given_name"`
	FamilyName     string   `json:"family_name"`
	Sex            string   `json:"sex"`
	BirthDate      string   `json:"birth_date"` // YYYY-MM-DD
	AgeEstimate    *int     `json:"age_estimate"`
	Nationality    string   `json:"nationality"` // ISO 3166-1 alpha-2
	DocumentNumber string   `json:"document_number"`
	Contact        string   `json:"contact"`
	Languages      []string `json:"languages"`
	OperationID    string   `json:"operation_id"`
	Minor          bool     `json:"minor"`
	// Aliases are other names the person goes by, in any script.
	Aliases []string `json:"aliases"`
	// DocumentsHeld are the documents the person holds (kinds of DocumentKinds), each with its
	// number where known. DocumentNumber stays the primary document.
	DocumentsHeld []HeldDocument `json:"documents_held"`
	// DocumentsMissing are the kinds of document the person lacks.
	DocumentsMissing []string `json:"documents_missing"`
	// UrgentNeeds is free text (medical or other needs at reception), sealed at rest.
	UrgentNeeds string `json:"urgent_needs"`
}

// Sexes are the accepted values of sex.
var Sexes = []string{"female", "male", "other", "unknown"}

// clean normalises text to NFC and trims it, and validates the input against now.
func (in *IntakeInput) clean(now time.Time) (birth *time.Time, err error) {
	nfc := func(s string) string { return strings.TrimSpace(norm.NFC.String(s)) }
	in.GivenName, in.FamilyName = nfc(in.GivenName), nfc(in.FamilyName)
	in.DocumentNumber, in.Contact = nfc(in.DocumentNumber), nfc(in.Contact)
	in.Nationality = strings.ToUpper(strings.TrimSpace(in.Nationality))
	in.OperationID = strings.TrimSpace(in.OperationID)
	langs := in.Languages[:0:0]
	for _, l := range in.Languages {
		if l = strings.TrimSpace(l); l != "" {
			langs = append(langs, l)
		}
	}
	in.Languages = langs

	inv := &problem.Invalid{}
	if in.GivenName == "" {
		inv.Add("given_name", "form.error.required")
	}
	for field, v := range map[string]string{"given_name": in.GivenName, "family_name": in.FamilyName} {
		if utf8.RuneCountInString(v) > 200 {
			inv.Add(field, "form.error.too_long")
		}
	}
	if !oneOf(in.Sex, Sexes) {
		inv.Add("sex", "form.error.choose")
	}
	if in.BirthDate != "" {
		t, perr := time.Parse("2006-01-02", in.BirthDate)
		switch {
		case perr != nil:
			inv.Add("birth_date", "form.error.date")
		case t.After(now) || t.Year() < now.Year()-120:
			inv.Add("birth_date", "form.error.date_range")
		default:
			birth = &t
		}
	}
	if in.AgeEstimate != nil && (*in.AgeEstimate < 0 || *in.AgeEstimate > 120) {
		inv.Add("age_estimate", "form.error.age")
	}
	if in.BirthDate == "" && in.AgeEstimate == nil {
		inv.Add("birth_date", "intake.error.birth_or_age")
	}
	if !validCountry(in.Nationality) {
		inv.Add("nationality", "form.error.country")
	}
	if utf8.RuneCountInString(in.DocumentNumber) > 64 {
		inv.Add("document_number", "form.error.too_long")
	}
	if utf8.RuneCountInString(in.Contact) > 500 {
		inv.Add("contact", "form.error.too_long")
	}
	if len(in.Languages) > 10 {
		inv.Add("languages", "form.error.too_many")
	}
	if in.OperationID != "" && !validUUID(in.OperationID) {
		inv.Add("operation_id", "form.error.invalid")
	}
	in.cleanDetails(nfc, inv)
	return birth, inv.Err()
}

// minor reports whether the person is under 18 by birth date or estimate, or flagged as such.
func (in *IntakeInput) minor(birth *time.Time, now time.Time) bool {
	if in.Minor {
		return true
	}
	if birth != nil {
		return birth.AddDate(18, 0, 0).After(now)
	}
	return in.AgeEstimate != nil && *in.AgeEstimate < 18
}

// Validate checks an intake without registering anything: the *problem.Invalid that Intake would
// return, or nil.
func (s *Service) Validate(in IntakeInput) error {
	_, err := in.clean(s.now())
	return err
}

// Intake registers a person and opens their case at reception, owned by the actor's agency.
func (s *Service) Intake(ctx context.Context, a *authz.Actor, in IntakeInput) (*Person, *Case, error) {
	r, err := s.Register(ctx, a, in)
	if err != nil {
		return nil, nil, err
	}
	return r.Person, r.Case, nil
}

// Register is Intake that also returns the possible duplicates found in the store before the
// person was inserted (Intaken.Duplicates). The person is registered whatever they are: the
// caller shows them (the API lists them; the web form asks before it calls Register).
func (s *Service) Register(ctx context.Context, a *authz.Actor, in IntakeInput) (*Intaken, error) {
	res, err := s.IntakeBatch(ctx, a, []IntakeInput{in})
	if err != nil {
		var be *BatchError
		if errors.As(err, &be) {
			return nil, be.Rows[0]
		}
		return nil, err
	}
	return &res[0], nil
}

// Intaken is one person registered by IntakeBatch.
type Intaken struct {
	Person *Person
	Case   *Case
	// Duplicates are the possible duplicates of this row, found before the batch was inserted:
	// persons already in the store and other rows of the same batch (Duplicate.Row). They are
	// warnings; the row is registered all the same.
	Duplicates []Duplicate
}

// BatchError reports the invalid rows of a batch, by index; nothing was created.
type BatchError struct {
	Rows map[int]*problem.Invalid
}

func (e *BatchError) Error() string { return fmt.Sprintf("intake: %d invalid rows", len(e.Rows)) }

// Unwrap makes a batch error an invalid-input error for the web layer.
func (e *BatchError) Unwrap() error {
	for _, inv := range e.Rows {
		return inv
	}
	return nil
}

// IntakeBatch registers many persons at once, all or nothing: every row is validated first, and if
// any is invalid nothing is written and a *BatchError lists them. Then one transaction looks for
// possible duplicates of every row (Intaken.Duplicates) and inserts every person and case and
// their audit rows.
func (s *Service) IntakeBatch(ctx context.Context, a *authz.Actor, ins []IntakeInput) ([]Intaken, error) {
	return s.IntakeBatchWith(ctx, a, ins, BatchExtra{})
}

// BatchExtra is what a bulk import adds to IntakeBatch: the stage each case opens in, and work done
// in the batch's transaction once every person and case is inserted (all or nothing).
type BatchExtra struct {
	// Stages are the stages the cases open in, by row; "" or a missing row is reception. A stage other
	// than reception must be one the actor may move a case to (closed: closure:approve) and is
	// recorded as a stage change from reception with Reasons[i].
	Stages  []Stage
	Reasons []string
	// After runs in the transaction after the inserts; an error rolls the whole batch back.
	After func(tx *gorm.DB, st *store.Store, out []Intaken) error
}

// stage returns the stage row i opens in, and the reason of its stage change.
func (x BatchExtra) stage(i int) (Stage, string) {
	if i >= len(x.Stages) || x.Stages[i] == "" {
		return StageReception, ""
	}
	reason := ""
	if i < len(x.Reasons) {
		reason = x.Reasons[i]
	}
	return x.Stages[i], reason
}

// openCase is the case row i of a batch opens for person p (newCase, at x's stage), with its stage
// change when the stage is not reception; a stage the actor may not move a case to is invalid.
func (x BatchExtra) openCase(a *authz.Actor, p *Person, scope authz.Scope, i int, now time.Time) (*Case, *StageChange, *problem.Invalid) {
	c := newCase(p, scope, now)
	stage, reason := x.stage(i)
	if stage == StageReception {
		return c, nil, nil
	}
	if !stage.Valid() || !mayMove(a, StageReception, stage) {
		return nil, nil, &problem.Invalid{Fields: map[string]string{"stage": "case.error.transition_needs_supervisor"}}
	}
	c.Stage = stage
	return c, &StageChange{ID: uuid.Must(uuid.NewV7()).String(), CaseID: c.ID, FromStage: StageReception,
		ToStage: stage, Reason: reason, ActorUserID: a.UserID, At: now}, nil
}

// finish writes, after a batch's persons and cases, their stage changes and x.After's work.
func (x BatchExtra) finish(tx *gorm.DB, st *store.Store, changes []StageChange, out []Intaken) error {
	if len(changes) > 0 {
		if err := tx.CreateInBatches(changes, 500).Error; err != nil {
			return fmt.Errorf("insert stage changes: %w", err)
		}
	}
	if x.After == nil {
		return nil
	}
	return x.After(tx, st, out)
}

// preparedBatch is a batch's persons and the cases they open, built and checked before anything
// is written; out holds each row's pair.
type preparedBatch struct {
	persons []*Person
	cases   []*Case
	changes []StageChange
	out     []Intaken
}

// prepareBatch validates every row and builds its person and case (at x's stage, with its stage
// change); invalid rows are a *BatchError, by index in ins.
func (s *Service) prepareBatch(st *store.Store, a *authz.Actor, scope authz.Scope, ins []IntakeInput, x BatchExtra, now time.Time) (*preparedBatch, error) {
	pb := &preparedBatch{out: make([]Intaken, len(ins)), persons: make([]*Person, 0, len(ins)), cases: make([]*Case, 0, len(ins))}
	bad := &BatchError{Rows: map[int]*problem.Invalid{}}
	for i := range ins {
		p, err := s.preparePerson(st, &ins[i], now)
		if inv, ok := problem.AsInvalid(err); ok {
			bad.Rows[i] = inv
			continue
		} else if err != nil {
			return nil, err
		}
		c, change, inv := x.openCase(a, p, scope, i, now)
		if inv != nil {
			bad.Rows[i] = inv
			continue
		}
		if change != nil {
			pb.changes = append(pb.changes, *change)
		}
		pb.persons, pb.cases = append(pb.persons, p), append(pb.cases, c)
		pb.out[i] = Intaken{Person: p, Case: c}
	}
	if len(bad.Rows) > 0 {
		return nil, bad
	}
	return pb, nil
}

// IntakeBatchWith is IntakeBatch with the additions of x.
func (s *Service) IntakeBatchWith(ctx context.Context, a *authz.Actor, ins []IntakeInput, x BatchExtra) ([]Intaken, error) {
	if err := a.Require(authz.SectionIdentity, authz.ActionWrite); err != nil {
		return nil, err
	}
	st, scope, err := s.bind(a, authz.SectionCases, authz.ActionWrite)
	if err != nil {
		return nil, err
	}
	now := s.now()
	pb, err := s.prepareBatch(st, a, scope, ins, x, now)
	if err != nil {
		return nil, err
	}
	persons, cs, out := pb.persons, pb.cases, pb.out
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkOperations(tx, ins, &BatchError{Rows: map[int]*problem.Invalid{}}); err != nil {
			return err
		}
		dups, err := s.findDuplicates(tx, scope, persons, now)
		if err != nil {
			return err
		}
		counts := make([]int, len(cs))
		for i := range cs {
			out[i].Duplicates, counts[i] = dups[i], len(dups[i])
		}
		if err := insertIntakes(tx, st, a, scope, persons, cs, counts, now); err != nil {
			return err
		}
		return x.finish(tx, st, pb.changes, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// preparePerson validates one input and builds the person row with its sealed fields.
func (s *Service) preparePerson(st *store.Store, in *IntakeInput, now time.Time) (*Person, error) {
	birth, err := in.clean(now)
	if err != nil {
		return nil, err
	}
	p := &Person{ID: uuid.Must(uuid.NewV7()).String(), GivenName: in.GivenName, FamilyName: in.FamilyName, Sex: in.Sex,
		BirthDate: birth, AgeEstimate: in.AgeEstimate, Nationality: in.Nationality, Languages: in.Languages,
		Minor: in.minor(birth, now), CreatedAt: now, UpdatedAt: now, Version: 1}
	if in.OperationID != "" {
		p.OperationID = &in.OperationID
	}
	if p.DocumentNumberEnc, err = st.Keys.SealString("persons.document_number", p.ID, in.DocumentNumber); err != nil {
		return nil, err
	}
	p.DocumentNumberBidx = st.Keys.BlindIndex("document_number", in.DocumentNumber)
	if p.ContactEnc, err = st.Keys.SealString("persons.contact", p.ID, in.Contact); err != nil {
		return nil, err
	}
	if err := sealDetails(st, in, p); err != nil {
		return nil, err
	}
	return p, nil
}

// checkOperations refuses rows naming an operation that is not in the store.
func checkOperations(tx *gorm.DB, ins []IntakeInput, bad *BatchError) error {
	want := map[string]bool{}
	for _, in := range ins {
		if in.OperationID != "" {
			want[in.OperationID] = true
		}
	}
	if len(want) == 0 {
		return nil
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	var found []string
	if err := tx.Table("operations").Where("id IN ?", ids).Pluck("id", &found).Error; err != nil {
		return err
	}
	known := map[string]bool{}
	for _, id := range found {
		known[id] = true
	}
	for i, in := range ins {
		if in.OperationID != "" && !known[in.OperationID] {
			bad.Rows[i] = &problem.Invalid{Fields: map[string]string{"operation_id": "form.error.invalid"}}
		}
	}
	if len(bad.Rows) > 0 {
		return bad
	}
	return nil
}

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

func validCountry(cc string) bool {
	if len(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' {
		return false
	}
	r, err := language.ParseRegion(cc)
	return err == nil && r.IsCountry()
}

func validUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// personIDs lists the persons' ids.
func personIDs(ps []*Person) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}
