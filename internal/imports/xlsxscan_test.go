package imports_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"homeward/internal/imports"
)

// rawWorkbook writes a minimal XLSX whose first sheet is a header row then rows 2..n+1: blank
// (<row r="i"/>) or each with one inline string in A. It is written by hand, not by excelize, so a
// million rows take a second.
func rawWorkbook(t testing.TB, n int, data bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	part := func(name, body string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	part("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`)
	part("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	part("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	part("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`)
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	sb.WriteString(`<row r="1"><c r="A1" t="inlineStr"><is><t>Given name</t></is></c><c r="B1" t="inlineStr"><is><t>Sex</t></is></c><c r="C1" t="inlineStr"><is><t>Date of birth</t></is></c><c r="D1" t="inlineStr"><is><t>Nationality</t></is></c></row>`)
	for i := 2; i <= n+1; i++ {
		r := strconv.Itoa(i)
		if data {
			sb.WriteString(`<row r="` + r + `"><c r="A` + r + `" t="inlineStr"><is><t>P` + r + `</t></is></c><c r="B` + r + `" t="inlineStr"><is><t>female</t></is></c><c r="D` + r + `" t="inlineStr"><is><t>KH</t></is></c></row>`)
		} else {
			sb.WriteString(`<row r="` + r + `"/>`)
		}
		if sb.Len() > 1<<20 {
			if _, err := w.Write([]byte(sb.String())); err != nil {
				t.Fatal(err)
			}
			sb.Reset()
		}
	}
	sb.WriteString(`</sheetData></worksheet>`)
	if _, err := w.Write([]byte(sb.String())); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func onlyProblem(t *testing.T, p *imports.Parsed, row int, key string) {
	t.Helper()
	if len(p.Errors) != 1 || p.Errors[0].Row != row || p.Errors[0].Key != key {
		t.Fatalf("errors %+v, want one %s at row %d", p.Errors, key, row)
	}
}

func TestParseXLSXRowCap(t *testing.T) {
	t.Run("a few data rows are read", func(t *testing.T) {
		p := imports.Parse(rawWorkbook(t, 3, true), now)
		if len(p.Errors) > 0 || len(p.Rows) != 3 {
			t.Fatalf("rows %d, errors %+v", len(p.Rows), p.Errors)
		}
	})
	t.Run("blank rows count", func(t *testing.T) {
		// 60,000 blank rows under the header: refused at row 50,001, though only one row has data.
		p := imports.Parse(rawWorkbook(t, 60_000, false), now)
		onlyProblem(t, p, 50_001, "imports.error.sheet_rows")
	})
	t.Run("a gap counts", func(t *testing.T) {
		// One row numbered 1,000,000: every row number up to it counts.
		data := workbookWithRow(t, 1_000_000)
		p := imports.Parse(data, now)
		onlyProblem(t, p, 1_000_000, "imports.error.sheet_rows")
	})
	t.Run("rows at the cap are read", func(t *testing.T) {
		p := imports.Parse(rawWorkbook(t, 49_999, false), now)
		onlyProblem(t, p, 0, "imports.error.no_rows")
	})
}

// workbookWithRow is rawWorkbook with one blank row numbered r after the header.
func workbookWithRow(t *testing.T, r int) []byte {
	t.Helper()
	data := rawWorkbook(t, 1, false)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := b.ReadFrom(rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
		body := b.String()
		if f.Name == "xl/worksheets/sheet1.xml" {
			body = strings.Replace(body, `<row r="2"/>`, fmt.Sprintf(`<row r="%d"/>`, r), 1)
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// vmRSS reads the resident set size of this process, in kB.
func vmRSS(b *testing.B) int {
	s, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(s), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

func benchRefusal(b *testing.B, data bool) {
	file := rawWorkbook(b, 1_000_000, data)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rss := vmRSS(b)
	var worst time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		p := imports.Parse(file, now)
		worst = max(worst, time.Since(start))
		if len(p.Errors) != 1 || (p.Errors[0].Key != "imports.error.sheet_rows" && p.Errors[0].Key != "imports.error.unzipped") {
			b.Fatalf("errors %+v", p.Errors)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(len(file))/(1<<20), "file-MB")
	b.ReportMetric(worst.Seconds()*1000, "max-ms")
	b.ReportMetric(float64(vmRSS(b)-rss)/1024, "RSS-growth-MB")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "alloc-MB/op")
}

// BenchmarkXLSXMillionBlankRows: a header and 1,000,000 blank rows is refused (target < 1 s, RSS
// growth < 50 MB).
func BenchmarkXLSXMillionBlankRows(b *testing.B) { benchRefusal(b, false) }

// BenchmarkXLSXMillionRows: a header and 1,000,000 rows of data is refused likewise (its sheet
// declares more than maxUnzipped bytes uncompressed, so it is refused on that before any row).
func BenchmarkXLSXMillionRows(b *testing.B) { benchRefusal(b, true) }

// TestParseXLSXUnzippedCap: a workbook whose parts declare more than the uncompressed cap is
// refused before any part is inflated.
func TestParseXLSXUnzippedCap(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Store,
		CompressedSize64: 5, UncompressedSize64: 200 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("<row>")); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := imports.Parse(buf.Bytes(), now)
	onlyProblem(t, p, 0, "imports.error.unzipped")
}
