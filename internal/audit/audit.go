// Package audit appends audit rows inside the caller's transaction, seals them into a hash chain
// beside the requests, publishes each chain's head to the other databases and verifies chains.
//
// Each database (the hub and every store) holds one chain in audit_log. A request appends its row
// unsealed, taking no shared lock (Append); the sealer of that database (sealer.go, one at a time
// under an advisory lock) gives committed rows the next chain positions (seq) and their hashes and
// moves audit_head. A row's hash is sha256(prev_hash || canonical fields), so editing, inserting or
// deleting a sealed row breaks the chain, and deleting the last rows disagrees with audit_head.
// Heads published to the other side (anchors.go) catch a chain rewritten whole. docs/audit.md
// describes the design, the tamper window and the tests that prove it.
//
// Every row names a declared Action (actions.go), which carries the section the row's detail is
// about; the row stores that section. The canonical fields are the chain position, at, actor user,
// actor agency, action, entity, entity id, detail and — when not empty — section, each
// length-prefixed: rows written before sections existed (an empty section) hash exactly as they did,
// and setting, clearing or changing a row's section changes its hash.
package audit

import (
	"crypto/sha256"
	"encoding/json"
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

// Row is a stored audit row. A row is appended unsealed (Seq, PrevHash and Hash nil) and sealed
// once by the sealer (sealer.go), which gives it the next chain position and its hashes.
type Row struct {
	ID            int64
	Seq           *int64 // the chain position; nil while unsealed; = ID for rows written before the sealer
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
	AppendedAt    *time.Time // when the row was inserted (the database's clock); nil on rows before the sealer
}

// TableName is the audit table.
func (Row) TableName() string { return "audit_log" }

const insertColumns = `INSERT INTO audit_log (at, actor_user_id, actor_agency_id, action, section, entity, entity_id, detail) VALUES `

// insertBatch bounds the rows of one INSERT (8 parameters a row, under PostgreSQL's 65,535).
const insertBatch = 1000

// Append writes e as an unsealed row inside tx (which must be a transaction). It takes no lock
// beyond its own new row: the sealer chains the row after tx commits (sealer.go).
func Append(tx *gorm.DB, now time.Time, e Entry) error {
	return AppendMany(tx, now, []Entry{e})
}

// AppendMany writes entries as unsealed rows inside tx, in their order (ids from the table's
// identity sequence, so the sealer chains them in this order).
func AppendMany(tx *gorm.DB, now time.Time, entries []Entry) error {
	at := now.UTC().Truncate(time.Microsecond)
	for start := 0; start < len(entries); start += insertBatch {
		chunk := entries[start:min(start+insertBatch, len(entries))]
		var sql strings.Builder
		sql.WriteString(insertColumns)
		args := make([]any, 0, 8*len(chunk))
		for i, e := range chunk {
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
			if i > 0 {
				sql.WriteString(", ")
			}
			sql.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, at, nullable(e.ActorUserID), nullable(e.ActorAgencyID), e.Action.name,
				string(e.Action.section), e.Entity, e.EntityID, detail)
		}
		if err := tx.Exec(sql.String(), args...).Error; err != nil {
			return fmt.Errorf("audit: insert: %w", err)
		}
	}
	return nil
}

// position is the row's chain position: Seq once sealed, else its id (the position it would have
// had before the sealer, which is how the hash of a Row built without Seq is defined).
func (r Row) position() int64 {
	if r.Seq != nil {
		return *r.Seq
	}
	return r.ID
}

// HashOf returns the hash r must carry at its chain position (r.Seq) after r.PrevHash: what the
// sealer writes and Verify checks. Anyone holding the rows can recompute a chain, which is why the
// heads are also published to the other databases (anchors.go).
func HashOf(r Row) []byte { return r.computeHash() }

// computeHash is sha256(prev_hash || canonical fields). The canonical fields are the chain
// position, at, actor user, actor agency, action, entity, entity id, detail, then the section when
// not empty, each length-prefixed — exactly the fields rows had before the sealer, whose position
// was their id (seq = id), so they verify unchanged. A row whose id differs from its position (every
// row sealed out of id order, or after ids skipped by rolled-back transactions) also carries the
// section (even empty) and "id:<id>", so its id is bound too; the field count tells the forms apart.
func (r Row) computeHash() []byte {
	h := sha256.New()
	h.Write(r.PrevHash)
	pos := r.position()
	fields := []string{
		strconv.FormatInt(pos, 10), r.At.UTC().Format(time.RFC3339Nano),
		deref(r.ActorUserID), deref(r.ActorAgencyID), r.Action, r.Entity, r.EntityID, r.Detail,
	}
	switch {
	case r.ID != pos:
		fields = append(fields, r.Section, "id:"+strconv.FormatInt(r.ID, 10))
	case r.Section != "":
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
