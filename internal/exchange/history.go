package exchange

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/problem"
)

// HistoryEntry is a packet the actor's agency received (a repatriation request for an embassy, a
// referral for an NGO, a handover for a social welfare agency), whatever became of it, with the
// replies the agency sent back. It carries dates, statuses and field names only: payloads stay
// sealed (a revoked or expired packet's payload is gone; a reply is sealed for its recipient).
type HistoryEntry struct {
	ID         string         `json:"id"`
	Kind       Kind           `json:"kind"`
	Status     Status         `json:"status"`
	Sender     string         `json:"sender"` // agency slug
	CaseRef    string         `json:"case_ref"`
	Reason     string         `json:"reason,omitempty"` // a code (revoked, expired, declined, …)
	ReceivedAt time.Time      `json:"received_at"`
	OpenedAt   *time.Time     `json:"opened_at,omitempty"`
	DecidedAt  *time.Time     `json:"decided_at,omitempty"`
	ExpiresAt  time.Time      `json:"expires_at"`
	Replies    []HistoryReply `json:"replies"`
}

// HistoryReply is a reply the actor's agency sent to a packet of its history: when, which fields
// it reported, and where it stands (opened: read by the sender; accepted: applied to the case).
type HistoryReply struct {
	ID       string     `json:"id"`
	Status   Status     `json:"status"`
	Fields   []string   `json:"fields"`
	SentAt   time.Time  `json:"sent_at"`
	OpenedAt *time.Time `json:"opened_at,omitempty"`
}

// HistoryFilter narrows a history listing.
type HistoryFilter struct {
	Kind   Kind
	Cursor string
	Limit  int
}

// HistoryPage is one page of an agency's history, newest first.
type HistoryPage struct {
	Items      []HistoryEntry `json:"items"`
	NextCursor string         `json:"next_cursor"`
}

const historyList = `SELECT p.id, p.kind, p.status, a.slug AS sender, p.case_ref, p.reason, p.created_at AS received_at,
  p.opened_at, p.decided_at, p.expires_at
FROM packets p JOIN agencies a ON a.id = p.sender_agency_id
WHERE p.recipient_agency_id = ? AND p.kind <> 'reply' AND p.status <> 'pending_approval'`

const historyReplies = `SELECT id, reply_to, status, fields, created_at AS sent_at, opened_at
FROM packets WHERE kind = 'reply' AND sender_agency_id = ? AND reply_to IN ?
ORDER BY created_at, id`

// History lists what the actor's agency received and answered, newest first: each packet with its
// status and dates and the replies the agency sent. Only the actor's own agency's packets (inbox
// read); packets past their expiry are expired first, so the list says so.
func (s *Service) History(ctx context.Context, a *authz.Actor, f HistoryFilter) (*HistoryPage, error) {
	if err := a.Require(authz.SectionInbox, authz.ActionRead); err != nil {
		return nil, err
	}
	inv := &problem.Invalid{}
	if f.Kind != "" && !slices.Contains(s.Kinds(), f.Kind) { // registered kinds (a reply is part of its packet's entry)
		inv.Add("kind", "packets.error.kind")
	}
	curT, curID, limit := pageStart(inv, f.Cursor, f.Limit)
	f.Limit = limit
	if err := inv.Err(); err != nil {
		return nil, err
	}
	if _, err := s.expire(ctx, "p.recipient_agency_id = ?", a.AgencyID); err != nil {
		return nil, err
	}
	q, args := historyList, []any{a.AgencyID}
	if f.Kind != "" {
		q += ` AND p.kind = ?`
		args = append(args, string(f.Kind))
	}
	q, args = pageTail(q, args, curT, curID, f.Limit)
	items, err := scanHistory(s.hub.WithContext(ctx).Raw(q, args...))
	if err != nil {
		return nil, err
	}
	page := &HistoryPage{Items: items}
	if len(items) > f.Limit {
		page.Items = items[:f.Limit]
		last := page.Items[f.Limit-1]
		page.NextCursor = encodeCursor(last.ReceivedAt, last.ID)
	}
	if err := s.historyReplies(ctx, a, page.Items); err != nil {
		return nil, err
	}
	return page, nil
}

