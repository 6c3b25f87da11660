package directory

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"
)

// Invite is a new user as an admin (or the command line) enters them: one role at one agency.
type Invite struct {
	Email, Name, AgencyID, Role string
}

// Invited is the outcome of an invitation: the user, and the one-time enrolment link's token (shown once).
type Invited struct {
	User      User
	Token     string
	ExpiresAt time.Time
}

// AdminPatch changes a user's name or whether they are disabled; Version is the version read.
type AdminPatch struct {
	Name     *string
	Disabled *bool
	Version  int
}

// cleanText normalises typed text: NFC, trimmed.
func cleanText(s string) string { return strings.TrimSpace(norm.NFC.String(s)) }

// checkEmail returns the email lower-cased, or an invalid-field error.
func checkEmail(email string, inv *problem.Invalid) string {
	email = strings.ToLower(strings.TrimSpace(email))
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		inv.Add("email", "admin.error.email")
	}
	return email
}

// checkRole refuses an unknown role, or one that an agency of that kind does not hold: embassies
// have embassy officers, NGOs NGO workers, and police and welfare agencies every other role.
func checkRole(role string, ag *Agency, inv *problem.Invalid) {
	known := false
	for _, r := range authz.MembershipRoles {
		known = known || string(r) == role
	}
	if !known {
		inv.Add("role", "admin.error.role")
		return
	}
	if ag == nil {
		return
	}
	fits := map[string]bool{KindEmbassy: role == string(authz.RoleEmbassyOfficer), KindNGO: role == string(authz.RoleNGOWorker)}
	ok, special := fits[ag.Kind]
	if !special {
		ok = role != string(authz.RoleEmbassyOfficer) && role != string(authz.RoleNGOWorker)
	}
	if !ok {
		inv.Add("role", "admin.error.role_for_kind")
	}
}

// countryAgency returns the agency if the admin of cc runs it, else nil.
func countryAgency(tx *gorm.DB, cc, id string) (*Agency, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, nil
	}
	var ag Agency
	err := tx.Table("agencies a").Where("a.id = ?", id).Where(agencyInCountry, cc).Take(&ag).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &ag, err
}

// AdminInvite creates a user with one role at an agency of the actor's country, and a one-time
// enrolment link. The user has no password until they enrol.
func (s *Service) AdminInvite(ctx context.Context, a *authz.Actor, in Invite) (*Invited, error) {
	cc, err := adminCountry(a, authz.ActionWrite)
	if err != nil {
		return nil, err
	}
	u, err := s.invite(ctx, a.UserID, a.AgencyID, cc, in, false)
	if err != nil {
		return nil, err
	}
	return s.withLink(ctx, a.UserID, a.AgencyID, u)
}

// InviteFromCommandLine is `homeward user invite`: it creates the user if new, gives them the role
// at the agency (by slug), and returns a new one-time enrolment link. Audited as done by no user.
func (s *Service) InviteFromCommandLine(ctx context.Context, email, name, agencySlug, role string) (*Invited, error) {
	ag, err := s.AgencyBySlug(ctx, agencySlug)
	if err != nil {
		return nil, fmt.Errorf("agency %q: %w", agencySlug, err)
	}
	if name == "" {
		name = strings.ToLower(strings.TrimSpace(email))
	}
	u, err := s.invite(ctx, "", "", ag.AdminCountry(), Invite{Email: email, Name: name, AgencyID: ag.ID, Role: role}, true)
	if err != nil {
		return nil, err
	}
	return s.withLink(ctx, "", "", u)
}

func (s *Service) withLink(ctx context.Context, actorUserID, actorAgencyID string, u *User) (*Invited, error) {
	token, exp, err := s.IssueEnrolment(ctx, actorUserID, actorAgencyID, u.ID)
	if err != nil {
		return nil, err
	}
	return &Invited{User: *u, Token: token, ExpiresAt: exp}, nil
}

