package imports_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"testing"

	"github.com/xuri/excelize/v2"

	"homeward/internal/imports"
)

// checkParsed is what any input must give: no panic (the fuzzer reports one), problems with sane
// rows, never more rows than MaxRows, and never rows alongside a file-level problem.
func checkParsed(t *testing.T, data []byte) {
	p := imports.Parse(data, now)
	if len(p.Rows) > imports.MaxRows {
		t.Fatalf("%d rows, more than %d", len(p.Rows), imports.MaxRows)
	}
	for _, e := range p.Errors {
		if e.Row < 0 || e.Key == "" {
			t.Fatalf("problem %+v", e)
		}
	}
	for _, r := range p.Rows {
		if r.Num < 1 {
			t.Fatalf("row number %d", r.Num)
		}
	}
}

var langs = []string{"en", "th", "km"}

// FuzzCSV: CSV files, seeded with the templates in every language and the test files' shapes.
func FuzzCSV(f *testing.F) {
	for _, l := range langs {
		b, err := imports.TemplateCSV(l)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("Given name,Sex,Date of birth,Nationality\nSokha,female,1999-04-12,KH\nDara,male,,kh\n"))
	f.Add([]byte("\xEF\xBB\xBFGiven name;Sex;Date of birth;Nationality\n\"So\"\"kha\";female;12/04/1999;KH\n"))
	f.Add([]byte("Given name\tSex\tDate of birth\tNationality\n\"unterminated\tfemale\n"))
	f.Fuzz(func(t *testing.T, data []byte) { checkParsed(t, data) })
}

// FuzzXLSX: workbooks, seeded with the templates, a workbook with formulas and a hand-written one.
func FuzzXLSX(f *testing.F) {
	for _, l := range langs {
		b, err := imports.TemplateXLSX(l)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	wb := excelize.NewFile()
	_ = wb.SetSheetRow("Sheet1", "A1", &[]any{"Given name", "Sex", "Date of birth", "Nationality"})
	_ = wb.SetSheetRow("Sheet1", "A2", &[]any{"Sokha", "female", 36263, "KH"})
	_ = wb.SetCellFormula("Sheet1", "C3", "C2+1")
	buf, err := wb.WriteToBuffer()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(rawWorkbook(f, 3, true))
	f.Add(rawWorkbook(f, 2, false))
	f.Fuzz(func(t *testing.T, data []byte) { checkParsed(t, data) })
}

// FuzzHTCDS: files in IOM's HTCDS v2.0 layout, seeded with IOM's spreadsheet (testdata) and the same
// header rows as CSV.
func FuzzHTCDS(f *testing.F) {
	b, err := os.ReadFile("testdata/htcds-v2.0-spreadsheet.xlsx")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	wb, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		f.Fatal(err)
	}
	rows, err := wb.GetRows(wb.GetSheetList()[0])
	wb.Close()
	if err != nil {
		f.Fatal(err)
	}
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	for _, r := range rows[:min(3, len(rows))] {
		if err := w.Write(r); err != nil {
			f.Fatal(err)
		}
	}
	w.Flush()
	f.Add(out.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) { checkParsed(t, data) })
}
