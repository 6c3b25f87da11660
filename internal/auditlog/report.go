package auditlog

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"
)

// Report bounds.
const (
	DefaultPerHour = 50 // "more than N cases in an hour"
	ReportRows     = 100
	DefaultDays    = 7 // the period when none is given
	MaxReportDays  = 92
)

// caseRead is the SQL condition of a read of a case's records: every "*.read" action and
// attachment downloads, on the entity "case".
const caseRead = `l.entity = 'case' AND (l.action LIKE '%.read' OR l.action = 'attachment.download')`

// ReportQuery chooses the period and the hourly threshold of the unusual access report.
type ReportQuery struct {
	From    string `json:"from"` // a date or local time in the country's zone; default DefaultDays ago
	To      string `json:"to"`   // default now
	PerHour int    `json:"per_hour"`
}

// Burst is a user who read more than PerHour cases within one clock hour.
type Burst struct {
	Actor  *UserRef   `json:"actor"`
	Agency *AgencyRef `json:"agency"`
	Hour   time.Time  `json:"hour"`
	Cases  int        `json:"cases"`
}

// Report is the unusual access report of a period. Each list holds at most ReportRows rows, newest
// first; Truncated names the lists that had more.
type Report struct {
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	PerHour     int       `json:"per_hour"`
	Bursts      []Burst   `json:"bursts"`
	OutsideTeam []Entry   `json:"outside_team"` // reads by an agency neither owning the case nor on its team (today)
	Night       []Entry   `json:"night"`        // reads between 22:00 and 06:00 in the country's zone
	Refused     []Entry   `json:"refused"`      // access.refused rows
	Truncated   []string  `json:"truncated"`
}

const burstSQL = `SELECT l.actor_user_id, l.actor_agency_id, date_trunc('hour', l.at) AS hour, count(DISTINCT l.entity_id) AS cases
FROM audit_log l WHERE l.at >= ? AND l.at < ? AND l.actor_user_id IS NOT NULL AND ` + caseRead + `
GROUP BY 1, 2, 3 HAVING count(DISTINCT l.entity_id) > ? ORDER BY hour DESC, cases DESC LIMIT ?`

const outsideTeamSQL = `SELECT l.id, l.at, l.actor_user_id, l.actor_agency_id, l.action, l.entity, l.entity_id, l.detail
FROM audit_log l JOIN cases c ON c.id::text = l.entity_id
WHERE l.at >= ? AND l.at < ? AND ` + caseRead + ` AND l.actor_agency_id IS NOT NULL
  AND l.actor_agency_id <> c.owner_agency_id
  AND NOT EXISTS (SELECT 1 FROM case_team ct WHERE ct.case_id = c.id AND ct.agency_id = l.actor_agency_id)
ORDER BY l.id DESC LIMIT ?`

const nightSQL = `SELECT l.id, l.at, l.actor_user_id, l.actor_agency_id, l.action, l.entity, l.entity_id, l.detail
FROM audit_log l
WHERE l.at >= ? AND l.at < ? AND ` + caseRead + `
  AND ((l.at AT TIME ZONE ?)::time >= '22:00' OR (l.at AT TIME ZONE ?)::time < '06:00')
ORDER BY l.id DESC LIMIT ?`

const refusedSQL = `SELECT l.id, l.at, l.actor_user_id, l.actor_agency_id, l.action, l.entity, l.entity_id, l.detail
FROM audit_log l WHERE l.at >= ? AND l.at < ? AND l.action = '` + refusedName + `' ORDER BY l.id DESC LIMIT ?`

