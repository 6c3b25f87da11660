// Package auditlog is the auditor's console: a country store's audit log searched by actor, case,
// action and time, a case's access history, the chain's verification, the unusual access report,
// a CSV export and the hub's log of the country's agencies. Auditors see who did what, when and
// to which record, never what the record holds: an audit row's detail is reduced to its keys and
// a few short codes (detail.go). Every read of the log is itself audited in the store.
package auditlog

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/directory"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// Audit actions written by the console: the auditor's own reads belong to the audit section, and
// so does a refused attempt (nobody but an auditor reads it back).
var (
	ActionSearch  = audit.Define("audit.search", authz.SectionAudit)      // a page of the log (entity "case" when filtered by case)
	ActionExport  = audit.Define("audit.export", authz.SectionAudit)      // the CSV export
	ActionReport  = audit.Define("audit.report.read", authz.SectionAudit) // the unusual access report
	ActionHubRead = audit.Define("audit.hub.read", authz.SectionAudit)    // a page of the hub's log
	ActionVerify  = audit.Define("audit.verify", authz.SectionAudit)      // a chain check started
	ActionRefused = audit.Define(refusedName, authz.SectionAudit)         // a signed-in user was refused a case route (refused.go)
)

// refusedName is ActionRefused's stored name, for the report's SQL.
const refusedName = "access.refused"

const (
	DefaultLimit      = 50    // rows per page
	MaxLimit          = 200   // the largest page the API serves
	ExportLimit       = 10000 // rows in one CSV export, newest first
	maxFilterTextSize = 254   // longest actor email or case reference accepted
)

// Service is the auditor's console.
type Service struct {
	hub    *gorm.DB
	stores *store.Set
	now    func() time.Time
	runs   sync.WaitGroup // background chain checks (verify.go)
	limit  *refusalLimiter
	// ledgers are the stores' anchor keys by country (Anchored); without them the chain check
	// checks each store's chain alone.
	ledgers map[string]audit.Ledger
}

