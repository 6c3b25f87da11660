package directory

import (
	"context"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
)

// UserSession is a signed-in browser session a user can list and end; the scs session holds its id.
type UserSession struct {
	ID         string
	UserID     string
	AgencyID   *string
	CreatedAt  time.Time
	LastSeenAt time.Time
	EndedAt    *time.Time
	UserAgent  string
	Addr       string
}

// EndSessions ends every live session of the user but exceptID ("" for none): they are dead at
// once. It is audited in the hub as done by actorUserID in actorAgencyID, and returns how many ended.
func (s *Service) EndSessions(ctx context.Context, actorUserID, actorAgencyID, userID, exceptID string) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Model(&UserSession{}).Where("user_id = ? AND ended_at IS NULL", userID)
		if exceptID != "" {
			q = q.Where("id <> ?", exceptID)
		}
		res := q.Update("ended_at", s.now())
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: actorUserID, ActorAgencyID: actorAgencyID,
			Action: audit.SessionEndAll, Entity: "user", EntityID: userID, Detail: map[string]any{"ended": n, "kept_current": exceptID != ""}})
	})
	return n, err
}

// ResetFactors removes every second factor of the user (TOTP secret, recovery codes, passkeys) and
// ends their sessions: a user of a role that requires MFA must enrol a factor again before
// anything else. Audited in the hub as done by actorUserID in actorAgencyID.
func (s *Service) ResetFactors(ctx context.Context, actorUserID, actorAgencyID, userID string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		counts := map[string]int64{}
		for _, table := range []string{"mfa_totp", "mfa_recovery_codes", "webauthn_credentials"} {
			res := tx.Exec("DELETE FROM "+table+" WHERE user_id = ?", userID)
			if res.Error != nil {
				return res.Error
			}
			counts[table] = res.RowsAffected
		}
		if err := tx.Model(&UserSession{}).Where("user_id = ? AND ended_at IS NULL", userID).Update("ended_at", s.now()).Error; err != nil {
			return err
		}
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: actorUserID, ActorAgencyID: actorAgencyID,
			Action: audit.MFAReset, Entity: "user", EntityID: userID, Detail: counts})
	})
}
