package cases

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/store"
)

// ErrNotFound is a case or person the actor may not see, or that does not exist.
var ErrNotFound = fmt.Errorf("cases: %w", authz.ErrNotFound)

// Service is the case core.
type Service struct {
	stores   *store.Set
	now      func() time.Time
	onClosed Revoker
}

// Revoker revokes the outstanding packets of a case (the exchange's RevokeForCase); purpose ""
// means every purpose.
type Revoker func(ctx context.Context, a *authz.Actor, caseID, purpose, reason string) (int, error)

// OnClosed sets what runs after a case is closed by a transition: revoking its open packets, so
// that nothing about a closed case stays readable outside the store.
func (s *Service) OnClosed(r Revoker) *Service { s.onClosed = r; return s }

// New returns the case service over the stores.
func New(stores *store.Set) *Service {
	return &Service{stores: stores, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// WithClock replaces the clock (tests, demo data).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// bind returns the actor's store and row scope after checking the section; it is the one way in.
func (s *Service) bind(a *authz.Actor, sec authz.Section, act authz.Action) (*store.Store, authz.Scope, error) {
	return s.stores.Bind(a, sec, act)
}

func entry(a *authz.Actor, action audit.Action, entity, id string, detail any) audit.Entry {
	return audit.ByActor(a, action, entity, id, detail)
}

// Get returns the case with the sections the actor may read, and audits the read.
func (s *Service) Get(ctx context.Context, a *authz.Actor, id string) (*View, error) {
	st, scope, err := s.bind(a, authz.SectionCases, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	var v *View
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, p, err := findCase(tx, scope, id)
		if err != nil {
			return err
		}
		v = &View{Case: *c, Minor: p.Minor}
		sections := []string{"cases"}
		if a.Can(authz.SectionIdentity, authz.ActionRead) {
			idn, err := openIdentity(st, p)
			if err != nil {
				return err
			}
			if err := openDetails(st, a, p, idn); err != nil {
				return err
			}
			v.Identity = idn
			sections = append(sections, "identity")
			if idn.UrgentNeeds != "" {
				sections = append(sections, "urgent_needs")
			}
		}
		if err := tx.Where("case_id = ?", c.ID).Order("at").Find(&v.History).Error; err != nil {
			return err
		}
		// Offer only the moves Transition would make: the table's, the actor's rights, and the
		// identification decision they wait for (those are listed apart, with what they need).
		for _, next := range NextStages(c.Stage) {
			if !mayMove(a, c.Stage, next) {
				continue
			}
			ok, err := decided(tx, c, next)
			if err != nil {
				return err
			}
			if ok {
				v.Next = append(v.Next, next)
			} else {
				v.Waiting = append(v.Waiting, next)
			}
		}
		return audit.Append(tx, s.now(), entry(a, audit.CaseRead, "case", c.ID, map[string]any{"sections": sections}))
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

const findCaseSQL = `SELECT c.* FROM cases c WHERE c.id = ? AND `

// Find loads a case within the scope inside tx, or ErrNotFound. Section packages (screening,
// consent, notes, ...) call it first, so a case outside the scope is not found for them too.
func Find(tx *gorm.DB, scope authz.Scope, id string) (*Case, error) {
	c, _, err := findCase(tx, scope, id)
	return c, err
}

// findCase loads a case and its person within the scope, or ErrNotFound.
func findCase(tx *gorm.DB, scope authz.Scope, id string) (*Case, *Person, error) {
	if !validUUID(id) {
		return nil, nil, ErrNotFound
	}
	cond, args := scope.CaseFilter("c")
	var c Case
	res := tx.Raw(findCaseSQL+cond, append([]any{id}, args...)...).Scan(&c)
	if res.Error != nil {
		return nil, nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, nil, ErrNotFound
	}
	var p Person
	if err := tx.Where("id = ?", c.PersonID).Take(&p).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil, ErrNotFound
		}
		return nil, nil, err
	}
	return &c, &p, nil
}

func openIdentity(st *store.Store, p *Person) (*Identity, error) {
	doc, err := st.Keys.OpenString("persons.document_number", p.ID, p.DocumentNumberEnc)
	if err != nil {
		return nil, fmt.Errorf("open document number: %w", err)
	}
	contact, err := st.Keys.OpenString("persons.contact", p.ID, p.ContactEnc)
	if err != nil {
		return nil, fmt.Errorf("open contact: %w", err)
	}
	return &Identity{GivenName: p.GivenName, FamilyName: p.FamilyName, Sex: p.Sex, BirthDate: p.BirthDate,
		AgeEstimate: p.AgeEstimate, Nationality: p.Nationality, Languages: p.Languages, Minor: p.Minor,
		DocumentNumber: doc, Contact: contact}, nil
}

// mayMove reports whether a may move a case from one stage to another: reopening needs
// closure:reopen, closing closure:approve, any other move cases:write.
func mayMove(a *authz.Actor, from, to Stage) bool {
	switch {
	case from == StageClosed:
		return a.Can(authz.SectionClosure, authz.ActionReopen)
	case to == StageClosed:
		return a.Can(authz.SectionClosure, authz.ActionApprove)
	}
	return a.Can(authz.SectionCases, authz.ActionWrite)
}
