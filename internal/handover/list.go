package handover

import (
	"context"
	"encoding/base64"
	"strings"
	"time"

	"github.com/google/uuid"

	"homeward/internal/authz"
	"homeward/internal/problem"
)

// Page sizes of the list of batches.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// ListFilter asks for one page of the list: Cursor is the NextCursor of the page before ("" for the
// newest), Limit the page size (0: DefaultPageSize).
type ListFilter struct {
	Cursor string
	Limit  int
}

// ListPage is one page of batches, newest first; NextCursor is "" on the last page.
type ListPage struct {
	Items      []Summary `json:"items"`
	NextCursor string    `json:"next_cursor"`
}

// listSQL lists the batches (their answers counted from their packets, as the detail does) sent by an agency and, when the second part is asked for, those sent to
// it once approved: each part walks its own index (agency, created_at DESC, id DESC) from the cursor.
// %[1]s is the cursor's condition ("" on the first page).
const listSQL = `SELECT b.id, CASE WHEN b.sender_agency_id = ? THEN 'sender' ELSE 'recipient' END AS side,
	s.slug AS sender, r.slug AS recipient, b.checkpoint, b.handover_at,
	CASE WHEN b.status = 'sent' AND n.accepted + n.declined >= b.person_count THEN 'answered' ELSE b.status END AS status,
	b.person_count, n.accepted AS accepted_count, n.declined AS declined_count, b.created_at
FROM (
	(SELECT * FROM handover_batches b WHERE b.sender_agency_id = ? %[1]s ORDER BY b.created_at DESC, b.id DESC LIMIT ?)
	UNION ALL
	(SELECT * FROM handover_batches b WHERE b.recipient_agency_id = ? AND ? AND b.status NOT IN ('pending_approval', 'revoked') %[1]s
	 ORDER BY b.created_at DESC, b.id DESC LIMIT ?)
) b JOIN agencies s ON s.id = b.sender_agency_id JOIN agencies r ON r.id = b.recipient_agency_id
CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE p.status = 'accepted') AS accepted,
	count(*) FILTER (WHERE p.status = 'declined') AS declined
	FROM handover_batch_packets bp JOIN packets p ON p.id = bp.packet_id WHERE bp.batch_id = b.id) n
ORDER BY b.created_at DESC, b.id DESC LIMIT ?`

// List shows one page of the batches sent by the actor's agency and, for a supervisor (inbox read),
// those sent to it once approved, newest first. A cursor it did not give is invalid (422 cursor).
func (s *Service) List(ctx context.Context, a *authz.Actor, f ListFilter) (*ListPage, error) {
	if _, _, err := s.stores.Bind(a, authz.SectionRepatriation, authz.ActionRead); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > MaxPageSize {
		f.Limit = DefaultPageSize
	}
	inbox := a.Can(authz.SectionInbox, authz.ActionRead)
	cond, args := "", []any{a.AgencyID, a.AgencyID}
	var after []any
	if f.Cursor != "" {
		t, id, ok := decodeCursor(f.Cursor)
		if !ok {
			return nil, &problem.Invalid{Fields: map[string]string{"cursor": "handover.error.cursor"}}
		}
		cond, after = "AND (b.created_at, b.id) < (?, ?)", []any{t, id}
	}
	args = append(append(args, after...), f.Limit+1, a.AgencyID, inbox)
	args = append(append(args, after...), f.Limit+1, f.Limit+1)
	items := []Summary{}
	if err := s.hub.WithContext(ctx).Raw(strings.ReplaceAll(listSQL, "%[1]s", cond), args...).Scan(&items).Error; err != nil {
		return nil, err
	}
	page := &ListPage{Items: items}
	if len(items) > f.Limit {
		page.Items = items[:f.Limit]
		last := page.Items[f.Limit-1]
		page.NextCursor = encodeCursor(last.CreatedAt, last.ID)
	}
	return page, nil
}

// encodeCursor encodes a position in the list (created_at, id).
func encodeCursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(t.UTC().Format(time.RFC3339Nano) + "|" + id))
}

func decodeCursor(c string) (time.Time, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", false
	}
	ts, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return time.Time{}, "", false
	}
	if _, err := uuid.Parse(id); err != nil {
		return time.Time{}, "", false
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, "", false
	}
	return t, id, true
}
