// Package audit appends hash-chained audit rows inside the caller's transaction and verifies chains.
//
// Each database (the hub and every store) holds one chain in audit_log; audit_head holds its end.
// A row's hash is sha256(prev_hash || canonical fields), so editing, inserting or deleting a row
// breaks the chain, and deleting the last rows disagrees with audit_head.
//
// Every row names a declared Action (actions.go), which carries the section the row's detail is
// about; the row stores that section. The canonical fields are id, at, actor user, actor agency,
// action, entity, entity id, detail and — when not empty — section, each length-prefixed: rows
// written before sections existed (an empty section) hash exactly as they did, and setting, clearing or
// changing a row's section changes its hash.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"homeward/internal/authz"
)

// Entry is one audited event.
type Entry struct {
	ActorUserID   string // empty for the system
	ActorAgencyID string
	Action        Action // a declared action, e.g. CaseRead; it sets the row's section
	Entity        string // e.g. "case"
	EntityID      string
	Detail        any // marshalled to JSON; nil for none
}

// Row is a stored audit row.
type Row struct {
	ID            int64
	At            time.Time
	ActorUserID   *string
	ActorAgencyID *string
	Action        string
	Section       string // the section of the row's detail; '' on rows written before sections
	Entity        string
	EntityID      string
	Detail        string
	PrevHash      []byte
	Hash          []byte
}

// TableName is the audit table.
func (Row) TableName() string { return "audit_log" }

const lockHead = `SELECT last_id, last_hash FROM audit_head WHERE id = 1 FOR UPDATE`

// Append writes e as the next row of the chain, inside tx (which must be a transaction).
// It takes the chain's head row lock until tx ends, so call it last in the transaction.
func Append(tx *gorm.DB, now time.Time, e Entry) error {
	return AppendMany(tx, now, []Entry{e})
}

// AppendMany writes entries as the next rows of the chain in one statement, inside tx.
func AppendMany(tx *gorm.DB, now time.Time, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	var head struct {
		LastID   int64
		LastHash []byte
	}
	if err := tx.Raw(lockHead).Scan(&head).Error; err != nil {
		return fmt.Errorf("audit: lock head: %w", err)
	}
	rows := make([]Row, len(entries))
	prevID, prevHash := head.LastID, head.LastHash
	for i, e := range entries {
		if !e.Action.valid() {
			return fmt.Errorf("audit: action %q has no declared section", e.Action.name)
		}
		detail := ""
		if e.Detail != nil {
			b, err := json.Marshal(e.Detail)
			if err != nil {
				return fmt.Errorf("audit: detail: %w", err)
			}
			detail = string(b)
		}
		r := Row{
			ID: prevID + 1, At: now.UTC().Truncate(time.Microsecond),
			ActorUserID: nullable(e.ActorUserID), ActorAgencyID: nullable(e.ActorAgencyID),
			Action: e.Action.name, Section: string(e.Action.section), Entity: e.Entity, EntityID: e.EntityID, Detail: detail,
			PrevHash: prevHash,
		}
		r.Hash = r.computeHash()
		rows[i], prevID, prevHash = r, r.ID, r.Hash
	}
	if err := tx.CreateInBatches(rows, 1000).Error; err != nil {
		return fmt.Errorf("audit: insert: %w", err)
	}
	res := tx.Exec(`UPDATE audit_head SET last_id = ?, last_hash = ? WHERE id = 1`, prevID, prevHash)
	if res.Error != nil {
		return fmt.Errorf("audit: move head: %w", res.Error)
	}
	return nil
}

func (r Row) computeHash() []byte {
	h := sha256.New()
	h.Write(r.PrevHash)
	fields := []string{
		strconv.FormatInt(r.ID, 10), r.At.UTC().Format(time.RFC3339Nano),
		deref(r.ActorUserID), deref(r.ActorAgencyID), r.Action, r.Entity, r.EntityID, r.Detail,
	}
	if r.Section != "" {
		fields = append(fields, r.Section)
	}
	for _, f := range fields {
		h.Write([]byte{0x1f})
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return h.Sum(nil)
}

// ErrBroken reports a broken chain.
var ErrBroken = errors.New("audit chain broken")

// Break describes the first row where the chain fails.
type Break struct {
	ID     int64
	Reason string
}

func (b *Break) Error() string { return fmt.Sprintf("audit row %d: %s", b.ID, b.Reason) }

// Unwrap lets errors.Is(err, ErrBroken) match.
func (b *Break) Unwrap() error { return ErrBroken }

// Verify walks the whole chain in id order and returns a *Break for the first bad row, nil if intact.
func Verify(ctx context.Context, db *gorm.DB) error {
	const batch = 5000
	var prev []byte = []byte{}
	var expectID int64 = 1
	for {
		var rows []Row
		err := db.WithContext(ctx).Where("id >= ?", expectID).Order("id").Limit(batch).Find(&rows).Error
		if err != nil {
			return fmt.Errorf("audit: read: %w", err)
		}
		for _, r := range rows {
			if r.ID != expectID {
				return &Break{ID: r.ID, Reason: fmt.Sprintf("expected row %d next: a row was deleted or inserted", expectID)}
			}
			if !bytes.Equal(r.PrevHash, prev) {
				return &Break{ID: r.ID, Reason: "previous hash does not match: a row before it was changed or removed"}
			}
			if !bytes.Equal(r.computeHash(), r.Hash) {
				return &Break{ID: r.ID, Reason: "hash does not match its contents: the row was edited"}
			}
			prev = r.Hash
			expectID++
		}
		if len(rows) < batch {
			break
		}
	}
	var head struct {
		LastID   int64
		LastHash []byte
	}
	if err := db.WithContext(ctx).Raw(`SELECT last_id, last_hash FROM audit_head WHERE id = 1`).Scan(&head).Error; err != nil {
		return fmt.Errorf("audit: read head: %w", err)
	}
	if head.LastID != expectID-1 || !bytes.Equal(head.LastHash, prev) {
		return &Break{ID: expectID, Reason: fmt.Sprintf("chain ends at row %d but the head records row %d: rows were deleted at the end", expectID-1, head.LastID)}
	}
	return nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return strings.Clone(*s)
}

// ByActor is an Entry for something the actor did.
func ByActor(a *authz.Actor, action Action, entity, id string, detail any) Entry {
	return Entry{ActorUserID: a.UserID, ActorAgencyID: a.AgencyID, Action: action, Entity: entity, EntityID: id, Detail: detail}
}
