package cases

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"
)

// TimelineLimit is the page size of the case timeline.
const TimelineLimit = 50

// TimelineEntry is one audit row of a case, without anything sealed or free text.
type TimelineEntry struct {
	ID            int64
	At            time.Time
	ActorUserID   string
	ActorAgencyID string
	Action        string
	// Detail is the row's detail reduced to short codes (stages, ids, counts, flags); free text is
	// left out, so that nothing typed about the person reaches the timeline.
	Detail []DetailItem
}

// DetailItem is one field of an audit row's detail.
type DetailItem struct {
	Key, Value string
}

// Timeline is one page of a case's audit trail, newest first.
type Timeline struct {
	CaseID     string
	Reference  string
	Minor      bool
	Entries    []TimelineEntry
	NextCursor string
}

// timelineSQL reads the audit rows of the case and of its person: every row whose entity id is
// one of them, whatever the entity (areas audit their rows under the case's id), in a section the
// reader may read or in none (rows written before rows carried a section).
const timelineSQL = `SELECT id, at, actor_user_id, actor_agency_id, action, section, detail FROM audit_log
WHERE entity_id IN (?, ?) AND id < ? AND (section = '' OR section IN ?) ORDER BY id DESC LIMIT ?`

// Timeline returns a page of the case's audit trail for supervisors and audits the read. cursor
// is a NextCursor of the previous page, or "" for the newest rows.
//
// The timeline fails closed. Each row carries the section its writer declared (audit.Action); a
// row in a section the reader may not read is left out altogether — not shown without its detail
// — so neither its detail nor how many such rows exist reaches the reader (a note listing writes
// one row per class, so a reader without psychosocial notes sees no psychosocial count). A row
// without a section (written before rows carried one) is shown without its detail. The audit row
// of the read itself records no count, since another reader's page holds other rows.
func (s *Service) Timeline(ctx context.Context, a *authz.Actor, caseID, cursor string) (*Timeline, error) {
	st, scope, err := s.bind(a, authz.SectionTimeline, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	before := int64(1<<63 - 1)
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n <= 0 {
			return nil, &problem.Invalid{Fields: map[string]string{"cursor": "form.error.invalid"}}
		}
		before = n
	}
	var out *Timeline
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, p, err := findCase(tx, scope, caseID)
		if err != nil {
			return err
		}
		var rows []audit.Row
		if err := tx.Raw(timelineSQL, c.ID, p.ID, before, readableSections(a), TimelineLimit+1).Scan(&rows).Error; err != nil {
			return fmt.Errorf("read timeline: %w", err)
		}
		t := &Timeline{CaseID: c.ID, Reference: c.Reference, Minor: p.Minor}
		if len(rows) > TimelineLimit {
			rows = rows[:TimelineLimit]
			t.NextCursor = strconv.FormatInt(rows[TimelineLimit-1].ID, 10)
		}
		for _, r := range rows {
			e := TimelineEntry{ID: r.ID, At: r.At, ActorUserID: ptrText(r.ActorUserID),
				ActorAgencyID: ptrText(r.ActorAgencyID), Action: r.Action}
			if mayReadDetail(a, r.Section) {
				e.Detail = summarize(r.Detail)
			}
			t.Entries = append(t.Entries, e)
		}
		out = t
		return audit.Append(tx, s.now(), entry(a, audit.CaseTimelineRead, "case", c.ID,
			map[string]any{"paged": cursor != ""}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readableSections lists the sections the actor may read: the timeline shows the rows of those
// sections only (and rows of no section, without their detail).
func readableSections(a *authz.Actor) []string {
	out := make([]string, 0, len(authz.AllSections))
	for _, sec := range authz.AllSections {
		if a.Can(sec, authz.ActionRead) {
			out = append(out, string(sec))
		}
	}
	return out
}

// mayReadDetail reports whether the actor may see the detail of a row: only when the row names a
// section (set by the code that wrote it) and the actor may read that section.
func mayReadDetail(a *authz.Actor, section string) bool {
	return section != "" && a.Can(authz.Section(section), authz.ActionRead)
}

// codeValue is a value short and plain enough to be a code (a stage, an id, a reference, a
// purpose), never a sentence someone typed.
var codeValue = regexp.MustCompile(`^[A-Za-z0-9_.:\-]{1,64}$`)

// elided stands for a value the timeline does not show.
const elided = "…"

// summarize reduces a JSON detail to its code-like fields, sorted by key.
func summarize(detail string) []DetailItem {
	if detail == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(detail), &m); err != nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []DetailItem
	for _, k := range keys {
		if !codeValue.MatchString(k) {
			continue
		}
		out = append(out, DetailItem{Key: k, Value: codeOf(m[k])})
	}
	return out
}

// codeOf renders a detail value: scalars that are codes, lists of them; anything else elided.
func codeOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		if codeValue.MatchString(x) {
			return x
		}
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, codeOf(e))
		}
		if len(parts) <= 10 {
			return strings.Join(parts, ", ")
		}
	}
	return elided
}

func ptrText(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