// HistoryOf is one packet of the actor's agency's history with its replies; a packet addressed to
// another agency (or none) is not found. The read is audited in the hub.
func (s *Service) HistoryOf(ctx context.Context, a *authz.Actor, packetID string) (*HistoryEntry, error) {
	if err := a.Require(authz.SectionInbox, authz.ActionRead); err != nil {
		return nil, err
	}
	if !validID(packetID) {
		return nil, errNoPacket
	}
	if _, err := s.expire(ctx, "p.id = ? AND p.recipient_agency_id = ?", packetID, a.AgencyID); err != nil {
		return nil, err
	}
	items, err := scanHistory(s.hub.WithContext(ctx).Raw(historyList+` AND p.id = ?`, a.AgencyID, packetID))
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, errNoPacket
	}
	if err := s.historyReplies(ctx, a, items); err != nil {
		return nil, err
	}
	e := &items[0]
	err = audit.Append(s.hub.WithContext(ctx), s.clock(), audit.ByActor(a, audit.PacketHistory, "packet", e.ID,
		map[string]any{"kind": e.Kind, "status": e.Status, "replies": len(e.Replies)}))
	if err != nil {
		return nil, err
	}
	return e, nil
}

// scanHistory reads the rows of historyList.
func scanHistory(q *gorm.DB) ([]HistoryEntry, error) {
	var rows []struct {
		ID, Kind, Status, Sender, CaseRef, Reason string
		ReceivedAt, ExpiresAt                     time.Time
		OpenedAt, DecidedAt                       *time.Time
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("exchange: history: %w", err)
	}
	out := make([]HistoryEntry, len(rows))
	for i, r := range rows {
		out[i] = HistoryEntry{ID: r.ID, Kind: Kind(r.Kind), Status: Status(r.Status), Sender: r.Sender, CaseRef: r.CaseRef,
			Reason: r.Reason, ReceivedAt: r.ReceivedAt, OpenedAt: r.OpenedAt, DecidedAt: r.DecidedAt, ExpiresAt: r.ExpiresAt}
	}
	return out, nil
}

// historyReplies fills each entry's replies sent by the actor's agency.
func (s *Service) historyReplies(ctx context.Context, a *authz.Actor, items []HistoryEntry) error {
	if len(items) == 0 {
		return nil
	}
	ids := make([]string, len(items))
	at := make(map[string]int, len(items))
	for i := range items {
		ids[i], at[items[i].ID] = items[i].ID, i
		items[i].Replies = []HistoryReply{}
	}
	var got []struct {
		ID       string
		ReplyTo  string
		Status   string
		Fields   cases.TextList
		SentAt   time.Time
		OpenedAt *time.Time
	}
	if err := s.hub.WithContext(ctx).Raw(historyReplies, a.AgencyID, ids).Scan(&got).Error; err != nil {
		return err
	}
	for _, r := range got {
		i := at[r.ReplyTo]
		items[i].Replies = append(items[i].Replies, HistoryReply{ID: r.ID, Status: Status(r.Status), Fields: append([]string{}, r.Fields...),
			SentAt: r.SentAt, OpenedAt: r.OpenedAt})
	}
	return nil
}

// pageStart reads a listing's cursor and limit: the cursor's time and id (zero without one; a
// cursor that does not decode is added to inv), the limit within 1–200 (50 when outside).
func pageStart(inv *problem.Invalid, cursor string, limit int) (time.Time, string, int) {
	var curT time.Time
	var curID string
	if cursor != "" {
		var ok bool
		if curT, curID, ok = decodeCursor(cursor); !ok {
			inv.Add("cursor", "packets.error.cursor")
		}
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return curT, curID, limit
}

// pageTail ends a packet listing newest first: after the cursor's row when there is one, one row
// more than limit (to know whether another page follows).
func pageTail(q string, args []any, curT time.Time, curID string, limit int) (string, []any) {
	if curID != "" {
		q += ` AND (p.created_at, p.id) < (?, ?)`
		args = append(args, curT, curID)
	}
	return q + ` ORDER BY p.created_at DESC, p.id DESC LIMIT ?`, append(args, limit+1)
}