// New builds the console over the hub and the stores.
func New(hub *gorm.DB, stores *store.Set) *Service {
	return &Service{hub: hub, stores: stores, now: time.Now, limit: newRefusalLimiter()}
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// Zones are the time zones of the store countries, for dates typed on the console and for the night
// reads of the report; a country not listed uses UTC.
var Zones = map[string]string{"TH": "Asia/Bangkok", "KH": "Asia/Phnom_Penh"}

// Zone returns the time zone of a store country.
func Zone(country string) *time.Location {
	if name, ok := Zones[country]; ok {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return time.UTC
}

// Filter narrows the log. Every field is optional.
type Filter struct {
	Actor  string `json:"actor"`  // a user's email or id
	Case   string `json:"case"`   // a case reference
	Action string `json:"action"` // an action, or a prefix ending in "." ("case.")
	From   string `json:"from"`   // a date (YYYY-MM-DD) or local time (YYYY-MM-DDTHH:MM) in the country's zone
	To     string `json:"to"`     // the same; a date includes its whole day
	Cursor string `json:"cursor"` // NextCursor of the previous page
	Limit  int    `json:"limit"`
}

// UserRef is a member of staff as the console shows them.
type UserRef struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// AgencyRef is an agency as the console shows it.
type AgencyRef struct {
	ID     string `json:"id"`
	Slug   string `json:"slug"`
	NameEN string `json:"name_en"`
	NameTH string `json:"name_th"`
	NameKM string `json:"name_km"`
}

// Name is the agency's name in a language.
func (a AgencyRef) Name(lang string) string {
	return directory.Agency{NameEN: a.NameEN, NameTH: a.NameTH, NameKM: a.NameKM}.Name(lang)
}

// Entry is one audit row as an auditor sees it: who, which agency, what, to which record, when.
type Entry struct {
	ID       int64        `json:"id"`
	At       time.Time    `json:"at"`
	Actor    *UserRef     `json:"actor"`  // nil for the system
	Agency   *AgencyRef   `json:"agency"` // nil when the row names none
	Action   string       `json:"action"`
	Entity   string       `json:"entity"`
	EntityID string       `json:"entity_id"`
	CaseRef  string       `json:"case_reference,omitempty"` // the case's reference when the row is about a case or its person
	Detail   []DetailItem `json:"detail"`
}

// Page is one page of entries, newest first.
type Page struct {
	Items      []Entry `json:"items"`
	NextCursor string  `json:"next_cursor"`
	// CaseID and CaseRef name the case when the filter named one.
	CaseID  string `json:"case_id,omitempty"`
	CaseRef string `json:"case_reference,omitempty"`
}

// row is what the console reads of audit_log; columns are named, so added columns change nothing.
type row struct {
	ID            int64
	At            time.Time
	ActorUserID   *string
	ActorAgencyID *string
	Action        string
	Entity        string
	EntityID      string
	Detail        string
}

const rowColumns = `id, at, actor_user_id, actor_agency_id, action, entity, entity_id, detail`

var actionPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.?$`)

// query is a validated filter.
type query struct {
	actorID  string // "" for any; noMatch when the email names nobody
	caseID   string
	personID string
	caseRef  string
	action   string
	prefix   bool
	from, to *time.Time
	before   int64
	limit    int
}

const noMatch = "00000000-0000-0000-0000-000000000000"

// bind checks the auditor's right and returns their store.
func (s *Service) bind(a *authz.Actor) (*store.Store, error) {
	st, _, err := s.stores.Bind(a, authz.SectionAudit, authz.ActionRead)
	return st, err
}

// parse validates f; an unknown case reference is not found (the case may be another store's).
func (s *Service) parse(ctx context.Context, tx *gorm.DB, country string, f Filter, maxLimit int) (query, error) {
	q := query{before: 1<<63 - 1, limit: f.Limit}
	inv := &problem.Invalid{}
	switch {
	case q.limit == 0:
		q.limit = DefaultLimit
	case q.limit < 0 || q.limit > maxLimit:
		inv.Add("limit", "form.error.invalid")
	}
	if c := strings.TrimSpace(f.Cursor); c != "" {
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil || n <= 0 {
			inv.Add("cursor", "form.error.invalid")
		}
		q.before = n
	}
	if act := strings.TrimSpace(f.Action); act != "" {
		if len(act) > 64 || !actionPattern.MatchString(act) {
			inv.Add("action", "audit.error.action")
		}
		q.action, q.prefix = act, strings.HasSuffix(act, ".")
	}
	loc := Zone(country)
	var err error
	if q.from, err = parseTime(f.From, loc, false); err != nil {
		inv.Add("from", "audit.error.time")
	}
	if q.to, err = parseTime(f.To, loc, true); err != nil {
		inv.Add("to", "audit.error.time")
	}
	if q.from != nil && q.to != nil && !q.to.After(*q.from) {
		inv.Add("to", "audit.error.range")
	}
	actor, ref := strings.TrimSpace(f.Actor), strings.TrimSpace(f.Case)
	if len(actor) > maxFilterTextSize {
		inv.Add("actor", "audit.error.actor")
	}
	if len(ref) > maxFilterTextSize {
		inv.Add("case", "audit.error.case")
	}
	if err := inv.Err(); err != nil {
		return q, err
	}
	if actor != "" {
		if q.actorID, err = s.userID(ctx, actor); err != nil {
			return q, err
		}
	}
	if ref != "" {
		var c struct{ ID, PersonID, Reference string }
		err := tx.Raw(`SELECT id, person_id, reference FROM cases WHERE reference = ?`, ref).Scan(&c).Error
		if err != nil {
			return q, fmt.Errorf("auditlog: find case: %w", err)
		}
		if c.ID == "" {
			return q, fmt.Errorf("auditlog: case %q: %w", ref, authz.ErrNotFound)
		}
		q.caseID, q.personID, q.caseRef = c.ID, c.PersonID, c.Reference
	}
	return q, nil
}

// userID resolves an actor filter: a user id as given, an email through the hub.
func (s *Service) userID(ctx context.Context, actor string) (string, error) {
	if id, err := uuid.Parse(actor); err == nil {
		return id.String(), nil
	}
	var id string
	err := s.hub.WithContext(ctx).Raw(`SELECT id FROM users WHERE email = ?`, strings.ToLower(actor)).Scan(&id).Error
	if err != nil {
		return "", fmt.Errorf("auditlog: find user: %w", err)
	}
	if id == "" {
		return noMatch, nil
	}
	return id, nil
}

// parseTime reads a date or a local time in loc; end moves a bare date to the next midnight.
func parseTime(v string, loc *time.Location, end bool) (*time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return &t, nil
		}
	}
	t, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		return nil, err
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return &t, nil
}

// where is the SQL condition and arguments of q.
func (q query) where() (string, []any) {
	conds, args := []string{"id < ?"}, []any{q.before}
	if q.actorID != "" {
		conds, args = append(conds, "actor_user_id = ?"), append(args, q.actorID)
	}
	if q.caseID != "" {
		conds, args = append(conds, "entity_id IN (?, ?)"), append(args, q.caseID, q.personID)
	}
	if q.action != "" {
		if q.prefix {
			conds, args = append(conds, "starts_with(action, ?)"), append(args, q.action)
		} else {
			conds, args = append(conds, "action = ?"), append(args, q.action)
		}
	}
	if q.from != nil {
		conds, args = append(conds, "at >= ?"), append(args, *q.from)
	}
	if q.to != nil {
		conds, args = append(conds, "at < ?"), append(args, *q.to)
	}
	return strings.Join(conds, " AND "), args
}

// Search returns a page of the store's log under f, newest first, and audits the read.
func (s *Service) Search(ctx context.Context, a *authz.Actor, f Filter) (*Page, error) {
	st, err := s.bind(a)
	if err != nil {
		return nil, err
	}
	var out *Page
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q, err := s.parse(ctx, tx, st.Country, f, MaxLimit)
		if err != nil {
			return err
		}
		rows, err := readRows(tx, q, q.limit+1)
		if err != nil {
			return err
		}
		p := &Page{CaseID: q.caseID, CaseRef: q.caseRef}
		if len(rows) > q.limit {
			rows = rows[:q.limit]
			p.NextCursor = strconv.FormatInt(rows[len(rows)-1].ID, 10)
		}
		if p.Items, err = s.entries(ctx, tx, rows); err != nil {
			return err
		}
		out = p
		entity, id := "audit_log", ""
		if q.caseID != "" {
			entity, id = "case", q.caseID
		}
		return audit.Append(tx, s.now(), audit.ByActor(a, ActionSearch, entity, id,
			map[string]any{"filters": q.names(), "rows": len(rows), "paged": q.before != 1<<63-1}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// names lists the filters in use, for the audit row of a search.
func (q query) names() string {
	var n []string
	for _, f := range []struct {
		name string
		on   bool
	}{{"actor", q.actorID != ""}, {"case", q.caseID != ""}, {"action", q.action != ""}, {"from", q.from != nil}, {"to", q.to != nil}} {
		if f.on {
			n = append(n, f.name)
		}
	}
	return strings.Join(n, "_")
}

func readRows(tx *gorm.DB, q query, n int) ([]row, error) {
	cond, args := q.where()
	var rows []row
	err := tx.Raw(`SELECT `+rowColumns+` FROM audit_log WHERE `+cond+` ORDER BY id DESC LIMIT ?`, append(args, n)...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("auditlog: read: %w", err)
	}
	return rows, nil
}
