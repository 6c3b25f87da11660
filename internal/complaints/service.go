package complaints

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/store"
)

// Service imports and reads the complaint statistics of the actor's store.
type Service struct {
	stores *store.Set
	now    func() time.Time
}

// New returns the complaints service.
func New(stores *store.Set) *Service {
	return &Service{stores: stores, now: func() time.Time { return time.Now().UTC() }}
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// Report is the outcome of an import: the data lines read, every error, and the rows stored (0 on a
// dry run or when the file has any error).
type Report struct {
	DryRun   bool
	Rows     int
	Imported int
	ImportID string
	Errors   []Problem
}

// Import checks a file and, unless dryRun or any line has an error, stores every row at once in one
// transaction: a row replaces the stored one of the same week, province and channel, and the import
// is recorded in the history and the audit log. Problems with the file are in the report; the error
// is for a refused section or a failure.
func (s *Service) Import(ctx context.Context, a *authz.Actor, filename string, data []byte, dryRun bool) (*Report, error) {
	st, _, err := s.stores.Bind(a, authz.SectionReports, authz.ActionWrite)
	if err != nil {
		return nil, err
	}
	p := Parse(data)
	rep := &Report{DryRun: dryRun, Rows: p.Lines, Errors: p.Errors}
	if dryRun || len(p.Errors) > 0 || len(p.Rows) == 0 {
		return rep, nil
	}
	now := s.now().Truncate(time.Microsecond)
	id := uuid.Must(uuid.NewV7()).String()
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := upsert(tx, p.Rows, a.UserID, now); err != nil {
			return err
		}
		if err := tx.Exec(insertImportSQL, id, cleanName(filename), len(p.Rows), nullUUID(a.UserID), now).Error; err != nil {
			return fmt.Errorf("record import: %w", err)
		}
		return audit.Append(tx, now, audit.ByActor(a, audit.ComplaintsImport, "complaint_import", id,
			map[string]any{"rows": len(p.Rows), "filename": cleanName(filename)}))
	})
	if err != nil {
		return nil, fmt.Errorf("import complaints: %w", err)
	}
	rep.Imported, rep.ImportID = len(p.Rows), id
	return rep, nil
}

const insertImportSQL = `INSERT INTO complaint_imports (id, filename, rows, imported_by, imported_at) VALUES (?, ?, ?, ?, ?)`

// upsertBatch is the rows written per statement (6 parameters each, under PostgreSQL's 65,535).
const upsertBatch = 1000

// upsert writes rows, replacing the stored row of the same key.
func upsert(tx *gorm.DB, rows []Row, by string, now time.Time) error {
	for start := 0; start < len(rows); start += upsertBatch {
		chunk := rows[start:min(start+upsertBatch, len(rows))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO complaint_stats (week, province, channel, complaints, losses, imported_by, imported_at) VALUES `)
		args := make([]any, 0, len(chunk)*6+1)
		for i, r := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, ?, ?::numeric, ?, ?)")
			args = append(args, r.Week.Format(time.DateOnly), r.Province, r.Channel, r.Complaints, FormatCents(r.Cents), nullUUID(by), now)
		}
		sb.WriteString(` ON CONFLICT (week, province, channel) DO UPDATE SET complaints = EXCLUDED.complaints,
			losses = EXCLUDED.losses, imported_by = EXCLUDED.imported_by, imported_at = EXCLUDED.imported_at`)
		if err := tx.Exec(sb.String(), args...).Error; err != nil {
			return fmt.Errorf("store complaint rows: %w", err)
		}
	}
	return nil
}

// ImportRecord is one import of the history.
type ImportRecord struct {
	ID         string
	Filename   string
	Rows       int
	ImportedBy *string
	ImportedAt time.Time
}

// History lists the latest imports (newest first), for those who may import.
func (s *Service) History(ctx context.Context, a *authz.Actor, limit int) ([]ImportRecord, error) {
	st, _, err := s.stores.Bind(a, authz.SectionReports, authz.ActionWrite)
	if err != nil {
		return nil, err
	}
	var out []ImportRecord
	err = st.DB.WithContext(ctx).Raw(`SELECT id, filename, rows, imported_by, imported_at FROM complaint_imports
		ORDER BY imported_at DESC, id DESC LIMIT ?`, limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("import history: %w", err)
	}
	return out, nil
}

func nullUUID(id string) any {
	if _, err := uuid.Parse(id); err != nil {
		return nil
	}
	return id
}

// cleanName keeps the base name of an uploaded file, shortened.
func cleanName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(strings.TrimSpace(name), "")
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	return name
}
