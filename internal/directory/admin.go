package directory

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
)

// NewAgency is the input for CreateAgency.
type NewAgency struct {
	Slug, NameEN, NameTH, NameKM, Kind  string
	Country, WorksIn, ServesNationality string
}

// CreateAgency adds an agency, audited as done by actorUserID ("" for the system).
func (s *Service) CreateAgency(ctx context.Context, actorUserID string, in NewAgency) (*Agency, error) {
	a := &Agency{ID: uuid.Must(uuid.NewV7()).String(), Slug: in.Slug, NameEN: in.NameEN, NameTH: in.NameTH, NameKM: in.NameKM,
		Kind: in.Kind, Country: opt(in.Country), WorksIn: opt(in.WorksIn), ServesNationality: opt(in.ServesNationality),
		ServesNationalities: Nationalities{}, CreatedAt: s.now(), Version: 1}
	if in.ServesNationality != "" {
		a.ServesNationalities = Nationalities{in.ServesNationality}
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(a).Error; err != nil {
			return fmt.Errorf("create agency %s: %w", in.Slug, err)
		}
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: actorUserID, Action: audit.AgencyCreate, Entity: "agency", EntityID: a.ID,
			Detail: map[string]string{"slug": a.Slug, "kind": a.Kind}})
	})
	return a, err
}

// CreateUser adds a user with a password and one membership per role in agencyID.
func (s *Service) CreateUser(ctx context.Context, actorUserID, email, name, password, agencyID string, roles ...string) (*User, error) {
	hash, err := argon2Hash(password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	u := &User{ID: uuid.Must(uuid.NewV7()).String(), Email: strings.ToLower(email), Name: name, PasswordHash: hash, CreatedAt: now, UpdatedAt: now, Version: 1}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(u).Error; err != nil {
			return fmt.Errorf("create user %s: %w", email, err)
		}
		for _, r := range roles {
			m := &Membership{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, AgencyID: agencyID, Role: r, CreatedAt: now}
			if err := tx.Create(m).Error; err != nil {
				return fmt.Errorf("add %s as %s: %w", email, r, err)
			}
		}
		return audit.Append(tx, now, audit.Entry{ActorUserID: actorUserID, Action: audit.UserCreate, Entity: "user", EntityID: u.ID,
			Detail: map[string]any{"email": u.Email, "agency_id": agencyID, "roles": roles}})
	})
	return u, err
}

// CountUsers counts users, for "is the hub empty" checks.
func (s *Service) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&User{}).Count(&n).Error
	return n, err
}

// HasDemoUsers reports whether any user of the demo data (email ending in ".demo") exists.
func (s *Service) HasDemoUsers(ctx context.Context) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&User{}).Where("email LIKE ?", "%.demo").Count(&n).Error
	return n > 0, err
}

func argon2Hash(p string) (string, error) { return HashPassword(p) }

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
