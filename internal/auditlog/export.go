package auditlog

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/csvtext"
)

// CSVFile is an export of the log.
type CSVFile struct {
	Name string
	Data []byte
	Rows int
}

// exportHeader is the CSV's header row.
var exportHeader = []string{"id", "at", "actor_name", "actor_email", "agency", "action", "entity", "entity_id", "case_reference", "detail"}

// Export writes the rows under f (newest first, at most ExportLimit; the cursor is honoured, the
// limit is not) as CSV, times in the country's zone, cells a spreadsheet would take for a formula
// neutralised; the export is audited in the same transaction as the read.
func (s *Service) Export(ctx context.Context, a *authz.Actor, f Filter) (*CSVFile, error) {
	st, err := s.bind(a)
	if err != nil {
		return nil, err
	}
	loc := Zone(st.Country)
	var out *CSVFile
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		f.Limit = 0
		q, err := s.parse(ctx, tx, st.Country, f, MaxLimit)
		if err != nil {
			return err
		}
		rows, err := readRows(tx, q, ExportLimit)
		if err != nil {
			return err
		}
		entries, err := s.entries(ctx, tx, rows)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		buf.WriteString("\uFEFF") // spreadsheet programs then read Thai and Khmer right
		w := csv.NewWriter(&buf)
		if err := w.Write(exportHeader); err != nil {
			return err
		}
		for _, e := range entries {
			rec := []string{strconv.FormatInt(e.ID, 10), e.At.In(loc).Format(time.RFC3339), "", "", "", e.Action, e.Entity, e.EntityID, e.CaseRef, DetailText(e.Detail)}
			if e.Actor != nil {
				rec[2], rec[3] = e.Actor.Name, e.Actor.Email
			}
			if e.Agency != nil {
				rec[4] = e.Agency.Slug
			}
			for i := range rec {
				rec[i] = csvtext.Defuse(rec[i])
			}
			if err := w.Write(rec); err != nil {
				return err
			}
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return fmt.Errorf("auditlog: export: %w", err)
		}
		now := s.now()
		out = &CSVFile{Name: "audit-" + strings.ToLower(st.Country) + "-" + now.In(loc).Format("20060102-1504") + ".csv",
			Data: buf.Bytes(), Rows: len(entries)}
		entity, id := "audit_log", ""
		if q.caseID != "" {
			entity, id = "case", q.caseID
		}
		return audit.Append(tx, now, audit.ByActor(a, ActionExport, entity, id,
			map[string]any{"filters": q.names(), "rows": len(entries), "format": "csv"}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DetailText is a summarized detail on one line: "key: value" for shown values, the key alone else.
func DetailText(items []DetailItem) string {
	parts := make([]string, 0, len(items))
	for _, it := range items {
		if it.Shown {
			parts = append(parts, it.Key+": "+it.Value)
		} else {
			parts = append(parts, it.Key)
		}
	}
	return strings.Join(parts, "; ")
}
