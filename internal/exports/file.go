// Package exports writes files out of a country store for supervisors: the filtered case list (CSV or
// XLSX, only the fields the role may read) and the de-identified HTCDS v2.0 dataset. Every export is
// audited in the store and stamped with who exported it and when.
package exports

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"homeward/internal/csvtext"
	"homeward/internal/problem"
)

// Formats of an export file.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// File is an export ready to download.
type File struct {
	Name        string // file name, e.g. "homeward-cases-20261127-1403.csv"
	ContentType string
	Data        []byte
}

// Stamp is who exported a file and when; it is written into every file.
type Stamp struct {
	Name, Email, Agency string
	At                  time.Time // in the zone the exporter reads times in
}

// Line is the stamp as one line: "Exported by NAME (EMAIL), AGENCY, 2026-11-27 14:03 +07:00".
func (s Stamp) Line() string {
	clean := strings.NewReplacer("\r", " ", "\n", " ").Replace
	return fmt.Sprintf("Exported by %s (%s), %s, %s", clean(s.Name), clean(s.Email), clean(s.Agency),
		s.At.Format("2006-01-02 15:04 -07:00"))
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// checkFormat returns a *problem.Invalid for a format other than csv or xlsx.
func checkFormat(format string) error {
	if format != FormatCSV && format != FormatXLSX {
		return &problem.Invalid{Fields: map[string]string{"format": "export.error.format"}}
	}
	return nil
}

// table is the content of an export: notes written before the header (comment lines in CSV, rows
// above the header in XLSX when above is set), the header and the rows.
type table struct {
	notes  []string
	above  bool // XLSX: write the notes as rows above the header (else only in the document properties)
	header []string
	rows   [][]string
}

// write encodes t in format as a file named base plus the extension.
func (t *table) write(format, base string, st Stamp) (*File, error) {
	name := base + "-" + st.At.Format("20060102-1504") + "." + format
	if format == FormatCSV {
		data, err := t.csv()
		return &File{Name: name, ContentType: "text/csv; charset=utf-8", Data: data}, err
	}
	data, err := t.xlsx(st)
	return &File{Name: name, ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: data}, err
}

// csv writes UTF-8 with a byte-order mark (spreadsheet programs then read Thai and Khmer right), the
// notes as "# " lines, then the header and rows. Cells that a spreadsheet would take for a formula
// are prefixed with an apostrophe.
func (t *table) csv() ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(64 * (len(t.rows) + 2))
	buf.Write(utf8BOM)
	for _, n := range t.notes {
		buf.WriteString("# " + n + "\n")
	}
	w := csv.NewWriter(&buf)
	if err := w.Write(t.header); err != nil {
		return nil, fmt.Errorf("export csv: %w", err)
	}
	for _, r := range t.rows {
		for i, v := range r {
			r[i] = csvtext.Defuse(v)
		}
		if err := w.Write(r); err != nil {
			return nil, fmt.Errorf("export csv: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("export csv: %w", err)
	}
	return buf.Bytes(), nil
}

// xlsx writes one sheet: the notes (when above), the header in bold and the rows, all as text; the
// stamp also goes into the document properties.
func (t *table) xlsx(st Stamp) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Sheet1"
	props := &excelize.DocProperties{Creator: st.Name + " <" + st.Email + ">", LastModifiedBy: st.Agency,
		Description: strings.Join(t.notes, "\n"), Created: st.At.Format(time.RFC3339), Title: "Homeward export"}
	if err := f.SetDocProps(props); err != nil {
		return nil, fmt.Errorf("export xlsx: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, fmt.Errorf("export xlsx: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, fmt.Errorf("export xlsx: %w", err)
	}
	row := 1
	put := func(vals []string, style int) error {
		cells := make([]any, len(vals))
		for i, v := range vals {
			cells[i] = excelize.Cell{Value: v, StyleID: style}
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		row++
		return sw.SetRow(cell, cells)
	}
	if t.above {
		for _, n := range t.notes {
			if err := put([]string{n}, 0); err != nil {
				return nil, fmt.Errorf("export xlsx: %w", err)
			}
		}
	}
	if err := put(t.header, bold); err != nil {
		return nil, fmt.Errorf("export xlsx: %w", err)
	}
	for _, r := range t.rows {
		if err := put(r, 0); err != nil {
			return nil, fmt.Errorf("export xlsx: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, fmt.Errorf("export xlsx: %w", err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("export xlsx: %w", err)
	}
	return buf.Bytes(), nil
}
