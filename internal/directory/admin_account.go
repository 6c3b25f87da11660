package directory

import (
	"context"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"
)

// AdminUpdate renames a user of the actor's country or disables or enables them, if the version
// read is still current (else problem.ErrConflict). Disabling is the protective action any admin
// of the user's countries may take; renaming and enabling need the user to be of that country only.
func (s *Service) AdminUpdate(ctx context.Context, a *authz.Actor, userID string, p AdminPatch) (*User, error) {
	inv := &problem.Invalid{}
	var name string
	if p.Name != nil {
		if name = cleanText(*p.Name); name == "" || len([]rune(name)) > 200 {
			inv.Add("name", "admin.error.name")
		}
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	sole := p.Name != nil || (p.Disabled != nil && !*p.Disabled)
	var out User
	err := s.adminChange(ctx, a, userID, sole, func(tx *gorm.DB, _ string, u *AdminUser) error {
		if u.User.Version != p.Version {
			return problem.ErrConflict
		}
		now := s.now()
		changes := map[string]any{"updated_at": now, "version": gorm.Expr("version + 1")}
		detail := map[string]any{}
		if p.Name != nil && name != u.User.Name {
			changes["name"], detail["name"] = name, map[string]string{"from": u.User.Name, "to": name}
		}
		if p.Disabled != nil && *p.Disabled != (u.User.DisabledAt != nil) {
			if *p.Disabled {
				changes["disabled_at"] = now
			} else {
				changes["disabled_at"] = nil
			}
			detail["disabled"] = *p.Disabled
		}
		if len(detail) > 0 {
			res := tx.Model(&User{}).Where("id = ? AND version = ?", userID, p.Version).Updates(changes)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return problem.ErrConflict
			}
			if p.Disabled != nil && *p.Disabled {
				if err := s.killAccess(tx, now, userID, detail); err != nil {
					return err
				}
			}
			if err := audit.Append(tx, now, audit.Entry{ActorUserID: a.UserID, ActorAgencyID: a.AgencyID,
				Action: audit.UserUpdate, Entity: "user", EntityID: userID, Detail: detail}); err != nil {
				return err
			}
		}
		return tx.Where("id = ?", userID).Take(&out).Error
	})
	if err != nil {
		return nil, err
	}
	out.PasswordHash = ""
	return &out, nil
}

// AdminSetDisabled disables a user of the actor's country (their sessions end and their API tokens
// are revoked at once), or enables them again. Doing what is already done changes nothing.
func (s *Service) AdminSetDisabled(ctx context.Context, a *authz.Actor, userID string, disabled bool) error {
	return s.adminChange(ctx, a, userID, !disabled, func(tx *gorm.DB, _ string, u *AdminUser) error {
		if disabled == (u.User.DisabledAt != nil) {
			return nil
		}
		now := s.now()
		var at *time.Time
		action := audit.UserEnable
		detail := map[string]any{}
		if disabled {
			at, action = &now, audit.UserDisable
		}
		res := tx.Model(&User{}).Where("id = ?", userID).
			Updates(map[string]any{"disabled_at": at, "updated_at": now, "version": gorm.Expr("version + 1")})
		if res.Error != nil {
			return res.Error
		}
		if disabled {
			if err := s.killAccess(tx, now, userID, detail); err != nil {
				return err
			}
		}
		return audit.Append(tx, now, audit.Entry{ActorUserID: a.UserID, ActorAgencyID: a.AgencyID,
			Action: action, Entity: "user", EntityID: userID, Detail: detail})
	})
}

// killAccess ends the user's sessions and revokes their API tokens inside tx, noting the counts.
func (s *Service) killAccess(tx *gorm.DB, now time.Time, userID string, detail map[string]any) error {
	res := tx.Model(&UserSession{}).Where("user_id = ? AND ended_at IS NULL", userID).Update("ended_at", now)
	if res.Error != nil {
		return res.Error
	}
	detail["sessions_ended"] = res.RowsAffected
	res = tx.Model(&APIToken{}).Where("user_id = ? AND revoked_at IS NULL", userID).Update("revoked_at", now)
	if res.Error != nil {
		return res.Error
	}
	detail["tokens_revoked"] = res.RowsAffected
	return nil
}

// AdminEndSessions signs a user of the actor's country out everywhere and returns how many sessions
// ended; audited in the same transaction.
func (s *Service) AdminEndSessions(ctx context.Context, a *authz.Actor, userID string) (int64, error) {
	var n int64
	err := s.adminChange(ctx, a, userID, false, func(tx *gorm.DB, _ string, _ *AdminUser) error {
		res := tx.Model(&UserSession{}).Where("user_id = ? AND ended_at IS NULL", userID).Update("ended_at", s.now())
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: a.UserID, ActorAgencyID: a.AgencyID,
			Action: audit.SessionEndAll, Entity: "user", EntityID: userID, Detail: map[string]any{"ended": n}})
	})
	return n, err
}

// AdminRevokeTokens revokes every API token of a user of the actor's country and returns how many.
func (s *Service) AdminRevokeTokens(ctx context.Context, a *authz.Actor, userID string) (int64, error) {
	var n int64
	err := s.adminChange(ctx, a, userID, false, func(tx *gorm.DB, _ string, _ *AdminUser) error {
		res := tx.Model(&APIToken{}).Where("user_id = ? AND revoked_at IS NULL", userID).Update("revoked_at", s.now())
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: a.UserID, ActorAgencyID: a.AgencyID,
			Action: audit.TokenRevokeAll, Entity: "user", EntityID: userID, Detail: map[string]any{"revoked": n}})
	})
	return n, err
}

// AdminIssueEnrolment gives a user of the actor's country only a new one-time enrolment link
// (voiding the older ones), audited by IssueEnrolment. It returns the token once.
func (s *Service) AdminIssueEnrolment(ctx context.Context, a *authz.Actor, userID string) (string, time.Time, error) {
	if err := s.adminChange(ctx, a, userID, true, func(*gorm.DB, string, *AdminUser) error { return nil }); err != nil {
		return "", time.Time{}, err
	}
	return s.IssueEnrolment(ctx, a.UserID, a.AgencyID, userID)
}

// AdminResetFactors removes the second factors of a user of the actor's country only (they must
// enrol one again), audited by ResetFactors.
func (s *Service) AdminResetFactors(ctx context.Context, a *authz.Actor, userID string) error {
	if err := s.adminChange(ctx, a, userID, true, func(*gorm.DB, string, *AdminUser) error { return nil }); err != nil {
		return err
	}
	return s.ResetFactors(ctx, a.UserID, a.AgencyID, userID)
}
