package directory

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
)

// seenEvery is how often a live session's last_seen_at is written: at most once a minute.
const seenEvery = time.Minute

// maxUserAgent bounds the stored user agent.
const maxUserAgent = 400

// StartSession records a new signed-in browser session of the user in agencyID and returns its id
// (the scs session keeps it).
func (s *Service) StartSession(ctx context.Context, userID, agencyID, userAgent, addr string) (string, error) {
	if len(userAgent) > maxUserAgent {
		userAgent = userAgent[:maxUserAgent]
	}
	now := s.now()
	us := &UserSession{ID: uuid.Must(uuid.NewV7()).String(), UserID: userID, AgencyID: opt(agencyID),
		CreatedAt: now, LastSeenAt: now, UserAgent: userAgent, Addr: addr}
	if err := s.db.WithContext(ctx).Create(us).Error; err != nil {
		return "", err
	}
	return us.ID, nil
}

// SessionLive reports whether the user's session id is still live (not ended by the user, by an
// admin, by a password change or a factor reset), recording that it was seen at most once a minute.
func (s *Service) SessionLive(ctx context.Context, userID, id string) (bool, error) {
	if !validUUID(id) {
		return false, nil
	}
	var us UserSession
	err := s.db.WithContext(ctx).Select("ended_at", "last_seen_at").Where("id = ? AND user_id = ?", id, userID).Take(&us).Error
	if err != nil {
		if err := notFound(err); err != ErrNotFound {
			return false, err
		}
		return false, nil
	}
	if us.EndedAt != nil {
		return false, nil
	}
	if now := s.now(); now.Sub(us.LastSeenAt) >= seenEvery {
		err := s.db.WithContext(ctx).Model(&UserSession{}).Where("id = ? AND ended_at IS NULL", id).Update("last_seen_at", now).Error
		if err != nil {
			return false, err
		}
	}
	return true, nil
}

// Sessions lists the user's live sessions, the most recently seen first. A session idle for longer
// than idle (the web's idle timeout; 0 for no limit) has timed out and is left out.
func (s *Service) Sessions(ctx context.Context, userID string, idle time.Duration) ([]UserSession, error) {
	var out []UserSession
	q := s.db.WithContext(ctx).Where("user_id = ? AND ended_at IS NULL", userID)
	if idle > 0 {
		q = q.Where("last_seen_at > ?", s.now().Add(-idle-seenEvery))
	}
	err := q.Order("last_seen_at DESC, id").Limit(200).Find(&out).Error
	return out, err
}

// EndSession ends one of the actor's own live sessions, audited as "session.end". Another user's
// session, an ended or unknown one is ErrNotFound.
func (s *Service) EndSession(ctx context.Context, a *authz.Actor, id string) error {
	if !validUUID(id) {
		return ErrNotFound
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&UserSession{}).Where("id = ? AND user_id = ? AND ended_at IS NULL", id, a.UserID).Update("ended_at", s.now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: a.UserID, ActorAgencyID: a.AgencyID,
			Action: audit.SessionEnd, Entity: "user_session", EntityID: id})
	})
}

// SignOutSession records a sign-out and ends the session's row (id "" for a session without one).
func (s *Service) SignOutSession(ctx context.Context, userID, agencyID, id string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if validUUID(id) {
			err := tx.Model(&UserSession{}).Where("id = ? AND user_id = ? AND ended_at IS NULL", id, userID).Update("ended_at", s.now()).Error
			if err != nil {
				return err
			}
		}
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: userID, ActorAgencyID: agencyID, Action: audit.AuthSignOut, Entity: "user", EntityID: userID})
	})
}

// validUUID reports whether s is a UUID in its canonical form (anything else is simply not found).
func validUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}
