// Package notify sends each user who asks for it an e-mail digest of the work that waits for them
// (issue 16 item 8): approvals, packets, overdue steps, visits due — counts and links only, never
// a name, a case or a reference. The counts are the dashboard's (dashboard.Service.Waiting), for the
// user acting in one agency, with the scope and the rights of their own home page, so a count never
// says more than their own pages show. A user chooses off (the default), daily or immediate on
// /settings; the mail is written in their language.
//
// Sending is driven by River jobs (internal/jobs): a periodic job per store lists the daily
// recipients of its country and queues one digest job per user, agency and day; another lists the
// users who chose immediate and queues a digest job for those with more waiting than their last
// digest said, at most one per ten minutes (Debounce). A digest job that fails to reach the SMTP
// server is retried, then listed on /admin/jobs. Every digest sent is audited in the hub (who,
// when, the counts).
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/dashboard"
	"homeward/internal/directory"
	"homeward/internal/locale"
)

// The digest settings of a user.
const (
	Off       = "off"
	Daily     = "daily"
	Immediate = "immediate"
)

// Modes are the settings, in the order the settings page offers them.
var Modes = []string{Off, Daily, Immediate}

// Debounce is the least time between two immediate digests of a user in an agency.
const Debounce = 10 * time.Minute

// DailyHour is the hour (Asia/Bangkok, the zone of both countries) from which the day's digests go.
const DailyHour = 7

// Mailer sends one message (SMTP in production and in the tests, against a real server).
type Mailer interface {
	Send(m Mail) error
}

// Recipient is a user acting in one agency: a digest is computed and sent for each.
type Recipient struct {
	UserID   string `json:"user_id"`
	AgencyID string `json:"agency_id"`
}

// TooSoon is returned by Send for an immediate digest within Debounce of the last one: try again after Wait.
type TooSoon struct{ Wait time.Duration }

func (e *TooSoon) Error() string {
	return fmt.Sprintf("notify: last digest less than %s ago", Debounce)
}

// Service computes and sends digests.
type Service struct {
	hub       *gorm.DB
	dir       *directory.Service
	dash      *dashboard.Service
	bundle    *locale.Bundle
	mailer    Mailer
	publicURL string
	now       func() time.Time
}

