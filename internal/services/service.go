package services

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/directory"
	"homeward/internal/exchange"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// ErrNotFound is a service the actor may not see, or that does not exist.
var ErrNotFound = fmt.Errorf("services: %w", authz.ErrNotFound)

// Service records the services of cases and refers persons to NGOs.
type Service struct {
	stores *store.Set
	dir    *directory.Service
	ex     *exchange.Service
	now    func() time.Time
}

// New returns the services service over the stores, the directory (provider agencies) and the
// exchange (referrals).
func New(stores *store.Set, dir *directory.Service, ex *exchange.Service) *Service {
	return &Service{stores: stores, dir: dir, ex: ex,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

const headSQL = `SELECT c.reference, p.minor, c.stage FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.id = ?`

// CaseHead reads the head of a case already found within the scope.
func CaseHead(tx *gorm.DB, caseID string) (Head, error) {
	var h Head
	if err := tx.Raw(headSQL, caseID).Scan(&h).Error; err != nil {
		return Head{}, fmt.Errorf("case head: %w", err)
	}
	return h, nil
}

// List returns the services of a case, opened, and audits the read.
func (s *Service) List(ctx context.Context, a *authz.Actor, caseID string) (*List, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionServices, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	// The referrals' packets as the exchange has them now (ForCase applies the NGOs' waiting
	// replies to this store first).
	live := map[string]exchange.Status{}
	if s.ex != nil && a.Can(authz.SectionPackets, authz.ActionRead) {
		ps, err := s.ex.ForCase(ctx, a, caseID)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			live[p.ID] = p.Status
		}
	}
	var out *List
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := cases.Find(tx, scope, caseID)
		if err != nil {
			return err
		}
		var rows []row
		if err := tx.Where("case_id = ?", c.ID).Order("created_at, id").Find(&rows).Error; err != nil {
			return fmt.Errorf("list services: %w", err)
		}
		out = &List{CaseID: c.ID, Items: make([]Record, 0, len(rows))}
		for i := range rows {
			r, err := s.open(ctx, st, &rows[i])
			if err != nil {
				return err
			}
			if now, ok := live[r.ReferralID]; ok {
				r.ReferralStatus = liveStatus(r.ReferralStatus, now)
			}
			out.Items = append(out.Items, *r)
		}
		if out.Head, err = CaseHead(tx, c.ID); err != nil {
			return err
		}
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.ServicesRead, "case", c.ID, map[string]any{"count": len(rows)}))
	})
	return out, err
}

// Create records a new service of a case. Referrals to NGOs go through Refer instead, so that the
// NGO learns of them.
func (s *Service) Create(ctx context.Context, a *authz.Actor, caseID string, in Input) (*Record, error) {
	var out *Record
	err := cases.InCase(ctx, s.stores, a, authz.SectionServices, authz.ActionWrite, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		in.Version = 0
		start, end, verr := in.clean(s.now())
		provider, perr := s.provider(ctx, a, in.ProviderKind, in.ProviderAgency)
		if err := joinInvalid(verr, perr); err != nil {
			return err
		}
		now := s.now()
		r := row{ID: uuid.Must(uuid.NewV7()).String(), CaseID: c.ID, Kind: in.Kind, Status: in.Status,
			ProviderKind: in.ProviderKind, ProviderAgencyID: provider, StartDate: start, EndDate: end,
			CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now, Version: 1}
		var err error
		if r.OutcomeEnc, err = st.Keys.SealString(sealedOutcome, r.ID, in.Outcome); err != nil {
			return err
		}
		if err := tx.Create(&r).Error; err != nil {
			return fmt.Errorf("create service: %w", err)
		}
		if out, err = s.open(ctx, st, &r); err != nil {
			return err
		}
		return audit.Append(tx, now, audit.ByActor(a, audit.ServiceCreate, "case", c.ID,
			map[string]any{"service": r.ID, "kind": r.Kind, "status": r.Status, "provider_kind": r.ProviderKind}))
	})
	return out, err
}

