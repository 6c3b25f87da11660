package directory

import (
	"context"
	"errors"

	"github.com/alexedwards/argon2id"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/passwords"
	"homeward/internal/problem"
)

// checkPassword applies the password rules (internal/passwords) for user u, as invalid input on
// field.
func checkPassword(field, password string, u *User) error {
	var r passwords.Refusal
	if err := passwords.Check(password, u.Email, u.Name); errors.As(err, &r) {
		inv := &problem.Invalid{}
		inv.Add(field, string(r))
		return inv
	}
	return nil
}

// Enrol sets the password of the user an enrolment token is good for, and uses the token up, in one
// transaction audited as "enrolment.complete". An unknown, forged, expired, used or voided token
// is ErrNotFound; a refused password is *problem.Invalid on "password" (the token stays good).
func (s *Service) Enrol(ctx context.Context, token, password string) (*User, error) {
	u, e, err := s.EnrolmentUser(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := checkPassword("password", password, u); err != nil {
		return nil, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.useEnrolment(tx, e.ID); err != nil {
			return err
		}
		if err := setPassword(tx, u.ID, hash, s); err != nil {
			return err
		}
		return audit.Append(tx, now, audit.Entry{ActorUserID: u.ID, Action: audit.EnrolmentComplete, Entity: "user", EntityID: u.ID,
			Detail: map[string]string{"enrolment_id": e.ID}})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ChangePassword replaces the actor's password after checking the current one, and ends every
// other session of theirs (all but keepSessionID), in one transaction audited as "password.change".
// A wrong current password is *problem.Invalid on "current_password" and counts as a failed
// sign-in for throttling; a refused new one is *problem.Invalid on "password".
func (s *Service) ChangePassword(ctx context.Context, a *authz.Actor, current, password, keepSessionID string) error {
	var u User
	if err := s.db.WithContext(ctx).Where("id = ? AND disabled_at IS NULL", a.UserID).Take(&u).Error; err != nil {
		return notFound(err)
	}
	keys := []string{"user:" + u.Email}
	if err := s.checkThrottle(ctx, keys); err != nil {
		if errors.Is(err, ErrThrottled) {
			inv := &problem.Invalid{}
			inv.Add("current_password", "login.throttled")
			return inv
		}
		return err
	}
	if ok, err := argon2id.ComparePasswordAndHash(current, u.PasswordHash); err != nil || !ok {
		if ferr := s.recordFailure(ctx, keys, u.Email, ""); ferr != nil {
			return ferr
		}
		inv := &problem.Invalid{}
		inv.Add("current_password", "password.current_wrong")
		return inv
	}
	if err := checkPassword("password", password, &u); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := setPassword(tx, u.ID, hash, s); err != nil {
			return err
		}
		q := tx.Model(&UserSession{}).Where("user_id = ? AND ended_at IS NULL", u.ID)
		if keepSessionID != "" {
			q = q.Where("id <> ?", keepSessionID)
		}
		res := q.Update("ended_at", now)
		if res.Error != nil {
			return res.Error
		}
		return audit.Append(tx, now, audit.Entry{ActorUserID: a.UserID, ActorAgencyID: a.AgencyID, Action: audit.PasswordChange,
			Entity: "user", EntityID: u.ID, Detail: map[string]any{"sessions_ended": res.RowsAffected}})
	})
}

func setPassword(tx *gorm.DB, userID, hash string, s *Service) error {
	res := tx.Model(&User{}).Where("id = ? AND disabled_at IS NULL", userID).Updates(map[string]any{
		"password_hash": hash, "password_changed_at": s.now(), "updated_at": s.now(), "version": gorm.Expr("version + 1")})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrNotFound
	}
	return nil
}
