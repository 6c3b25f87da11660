package imports

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"homeward/internal/csvtext"
)

// Limits of an uploaded file.
const (
	// MaxFileBytes is the largest file accepted (10 MB); the web layer refuses a larger body with 413
	// before reading it.
	MaxFileBytes = 10 << 20
	// MaxRows is the most persons one file may register.
	MaxRows = 5000
	// maxRawRows bounds the non-empty rows read before the layout is known (IOM's spreadsheet numbers
	// otherwise empty rows), so a file of junk rows cannot hold the server.
	maxRawRows = 4 * MaxRows
	// maxSheetRows bounds every row of an XLSX sheet read, blank or not (a row number skipped by a
	// gap counts too): a sheet of a million empty rows is refused at this row, unread past it.
	maxSheetRows = 10 * MaxRows
	// maxUnzippedXML is the largest part excelize keeps in memory; a larger worksheet goes to a
	// temporary file.
	maxUnzippedXML = 8 << 20
	// maxUnzipped bounds the uncompressed size of an XLSX file (a zip bomb is refused).
	maxUnzipped = 128 << 20
	// MaxProblems is the most errors, and the most warnings, a report keeps (the first found); the
	// rest are counted (Parsed.MoreErrors, MoreWarnings) and named by a note.
	MaxProblems = 2000
	// maxFormulas is the most formula cells of a sheet kept by the scan; the rest are counted.
	maxFormulas = MaxProblems
)

var (
	utf8BOM    = []byte{0xEF, 0xBB, 0xBF}
	zipMagic   = []byte("PK\x03\x04")
	oleMagic   = []byte{0xD0, 0xCF, 0x11, 0xE0} // legacy .xls, or an encrypted workbook
	utf16LEBOM = []byte{0xFF, 0xFE}
	utf16BEBOM = []byte{0xFE, 0xFF}
)

// rawRow is one non-empty row of the file as read, before the header is known.
type rawRow struct {
	num   int // spreadsheet row number, the first row is 1
	cells []string
}

// cellRef is a cell of the file: row number and 0-based column index.
type cellRef struct{ row, col int }

// rowSource reads the first sheet of a file (or the CSV) one non-blank row at a time, as text
// cells: nothing but the row being read is held (and, for XLSX, the formula cells found by the
// scan, at most maxFormulas).
type rowSource struct {
	// next returns the next non-blank row; false at the end or on a problem (then prob is set).
	next     func() (rawRow, bool)
	prob     *Problem
	close    func()
	formulas []cellRef // XLSX cells holding a formula, in sheet order
	// moreFormulas counts the formula cells past maxFormulas, not kept.
	moreFormulas int
	excel        bool // read from XLSX: number cells may be date serials
	date1904     bool // the workbook counts dates from 1904
}

// openRows opens a CSV or XLSX file (told apart by content, not by name) for reading row by row;
// a file it cannot read at all is a file-level problem.
func openRows(data []byte) (*rowSource, *Problem) {
	switch {
	case len(bytes.TrimSpace(bytes.TrimPrefix(data, utf8BOM))) == 0:
		return nil, fileProblem(0, "imports.error.empty")
	case bytes.HasPrefix(data, zipMagic):
		return openXLSX(data)
	case bytes.HasPrefix(data, oleMagic):
		return nil, fileProblem(0, "imports.error.format")
	case bytes.HasPrefix(data, utf16LEBOM), bytes.HasPrefix(data, utf16BEBOM):
		return nil, fileProblem(1, "imports.error.not_utf8")
	}
	return openCSV(data)
}

func fileProblem(row int, key string, args ...any) *Problem {
	return &Problem{Row: row, Key: key, Args: args}
}

// openCSV reads UTF-8 CSV, with or without a byte-order mark, separated by commas, semicolons or
// tabs (whichever the header line uses most), one record at a time. Row numbers count records, the
// header being row 1. A record that cannot be read (a stray quote, most often) is the file's problem.
func openCSV(data []byte) (*rowSource, *Problem) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if at := csvtext.InvalidText(data); at >= 0 {
		return nil, fileProblem(1+bytes.Count(data[:at], []byte{'\n'}), "imports.error.not_utf8")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = csvtext.Delimiter(data)
	r.FieldsPerRecord = -1
	src := &rowSource{close: func() {}}
	num := 0
	src.next = func() (rawRow, bool) {
		for src.prob == nil {
			num++
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				return rawRow{}, false
			}
			if err != nil {
				src.prob = fileProblem(num, "imports.error.csv")
				return rawRow{}, false
			}
			if !blank(rec) {
				return rawRow{num: num, cells: rec}, true
			}
		}
		return rawRow{}, false
	}
	return src, nil
}

// openXLSX reads the first sheet of a workbook with raw cell values (dates as serial numbers, so no
// display format can change them) and notes every cell holding a formula. A first streaming pass
// (scanXLSX) counts every row and finds the formulas from the streamed cells, and refuses a sheet of
// too many rows or too many uncompressed bytes before excelize unpacks anything; the values are
// then read a row at a time with excelize's streaming row iterator, never loading the sheet whole.
func openXLSX(data []byte) (*rowSource, *Problem) {
	sc, err := scanXLSX(data)
	switch {
	case errors.Is(err, errUnzipped):
		return nil, fileProblem(0, "imports.error.unzipped", "Max", maxUnzipped>>20)
	case err != nil:
		return nil, fileProblem(0, "imports.error.unreadable")
	case sc.overRow > 0:
		return nil, fileProblem(sc.overRow, "imports.error.sheet_rows", "Max", maxSheetRows)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnzipped,
		UnzipXMLSizeLimit: maxUnzippedXML, RawCellValue: true})
	if err != nil {
		return nil, fileProblem(0, "imports.error.unreadable")
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, fileProblem(0, "imports.error.empty")
	}
	src := &rowSource{excel: true, formulas: sc.formulas, moreFormulas: sc.moreFormulas}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		src.date1904 = *props.Date1904
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		f.Close()
		return nil, fileProblem(0, "imports.error.unreadable")
	}
	src.close = func() { rows.Close(); f.Close() }
	num := 0
	src.next = func() (rawRow, bool) {
		for src.prob == nil && rows.Next() {
			num++
			if num > maxSheetRows { // scanXLSX refused such a sheet; kept so this loop is bounded alone
				src.prob = fileProblem(num, "imports.error.sheet_rows", "Max", maxSheetRows)
				return rawRow{}, false
			}
			cells, err := rows.Columns()
			if err != nil {
				src.prob = fileProblem(num, "imports.error.unreadable")
				return rawRow{}, false
			}
			if !blank(cells) {
				return rawRow{num: num, cells: cells}, true
			}
		}
		if err := rows.Error(); err != nil && src.prob == nil {
			src.prob = fileProblem(0, "imports.error.unreadable")
		}
		return rawRow{}, false
	}
	return src, nil
}

// blank reports whether every cell is empty or spaces.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