// New returns the digest service; publicURL starts every link.
func New(hub *gorm.DB, dir *directory.Service, dash *dashboard.Service, bundle *locale.Bundle, mailer Mailer, publicURL string) *Service {
	return &Service{hub: hub, dir: dir, dash: dash, bundle: bundle, mailer: mailer, publicURL: publicURL,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// recipientsSQL lists the users (not disabled) with a digest setting and their agencies run from a
// country (a store's agencies, and the embassies and NGOs it hosts).
const recipientsSQL = `SELECT DISTINCT u.id AS user_id, m.agency_id
FROM users u JOIN memberships m ON m.user_id = u.id JOIN agencies a ON a.id = m.agency_id
WHERE u.notify = ? AND u.disabled_at IS NULL AND coalesce(a.country, a.works_in) = ?
ORDER BY u.id, m.agency_id`

// Recipients lists the recipients of mode (Daily or Immediate) among country's agencies.
func (s *Service) Recipients(ctx context.Context, country, mode string) ([]Recipient, error) {
	var out []Recipient
	if err := s.hub.WithContext(ctx).Raw(recipientsSQL, mode, country).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("notify: recipients: %w", err)
	}
	return out, nil
}

// Day is the day whose daily digests are due at now ("" before DailyHour).
func Day(now time.Time) string {
	t := now.In(zone)
	if t.Hour() < DailyHour {
		return ""
	}
	return t.Format(time.DateOnly)
}

var zone = time.FixedZone("+07", 7*60*60)

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// state is a recipient's row of digest_state.
type state struct {
	LastDaily       *time.Time
	LastImmediateAt *time.Time
	LastCounts      []byte
}

func (s *Service) state(ctx context.Context, r Recipient) (state, dashboard.Waiting, error) {
	var st state
	var last dashboard.Waiting
	err := s.hub.WithContext(ctx).Raw(`SELECT last_daily, last_immediate_at, last_counts FROM digest_state
WHERE user_id = ? AND agency_id = ?`, r.UserID, r.AgencyID).Scan(&st).Error
	if err != nil {
		return st, last, fmt.Errorf("notify: state: %w", err)
	}
	if len(st.LastCounts) > 0 {
		if err := json.Unmarshal(st.LastCounts, &last); err != nil {
			return st, last, fmt.Errorf("notify: state: %w", err)
		}
	}
	return st, last, nil
}

// Due lists the recipients of immediate digests in country with more waiting than their last
// digest said (their jobs are queued by the caller).
func (s *Service) Due(ctx context.Context, country string) ([]Recipient, error) {
	rs, err := s.Recipients(ctx, country, Immediate)
	if err != nil {
		return nil, err
	}
	var out []Recipient
	for _, r := range rs {
		a, err := s.dir.Actor(ctx, r.UserID, r.AgencyID)
		if errors.Is(err, authz.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		w, err := s.dash.Waiting(ctx, a)
		if err != nil {
			return nil, err
		}
		_, last, err := s.state(ctx, r)
		if err != nil {
			return nil, err
		}
		if w.More(last) {
			out = append(out, r)
		}
	}
	return out, nil
}

// recipientUser is what a digest needs of its user.
type recipientUser struct {
	Email       string
	Locale      string
	BuddhistEra bool
	Notify      string
}

// Send computes r's digest and mails it when mode is still r's setting, r's user is not disabled
// and still a member of the agency, and something waits: for Daily once per day (day), for
// Immediate only when more waits than the last digest said, and at most once per Debounce
// (*TooSoon otherwise). It reports whether a mail went. The mail and its audit row carry counts
// and links only.
func (s *Service) Send(ctx context.Context, r Recipient, mode, day string) (bool, error) {
	var u recipientUser
	res := s.hub.WithContext(ctx).Raw(`SELECT email, locale, buddhist_era, notify FROM users
WHERE id = ? AND disabled_at IS NULL`, r.UserID).Scan(&u)
	if res.Error != nil {
		return false, fmt.Errorf("notify: user: %w", res.Error)
	}
	if res.RowsAffected == 0 || u.Notify != mode || mode == Off {
		return false, nil // disabled, gone, or no longer asking for this digest
	}
	a, err := s.dir.Actor(ctx, r.UserID, r.AgencyID)
	if errors.Is(err, authz.ErrNotFound) {
		return false, nil // no longer a member of the agency
	} else if err != nil {
		return false, err
	}
	st, last, err := s.state(ctx, r)
	if err != nil {
		return false, err
	}
	now := s.now()
	switch {
	case mode == Daily && st.LastDaily != nil && st.LastDaily.Format(time.DateOnly) == day:
		return false, nil
	case mode == Immediate && st.LastImmediateAt != nil && now.Sub(*st.LastImmediateAt) < Debounce:
		return false, &TooSoon{Wait: Debounce - now.Sub(*st.LastImmediateAt)}
	}
	w, err := s.dash.Waiting(ctx, a)
	if err != nil {
		return false, err
	}
	if w.Total() == 0 || (mode == Immediate && !w.More(last)) {
		return false, s.record(ctx, r, a, mode, day, w, false)
	}
	l := s.bundle.For(u.Locale, u.BuddhistEra, nil)
	if err := s.mailer.Send(compose(l, s.publicURL, a, u.Email, w)); err != nil {
		return false, fmt.Errorf("notify: send: %w", err)
	}
	return true, s.record(ctx, r, a, mode, day, w, true)
}

// record keeps what r's last digest said (and when), with the audit row of a digest sent, in one
// transaction of the hub.
func (s *Service) record(ctx context.Context, r Recipient, a *authz.Actor, mode, day string, w dashboard.Waiting, sent bool) error {
	counts, err := json.Marshal(w)
	if err != nil {
		return err
	}
	now := s.now()
	return s.hub.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var dayArg, atArg any
		if mode == Daily {
			dayArg = day
		}
		if mode == Immediate && sent {
			atArg = now
		}
		if err := tx.Exec(`INSERT INTO digest_state (user_id, agency_id, last_daily, last_immediate_at, last_counts)
VALUES (?, ?, ?::date, ?::timestamptz, ?::jsonb)
ON CONFLICT (user_id, agency_id) DO UPDATE SET
  last_daily = coalesce(EXCLUDED.last_daily, digest_state.last_daily),
  last_immediate_at = coalesce(EXCLUDED.last_immediate_at, digest_state.last_immediate_at),
  last_counts = EXCLUDED.last_counts`, r.UserID, r.AgencyID, dayArg, atArg, string(counts)).Error; err != nil {
			return fmt.Errorf("notify: record: %w", err)
		}
		if !sent {
			return nil
		}
		return audit.Append(tx, now, audit.Entry{ActorAgencyID: a.AgencyID, Action: audit.DigestSent,
			Entity: "user", EntityID: r.UserID, Detail: map[string]any{"mode": mode, "counts": w, "total": w.Total()}})
	})
}
