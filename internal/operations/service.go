package operations

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/directory"
	"homeward/internal/store"
)

// ErrNotFound is an operation that is not in the actor's store, or an actor without the section.
var ErrNotFound = fmt.Errorf("operations: %w", authz.ErrNotFound)

// Service records and shows rescue operations.
type Service struct {
	stores *store.Set
	hub    *gorm.DB // read-only: the lead agencies of the directory
	now    func() time.Time
}

// New returns the operations service over the stores; hub is the directory's database, read for
// lead agencies only.
func New(stores *store.Set, hub *gorm.DB) *Service {
	return &Service{stores: stores, hub: hub, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// Create records an operation in the actor's store and returns it as a view (no persons yet).
// Invalid input is *problem.Invalid with message keys per field; the lead agency must be a police or
// social-welfare agency of the store's country.
func (s *Service) Create(ctx context.Context, a *authz.Actor, in Input) (*View, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionOperations, authz.ActionWrite)
	if err != nil {
		return nil, err
	}
	now := s.now()
	date, inv := in.clean(now)
	lead, err := s.resolveLead(ctx, scope.Country, in)
	if err != nil {
		return nil, err
	}
	if lead == nil {
		inv.Add("lead_agency_id", leadErrorKey(in))
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	op := &Operation{ID: uuid.Must(uuid.NewV7()).String(), Name: in.Name, OperationDate: date, LeadAgencyID: lead.ID,
		Province: in.Province, District: in.District, Compound: in.Compound, Alias: in.Alias,
		Latitude: in.Latitude, Longitude: in.Longitude, CreatedBy: &a.UserID, CreatedAt: now, UpdatedAt: now, Version: 1}
	if op.NotesEnc, err = st.Keys.SealString(notesField, op.ID, in.Notes); err != nil {
		return nil, fmt.Errorf("seal operation notes: %w", err)
	}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(op).Error; err != nil {
			return fmt.Errorf("insert operation: %w", err)
		}
		return audit.Append(tx, now, audit.ByActor(a, audit.OperationCreate, "operation", op.ID, map[string]any{
			"lead_agency_id": op.LeadAgencyID, "operation_date": in.OperationDate,
			"coordinates": op.Latitude != nil, "notes": len(op.NotesEnc) > 0}))
	})
	if err != nil {
		return nil, err
	}
	return &View{Operation: *op, Notes: in.Notes, LeadAgency: lead}, nil
}

// LeadAgencies lists the agencies that may lead an operation in the actor's store: its country's
// police and social-welfare agencies, by slug.
func (s *Service) LeadAgencies(ctx context.Context, a *authz.Actor) ([]directory.Agency, error) {
	_, scope, err := s.stores.Bind(a, authz.SectionOperations, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	return s.leadAgencies(ctx, scope.Country)
}

// leadKinds are the kinds of agency that lead rescue operations.
var leadKinds = []string{directory.KindPolice, directory.KindSocialWelfare}

func (s *Service) leadAgencies(ctx context.Context, country string) ([]directory.Agency, error) {
	var out []directory.Agency
	err := s.hub.WithContext(ctx).Table("agencies").Where("country = ? AND kind IN ?", country, leadKinds).
		Order("slug").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("lead agencies: %w", err)
	}
	return out, nil
}

// resolveLead finds the lead agency named by in among the country's lead agencies; nil when none.
func (s *Service) resolveLead(ctx context.Context, country string, in Input) (*directory.Agency, error) {
	if in.LeadAgencyID == "" && in.LeadAgencySlug == "" {
		return nil, nil
	}
	all, err := s.leadAgencies(ctx, country)
	if err != nil {
		return nil, err
	}
	for i, ag := range all {
		if (in.LeadAgencyID != "" && ag.ID == in.LeadAgencyID) || (in.LeadAgencyID == "" && ag.Slug == in.LeadAgencySlug) {
			return &all[i], nil
		}
	}
	return nil, nil
}

func leadErrorKey(in Input) string {
	if in.LeadAgencyID == "" && in.LeadAgencySlug == "" {
		return "form.error.required"
	}
	return "operation.error.lead_agency"
}

// agencyMap indexes the country's lead agencies by id, for the list and the view.
func (s *Service) agencyMap(ctx context.Context, country string) (map[string]*directory.Agency, error) {
	all, err := s.leadAgencies(ctx, country)
	if err != nil {
		return nil, err
	}
	m := make(map[string]*directory.Agency, len(all))
	for i := range all {
		m[all[i].ID] = &all[i]
	}
	return m, nil
}
