// Package directory holds agencies, users, memberships and API tokens in the hub, and signs people in.
package directory

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
)

// Agency kinds.
const (
	KindPolice        = "police"
	KindSocialWelfare = "social_welfare"
	KindEmbassy       = "embassy"
	KindNGO           = "ngo"
)

// Agency is a police force, social-welfare office, embassy or NGO.
type Agency struct {
	ID                string
	Slug              string
	NameEN            string
	NameTH            string
	NameKM            string
	Kind              string
	Country           *string // store country; nil for embassies and NGOs
	WorksIn           *string
	ServesNationality *string // the first of ServesNationalities, for code that reads one
	// ServesNationalities are the nationalities an embassy serves; empty for other agencies.
	ServesNationalities Nationalities
	CreatedAt           time.Time
	Version             int
}

// AdminCountry is the country whose country admin runs the agency: its store country, else (an
// embassy or NGO) the country that hosts it; "" when neither is known.
func (a Agency) AdminCountry() string {
	if a.Country != nil {
		return *a.Country
	}
	if a.WorksIn != nil {
		return *a.WorksIn
	}
	return ""
}

// Name is the agency's name in a language.
func (a Agency) Name(lang string) string {
	switch lang {
	case "th":
		return a.NameTH
	case "km":
		return a.NameKM
	}
	return a.NameEN
}

// User is a person who signs in.
type User struct {
	ID           string
	Email        string
	Name         string
	PasswordHash string
	Locale       string
	BuddhistEra  bool
	DisabledAt   *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int
}

// Membership is one role a user holds in one agency.
type Membership struct {
	ID        string
	UserID    string
	AgencyID  string
	Role      string
	CreatedAt time.Time
}

// Errors of the directory.
var (
	ErrBadCredentials = errors.New("directory: wrong email or password")
	ErrThrottled      = errors.New("directory: too many failed sign-ins")
	ErrNotFound       = fmt.Errorf("directory: %w", authz.ErrNotFound)
	ErrInvalid        = errors.New("directory: invalid")
)

// Service is the directory's API.
type Service struct {
	db     *gorm.DB
	policy *authz.Policy
	now    func() time.Time
	params *passwordParams
}

// New returns a directory service over the hub database.
func New(db *gorm.DB, policy *authz.Policy) *Service {
	return &Service{db: db, policy: policy, now: time.Now, params: defaultPasswordParams}
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// Actor loads who acts: the user, their roles in agencyID (or in their first agency when agencyID is
// empty), the agency's kind and its store country.
func (s *Service) Actor(ctx context.Context, userID, agencyID string) (*authz.Actor, error) {
	if agencyID != "" {
		return s.agencyActor(ctx, userID, agencyID)
	}
	var u User
	if err := s.db.WithContext(ctx).Where("id = ? AND disabled_at IS NULL", userID).Take(&u).Error; err != nil {
		return nil, notFound(err)
	}
	var ms []Membership
	q := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("created_at, role")
	if agencyID != "" {
		q = q.Where("agency_id = ?", agencyID)
	}
	if err := q.Find(&ms).Error; err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, ErrNotFound
	}
	var ag Agency
	if err := s.db.WithContext(ctx).Where("id = ?", ms[0].AgencyID).Take(&ag).Error; err != nil {
		return nil, notFound(err)
	}
	a := &authz.Actor{
		UserID: u.ID, Email: u.Email, Name: u.Name,
		AgencyID: ag.ID, AgencySlug: ag.Slug, AgencyKind: ag.Kind, Policy: s.policy,
	}
	if ag.Country != nil {
		a.Country = *ag.Country
	}
	for _, m := range ms {
		if m.AgencyID == ag.ID {
			a.Roles = append(a.Roles, authz.Role(m.Role))
		}
	}
	return a, nil
}

// User returns a user by id.
func (s *Service) User(ctx context.Context, id string) (*User, error) {
	var u User
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&u).Error; err != nil {
		return nil, notFound(err)
	}
	return &u, nil
}

// Agency returns an agency by id.
func (s *Service) Agency(ctx context.Context, id string) (*Agency, error) {
	var a Agency
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&a).Error; err != nil {
		return nil, notFound(err)
	}
	return &a, nil
}

// AgencyBySlug returns an agency by slug.
func (s *Service) AgencyBySlug(ctx context.Context, slug string) (*Agency, error) {
	var a Agency
	if err := s.db.WithContext(ctx).Where("slug = ?", slug).Take(&a).Error; err != nil {
		return nil, notFound(err)
	}
	return &a, nil
}

// SetPreferences stores the actor's language and Buddhist-era choice.
func (s *Service) SetPreferences(ctx context.Context, a *authz.Actor, locale string, buddhistEra bool) error {
	switch locale {
	case "", "en", "th", "km":
	default:
		return ErrInvalid
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ?", a.UserID).
			Updates(map[string]any{"locale": locale, "buddhist_era": buddhistEra, "updated_at": s.now(), "version": gorm.Expr("version + 1")})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: a.UserID, ActorAgencyID: a.AgencyID,
			Action: audit.UserPreferences, Entity: "user", EntityID: a.UserID,
			Detail: map[string]any{"locale": locale, "buddhist_era": buddhistEra}})
	})
}

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}
