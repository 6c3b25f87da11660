package seedscale

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"homeward/internal/audit"
)

// auditCopySQL copies sealed audit rows, in the column order of appendAuditRow.
const auditCopySQL = `COPY audit_log (id, seq, at, actor_user_id, actor_agency_id, action, entity, entity_id, detail, prev_hash, hash,
  section) FROM STDIN (FORMAT binary)`

// chainAudit seals the audit rows of the staged events (auditRowsSQL, streamed in id order from a
// cursor: they are never staged) as the sealer would (audit.Link: the next chain positions after
// lastID, lastHash, and their hashes), and copies them into audit_log. It returns the new end.
// Millions of rows pass here, so the rows are read raw and written in COPY's binary format by
// hand (pgx's generic encoding of every value cost as much CPU as the hashing).
func chainAudit(ctx context.Context, tx pgx.Tx, welfare Agency, lastID int64, lastHash []byte, stats *Stats) (int64, []byte, error) {
	var seq string
	if err := tx.QueryRow(ctx, `SELECT pg_get_serial_sequence('audit_log', 'id')`).Scan(&seq); err != nil {
		return 0, nil, fmt.Errorf("seedscale: audit_log's sequence: %w", err)
	}
	// Ids ascend in the order the rows are read (no sort of millions of rows); checked below.
	if _, err := tx.Exec(ctx, `DECLARE audit_cur NO SCROLL CURSOR FOR `+auditRowsSQL, auditArgs(welfare, seq)...); err != nil {
		return 0, nil, fmt.Errorf("seedscale: audit rows: %w", err)
	}
	var prevID int64
	batch := make([]audit.Row, 0, fetchSize)
	var buf bytes.Buffer
	for {
		var err error
		batch, err = fetchAudit(ctx, tx, batch[:0], &prevID)
		if err != nil {
			return 0, nil, err
		}
		if len(batch) == 0 {
			break
		}
		lastID, lastHash = audit.Link(lastID, lastHash, batch)
		buf.Reset()
		buf.Write(copyHeader)
		for i := range batch {
			if err := appendAuditRow(&buf, &batch[i]); err != nil {
				return 0, nil, err
			}
		}
		buf.Write([]byte{0xff, 0xff}) // the trailer: a field count of -1
		if _, err := tx.Conn().PgConn().CopyFrom(ctx, &buf, auditCopySQL); err != nil {
			return 0, nil, fmt.Errorf("seedscale: copy audit_log: %w", err)
		}
		stats.Rows["audit_log"] += len(batch)
	}
	if _, err := tx.Exec(ctx, "CLOSE audit_cur"); err != nil {
		return 0, nil, fmt.Errorf("seedscale: audit rows: %w", err)
	}
	return lastID, lastHash, nil
}

// fetchAudit reads the cursor's next rows (id, at in microseconds since the epoch, actor user,
// actor agency, action, section, entity id, detail) into batch, checking that ids ascend.
func fetchAudit(ctx context.Context, tx pgx.Tx, batch []audit.Row, prevID *int64) ([]audit.Row, error) {
	rows, err := tx.Query(ctx, fmt.Sprintf("FETCH %d FROM audit_cur", fetchSize))
	if err != nil {
		return nil, fmt.Errorf("seedscale: audit rows: %w", err)
	}
	defer rows.Close()
	fds := rows.FieldDescriptions()
	if len(fds) != 8 {
		return nil, fmt.Errorf("seedscale: audit rows: %d columns", len(fds))
	}
	for rows.Next() {
		raw := rows.RawValues()
		id, err1 := rawInt8(raw[0], fds[0])
		us, err2 := rawInt8(raw[1], fds[1])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("seedscale: audit rows: id %v, at %v", err1, err2)
		}
		if id <= *prevID {
			return nil, fmt.Errorf("seedscale: audit rows out of id order (%d after %d)", id, *prevID)
		}
		*prevID = id
		batch = append(batch, audit.Row{ID: id, At: time.UnixMicro(us).UTC(), ActorUserID: rawText(raw[2]), ActorAgencyID: rawText(raw[3]),
			Action: string(raw[4]), Section: string(raw[5]), Entity: "case", EntityID: string(raw[6]), Detail: string(raw[7])})
	}
	return batch, rows.Err()
}

// rawInt8 decodes a bigint column in the format the server sent it.
func rawInt8(b []byte, fd pgconn.FieldDescription) (int64, error) {
	if fd.Format == pgx.BinaryFormatCode {
		if len(b) != 8 {
			return 0, fmt.Errorf("bigint of %d bytes", len(b))
		}
		return int64(binary.BigEndian.Uint64(b)), nil
	}
	return strconv.ParseInt(string(b), 10, 64)
}

// rawText is a text column's value, nil for NULL.
func rawText(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

// copyHeader starts COPY's binary format: the signature, no flags, no header extension.
var copyHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// pgEpoch is PostgreSQL's timestamp zero, 2000-01-01 UTC, in Unix microseconds.
const pgEpoch = 946_684_800_000_000

// appendAuditRow writes one sealed row in COPY's binary format, columns as in auditCopySQL.
func appendAuditRow(b *bytes.Buffer, r *audit.Row) error {
	var n [4]byte
	var v8 [8]byte
	field := func(p []byte) {
		binary.BigEndian.PutUint32(n[:], uint32(len(p)))
		b.Write(n[:])
		b.Write(p)
	}
	null := func() { b.Write([]byte{0xff, 0xff, 0xff, 0xff}) }
	int8 := func(v int64) {
		binary.BigEndian.PutUint64(v8[:], uint64(v))
		field(v8[:])
	}
	id := func(s *string) error {
		if s == nil {
			null()
			return nil
		}
		var u [16]byte
		if len(*s) != 36 {
			return fmt.Errorf("seedscale: audit row %d: uuid %q", r.ID, *s)
		}
		h := (*s)[0:8] + (*s)[9:13] + (*s)[14:18] + (*s)[19:23] + (*s)[24:36]
		if _, err := hex.Decode(u[:], []byte(h)); err != nil {
			return fmt.Errorf("seedscale: audit row %d: uuid %q: %w", r.ID, *s, err)
		}
		field(u[:])
		return nil
	}
	b.Write([]byte{0, 12})
	int8(r.ID)
	int8(*r.Seq)
	int8(r.At.UnixMicro() - pgEpoch)
	if err := id(r.ActorUserID); err != nil {
		return err
	}
	if err := id(r.ActorAgencyID); err != nil {
		return err
	}
	field([]byte(r.Action))
	field([]byte(r.Entity))
	field([]byte(r.EntityID))
	field([]byte(r.Detail))
	field(r.PrevHash)
	field(r.Hash)
	field([]byte(r.Section))
	return nil
}