// Unusual returns the unusual access report of the auditor's store and audits the read.
func (s *Service) Unusual(ctx context.Context, a *authz.Actor, rq ReportQuery) (*Report, error) {
	st, err := s.bind(a)
	if err != nil {
		return nil, err
	}
	loc := Zone(st.Country)
	r, err := reportPeriod(rq, loc, s.now())
	if err != nil {
		return nil, err
	}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var bursts []struct {
			ActorUserID, ActorAgencyID *string
			Hour                       time.Time
			Cases                      int
		}
		if err := tx.Raw(burstSQL, r.From, r.To, r.PerHour, ReportRows+1).Scan(&bursts).Error; err != nil {
			return fmt.Errorf("auditlog: bursts: %w", err)
		}
		if len(bursts) > ReportRows {
			bursts, r.Truncated = bursts[:ReportRows], append(r.Truncated, "bursts")
		}
		keys := make([]row, len(bursts))
		for i, b := range bursts {
			keys[i] = row{ActorUserID: b.ActorUserID, ActorAgencyID: b.ActorAgencyID}
		}
		users, agencies, err := s.refs(ctx, keys)
		if err != nil {
			return err
		}
		for _, b := range bursts {
			u, ag := users[*b.ActorUserID], AgencyRef{}
			if b.ActorAgencyID != nil {
				ag = agencies[*b.ActorAgencyID]
			}
			r.Bursts = append(r.Bursts, Burst{Actor: &u, Agency: &ag, Hour: b.Hour.In(loc), Cases: b.Cases})
		}
		lists := []struct {
			name string
			sql  string
			args []any
			into *[]Entry
		}{
			{"outside_team", outsideTeamSQL, []any{r.From, r.To, ReportRows + 1}, &r.OutsideTeam},
			{"night", nightSQL, []any{r.From, r.To, loc.String(), loc.String(), ReportRows + 1}, &r.Night},
			{"refused", refusedSQL, []any{r.From, r.To, ReportRows + 1}, &r.Refused},
		}
		for _, l := range lists {
			var rows []row
			if err := tx.Raw(l.sql, l.args...).Scan(&rows).Error; err != nil {
				return fmt.Errorf("auditlog: %s: %w", l.name, err)
			}
			if len(rows) > ReportRows {
				rows, r.Truncated = rows[:ReportRows], append(r.Truncated, l.name)
			}
			if *l.into, err = s.entries(ctx, tx, rows); err != nil {
				return err
			}
		}
		return audit.Append(tx, s.now(), audit.ByActor(a, ActionReport, "audit_log", "",
			map[string]any{"per_hour": r.PerHour, "days": int(r.To.Sub(r.From).Hours()/24 + 0.5)}))
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// reportPeriod validates a report query; the period defaults to the last DefaultDays days.
func reportPeriod(rq ReportQuery, loc *time.Location, now time.Time) (*Report, error) {
	inv := &problem.Invalid{}
	r := &Report{PerHour: rq.PerHour, To: now, From: now.AddDate(0, 0, -DefaultDays)}
	if r.PerHour == 0 {
		r.PerHour = DefaultPerHour
	}
	if r.PerHour < 1 || r.PerHour > 100000 {
		inv.Add("per_hour", "audit.error.per_hour")
	}
	from, err := parseTime(rq.From, loc, false)
	if err != nil {
		inv.Add("from", "audit.error.time")
	}
	to, err := parseTime(rq.To, loc, true)
	if err != nil {
		inv.Add("to", "audit.error.time")
	}
	if to != nil {
		r.To = *to
		if from == nil {
			r.From = to.AddDate(0, 0, -DefaultDays)
		}
	}
	if from != nil {
		r.From = *from
	}
	switch {
	case !r.To.After(r.From):
		inv.Add("to", "audit.error.range")
	case r.To.Sub(r.From) > MaxReportDays*24*time.Hour:
		inv.Add("from", "audit.error.period")
	}
	r.From, r.To = r.From.In(loc), r.To.In(loc)
	return r, inv.Err()
}

// PerHourOf reads the threshold typed on the page ("" for the default, -1 when not a number).
func PerHourOf(v string) int {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n == 0 {
		return -1
	}
	return n
}