// Update edits a service at its version: status, dates and outcome, and the provider of a service
// that did not come from a referral (a referral's provider is its NGO). A stale version is
// problem.ErrConflict.
func (s *Service) Update(ctx context.Context, a *authz.Actor, caseID, serviceID string, in Input) (*Record, error) {
	var out *Record
	err := cases.InCase(ctx, s.stores, a, authz.SectionServices, authz.ActionWrite, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		cur, err := load(tx, c.ID, serviceID)
		if err != nil {
			return err
		}
		if cur.ReferralPacketID != nil { // the kind and provider of a referral stay those sent
			in.Kind, in.ProviderKind = cur.Kind, cur.ProviderKind
			in.ProviderAgency = "-"
		}
		start, end, verr := in.clean(s.now())
		provider := cur.ProviderAgencyID
		var perr error
		if cur.ReferralPacketID == nil {
			provider, perr = s.provider(ctx, a, in.ProviderKind, in.ProviderAgency)
		}
		if err := joinInvalid(verr, perr); err != nil {
			return err
		}
		if in.Version == 0 {
			return problem.ErrConflict
		}
		now := s.now()
		enc, err := st.Keys.SealString(sealedOutcome, cur.ID, in.Outcome)
		if err != nil {
			return err
		}
		res := tx.Model(&row{}).Where("id = ? AND version = ?", cur.ID, in.Version).
			Select("kind", "status", "provider_kind", "provider_agency_id", "start_date", "end_date", "outcome_enc",
				"updated_at", "version").
			Updates(map[string]any{"kind": in.Kind, "status": in.Status, "provider_kind": in.ProviderKind,
				"provider_agency_id": provider, "start_date": start, "end_date": end, "outcome_enc": enc,
				"updated_at": now, "version": gorm.Expr("version + 1")})
		if res.Error != nil {
			return fmt.Errorf("update service: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return problem.ErrConflict
		}
		if cur, err = load(tx, c.ID, cur.ID); err != nil {
			return err
		}
		if out, err = s.open(ctx, st, cur); err != nil {
			return err
		}
		return audit.Append(tx, now, audit.ByActor(a, audit.ServiceUpdate, "case", c.ID,
			map[string]any{"service": cur.ID, "status": cur.Status, "version": cur.Version}))
	})
	return out, err
}

// provider checks the provider agency of a service: another agency of the actor's store, or an
// NGO; it returns the agency's id (nil for the owner agency itself).
func (s *Service) provider(ctx context.Context, a *authz.Actor, kind, slug string) (*string, error) {
	inv := &problem.Invalid{}
	switch kind {
	case "own":
		return nil, nil
	case "agency", "ngo":
	default:
		return nil, nil // reported by clean
	}
	if slug == "" {
		return nil, nil // reported by clean
	}
	ag, err := s.dir.AgencyBySlug(ctx, slug)
	switch {
	case errors.Is(err, directory.ErrNotFound):
		inv.Add("provider_agency", "services.error.provider_unknown")
	case err != nil:
		return nil, err
	case kind == "ngo" && ag.Kind != "ngo":
		inv.Add("provider_agency", "services.error.recipient_not_ngo")
	case kind == "agency" && (ag.Country == nil || *ag.Country != a.Country || ag.ID == a.AgencyID):
		inv.Add("provider_agency", "services.error.provider_not_store")
	default:
		return &ag.ID, nil
	}
	return nil, inv
}

// joinInvalid merges the field errors of two validations; any other error wins.
func joinInvalid(errs ...error) error {
	out := &problem.Invalid{}
	for _, err := range errs {
		if err == nil {
			continue
		}
		inv, ok := problem.AsInvalid(err)
		if !ok {
			return err
		}
		for f, k := range inv.Fields {
			out.Add(f, k)
		}
	}
	return out.Err()
}

// load reads a service of a case, or ErrNotFound.
func load(tx *gorm.DB, caseID, id string) (*row, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, ErrNotFound
	}
	var r row
	err := tx.Where("id = ? AND case_id = ?", id, caseID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read service: %w", err)
	}
	return &r, nil
}

// open turns a row into a Record: the outcome opened, the provider's slug looked up.
func (s *Service) open(ctx context.Context, st *store.Store, r *row) (*Record, error) {
	outcome, err := st.Keys.OpenString(sealedOutcome, r.ID, r.OutcomeEnc)
	if err != nil {
		return nil, fmt.Errorf("open service outcome: %w", err)
	}
	out := &Record{ID: r.ID, CaseID: r.CaseID, Kind: r.Kind, Status: r.Status, ProviderKind: r.ProviderKind,
		StartDate: r.StartDate, EndDate: r.EndDate, Outcome: outcome, ReferralStatus: r.ReferralStatus,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version}
	if r.ReferralPacketID != nil {
		out.ReferralID = *r.ReferralPacketID
	}
	if r.ProviderAgencyID != nil {
		out.ProviderAgencyID = *r.ProviderAgencyID
		if ag, err := s.dir.Agency(ctx, *r.ProviderAgencyID); err == nil {
			out.ProviderAgency = ag.Slug
		}
	}
	return out, nil
}

// liveStatus is the referral status to show: what the NGO answered (kept in the store by Apply),
// unless the packet was withdrawn or expired; before an answer, the packet's own status.
func liveStatus(stored string, packet exchange.Status) string {
	switch {
	case packet == exchange.StatusRevoked || packet == exchange.StatusExpired:
		return string(packet)
	case slices.Contains([]string{"accepted", "declined", "in_progress", "completed"}, stored):
		return stored
	}
	return string(packet)
}