// invite creates the user and the membership in one transaction; existing (command line only) lets
// an existing user be given the role, where an admin's form refuses a known email.
func (s *Service) invite(ctx context.Context, actorUserID, actorAgencyID, cc string, in Invite, existing bool) (*User, error) {
	inv := &problem.Invalid{}
	email := checkEmail(in.Email, inv)
	name := cleanText(in.Name)
	if name == "" || len([]rune(name)) > 200 {
		inv.Add("name", "admin.error.name")
	}
	now := s.now()
	var u User
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ag, err := countryAgency(tx, cc, in.AgencyID)
		if err != nil {
			return err
		}
		if ag == nil {
			inv.Add("agency_id", "admin.error.agency")
		}
		checkRole(in.Role, ag, inv)
		err = tx.Where("email = ?", email).Take(&u).Error
		found := err == nil
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		if found && !existing {
			inv.Add("email", "admin.error.email_taken")
		}
		if err := inv.Err(); err != nil {
			return err
		}
		if !found {
			u = User{ID: uuid.Must(uuid.NewV7()).String(), Email: email, Name: name, CreatedAt: now, UpdatedAt: now, Version: 1}
			if err := tx.Create(&u).Error; err != nil {
				return fmt.Errorf("create user: %w", err)
			}
			if actorUserID != "" {
				if err := tx.Model(&User{}).Where("id = ?", u.ID).Update("invited_by", actorUserID).Error; err != nil {
					return err
				}
			}
			if err := audit.Append(tx, now, audit.Entry{ActorUserID: actorUserID, ActorAgencyID: actorAgencyID, Action: audit.UserInvite,
				Entity: "user", EntityID: u.ID, Detail: map[string]string{"email": email, "agency_id": ag.ID, "role": in.Role}}); err != nil {
				return err
			}
		}
		return s.addMembership(tx, actorUserID, actorAgencyID, u.ID, ag, in.Role, found)
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) { // the same email invited at the same moment
		return nil, &problem.Invalid{Fields: map[string]string{"email": "admin.error.email_taken"}}
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// addMembership gives the user role at ag, audited; quiet makes an existing membership no error.
func (s *Service) addMembership(tx *gorm.DB, actorUserID, actorAgencyID, userID string, ag *Agency, role string, quiet bool) error {
	var n int64
	if err := tx.Model(&Membership{}).Where("user_id = ? AND agency_id = ? AND role = ?", userID, ag.ID, role).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		if quiet {
			return nil
		}
		return &problem.Invalid{Fields: map[string]string{"role": "admin.error.role_held"}}
	}
	m := &Membership{ID: uuid.Must(uuid.NewV7()).String(), UserID: userID, AgencyID: ag.ID, Role: role, CreatedAt: s.now()}
	if err := tx.Create(m).Error; err != nil {
		return fmt.Errorf("add membership: %w", err)
	}
	return audit.Append(tx, s.now(), audit.Entry{ActorUserID: actorUserID, ActorAgencyID: actorAgencyID, Action: audit.MembershipAdd,
		Entity: "user", EntityID: userID, Detail: map[string]string{"membership_id": m.ID, "agency_id": ag.ID, "agency": ag.Slug, "role": role}})
}

// AdminAddMembership gives a user of the actor's country a role at one of its agencies.
func (s *Service) AdminAddMembership(ctx context.Context, a *authz.Actor, userID, agencyID, role string) error {
	return s.adminChange(ctx, a, userID, false, func(tx *gorm.DB, cc string, _ *AdminUser) error {
		inv := &problem.Invalid{}
		ag, err := countryAgency(tx, cc, agencyID)
		if err != nil {
			return err
		}
		if ag == nil {
			inv.Add("agency_id", "admin.error.agency")
		}
		checkRole(role, ag, inv)
		if err := inv.Err(); err != nil {
			return err
		}
		return s.addMembership(tx, a.UserID, a.AgencyID, userID, ag, role, false)
	})
}

// AdminRemoveMembership removes a membership at an agency of the actor's country and returns whose
// it was. The user's last membership stays (disable the user instead): a user without one would
// belong to no country.
func (s *Service) AdminRemoveMembership(ctx context.Context, a *authz.Actor, membershipID string) (string, error) {
	cc, err := adminCountry(a, authz.ActionWrite)
	if err != nil {
		return "", err
	}
	if _, err := uuid.Parse(membershipID); err != nil {
		return "", ErrNotFound
	}
	var m struct{ UserID, AgencyID, Slug, Role string }
	err = s.db.WithContext(ctx).Table("memberships m").Select("m.user_id, m.agency_id, a.slug, m.role").
		Joins("JOIN agencies a ON a.id = m.agency_id").Where("m.id = ?", membershipID).Where(agencyInCountry, cc).Take(&m).Error
	if err != nil {
		return "", notFound(err)
	}
	return m.UserID, s.adminChange(ctx, a, m.UserID, false, func(tx *gorm.DB, _ string, u *AdminUser) error {
		if len(u.Memberships) <= 1 {
			return &problem.Invalid{Fields: map[string]string{"membership": "admin.error.last_membership"}}
		}
		res := tx.Where("id = ?", membershipID).Delete(&Membership{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: a.UserID, ActorAgencyID: a.AgencyID, Action: audit.MembershipDrop,
			Entity: "user", EntityID: m.UserID, Detail: map[string]string{"membership_id": membershipID, "agency_id": m.AgencyID, "agency": m.Slug, "role": m.Role}})
	})
}

// adminChange runs change on a user of the actor's country in one transaction, with the user row
// locked. It refuses the admin's own account, and (sole) a user who also belongs to another country.
func (s *Service) adminChange(ctx context.Context, a *authz.Actor, userID string, sole bool, change func(tx *gorm.DB, cc string, u *AdminUser) error) error {
	cc, err := adminCountry(a, authz.ActionWrite)
	if err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := s.adminUser(tx, a, cc, userID)
		if err != nil {
			return err
		}
		if err := tx.Exec("SELECT 1 FROM users WHERE id = ? FOR UPDATE", userID).Error; err != nil {
			return err
		}
		if u.Self || (sole && !u.Sole) {
			return problem.ErrForbidden
		}
		return change(tx, cc, u)
	})
}
