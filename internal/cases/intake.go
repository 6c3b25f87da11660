package cases

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"
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

// Intake registers a person and opens their case at reception, owned by the actor's agency.
func (s *Service) Intake(ctx context.Context, a *authz.Actor, in IntakeInput) (*Person, *Case, error) {
	if err := a.Require(authz.SectionIdentity, authz.ActionWrite); err != nil {
		return nil, nil, err
	}
	st, scope, err := s.bind(a, authz.SectionCases, authz.ActionWrite)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	birth, err := in.clean(now)
	if err != nil {
		return nil, nil, err
	}
	p := &Person{ID: uuid.Must(uuid.NewV7()).String(), GivenName: in.GivenName, FamilyName: in.FamilyName, Sex: in.Sex,
		BirthDate: birth, AgeEstimate: in.AgeEstimate, Nationality: in.Nationality, Languages: in.Languages,
		Minor: in.minor(birth, now), CreatedAt: now, UpdatedAt: now, Version: 1}
	if in.OperationID != "" {
		p.OperationID = &in.OperationID
	}
	if p.DocumentNumberEnc, err = st.Keys.SealString("persons.document_number", p.ID, in.DocumentNumber); err != nil {
		return nil, nil, err
	}
	p.DocumentNumberBidx = st.Keys.BlindIndex("document_number", in.DocumentNumber)
	if p.ContactEnc, err = st.Keys.SealString("persons.contact", p.ID, in.Contact); err != nil {
		return nil, nil, err
	}
	c := &Case{ID: uuid.Must(uuid.NewV7()).String(), PersonID: p.ID, OwnerAgencyID: scope.AgencyID,
		Stage: StageReception, CreatedAt: now, UpdatedAt: now, Version: 1}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if p.OperationID != nil {
			var n int64
			if err := tx.Table("operations").Where("id = ?", *p.OperationID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return &problem.Invalid{Fields: map[string]string{"operation_id": "form.error.invalid"}}
			}
		}
		var seq int64
		if err := tx.Raw(`SELECT nextval('case_reference_seq')`).Scan(&seq).Error; err != nil {
			return err
		}
		c.Reference = fmt.Sprintf("%s-%d-%06d", scope.Country, now.Year(), seq)
		if err := tx.Create(p).Error; err != nil {
			return fmt.Errorf("insert person: %w", err)
		}
		if err := tx.Create(c).Error; err != nil {
			return fmt.Errorf("insert case: %w", err)
		}
		return audit.Append(tx, now, entry(a, "case.intake", "case", c.ID, map[string]any{"person_id": p.ID, "reference": c.Reference}))
	})
	if err != nil {
		return nil, nil, err
	}
	return p, c, nil
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
