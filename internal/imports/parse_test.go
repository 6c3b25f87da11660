package imports_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/imports"
)

var now = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

const enHeader = "Given name,Family name,Sex (female/male/other/unknown),Date of birth (YYYY-MM-DD),Estimated age,Nationality (country code),Languages,Identity document number,Contact,Minor (yes/no)"

// problem is what a test compares of an imports.Problem.
type problem struct {
	Row    int
	Column string
	Key    string
}

func problems(ps []imports.Problem) []problem {
	out := []problem{}
	for _, p := range ps {
		out = append(out, problem{p.Row, p.Column, p.Key})
	}
	return out
}

func ptr(n int) *int { return &n }

func TestParseTemplate(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []cases.IntakeInput
	}{
		{"english", enHeader + "\nSokha,Chan,female,1999-04-12,,KH,km; th,N0123456,,no\n", []cases.IntakeInput{
			{GivenName: "Sokha", FamilyName: "Chan", Sex: "female", BirthDate: "1999-04-12", Nationality: "KH",
				Languages: []string{"km", "th"}, DocumentNumber: "N0123456"}}},
		{"thai header and values, BOM, Buddhist-era date", "\uFEFFชื่อ,นามสกุล,เพศ,วันเกิด (YYYY-MM-DD),สัญชาติ (รหัสประเทศ),ผู้เยาว์ (ใช่/ไม่ใช่)\r\n" +
			"สมชาย,ใจดี,ชาย,2542-04-12,ไทย,ใช่\r\n", []cases.IntakeInput{
			{GivenName: "สมชาย", FamilyName: "ใจดี", Sex: "male", BirthDate: "1999-04-12", Nationality: "TH", Minor: true}}},
		{"khmer header, semicolons, alpha-3 code, age", "នាមខ្លួន;ភេទ;អាយុប្រហាក់ប្រហែល;សញ្ជាតិ\nសុខា;ស្រី;24;KHM\n", []cases.IntakeInput{
			{GivenName: "សុខា", Sex: "female", AgeEstimate: ptr(24), Nationality: "KH"}}},
		{"keys as headers, year of birth, empty rows skipped", "given_name,sex,birth_date,nationality\n\n,,,\nBudi,m,2001,Indonesia\n", []cases.IntakeInput{
			{GivenName: "Budi", Sex: "male", AgeEstimate: ptr(25), Nationality: "ID"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := imports.Parse([]byte(tt.file), now)
			if len(p.Errors) > 0 {
				t.Fatalf("errors: %+v", p.Errors)
			}
			var got []cases.IntakeInput
			for _, r := range p.Rows {
				got = append(got, r.Input)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("inputs (-want +got):\n%s", d)
			}
		})
	}
}

func TestParseProblems(t *testing.T) {
	many := strings.Repeat("Sokha,female,30,KH\n", imports.MaxRows+1)
	tests := []struct {
		name string
		file string
		want []problem
	}{
		{"empty file", "", []problem{{0, "", "imports.error.empty"}}},
		{"only a BOM", "\uFEFF\n", []problem{{0, "", "imports.error.empty"}}},
		{"header only", enHeader + "\n", []problem{{0, "", "imports.error.no_rows"}}},
		{"no header", "Sokha,Chan,female\n", []problem{{1, "", "imports.error.header"}}},
		{"wrong header", "Given name,Sex,Age estimate,Nationality,Shoe size\nSokha,female,30,KH,40\n", []problem{
			{1, "Age estimate", "imports.error.unknown_column"}, {1, "Shoe size", "imports.error.unknown_column"},
			{1, "Date of birth (YYYY-MM-DD)", "imports.error.missing_column"}}},
		{"missing required column", "Given name,Estimated age\nSokha,30\n", []problem{
			{1, "Sex (female/male/other/unknown)", "imports.error.missing_column"},
			{1, "Nationality (country code)", "imports.error.missing_column"}}},
		{"duplicate column", "Given name,ชื่อ,Sex,Estimated age,Nationality\n", []problem{{1, "ชื่อ", "imports.error.duplicate_column"}}},
		{"bad values", "Given name,Sex,Date of birth,Estimated age,Nationality,Minor\n" +
			"Sokha,female,31/02/1999,,KH,no\n" + // row 2: a day that does not exist
			"Dara,male,,thirty,Atlantis,maybe\n" + // row 3
			"Vanna,robot,1999-04-12,,KH,\n", // row 4
			[]problem{{2, "Date of birth", "imports.error.date"},
				{3, "Estimated age", "form.error.number"}, {3, "Nationality", "imports.error.nationality"}, {3, "Minor", "imports.error.yes_no"},
				{4, "Sex", "imports.error.sex"}}},
		{"repeated rows", "Given name,Sex,Estimated age,Nationality,Identity document number\n" +
			"Sokha,female,30,KH,N1\n" +
			"Sokha,female,30,KH,N1\n" + // row 3: row 2 again
			"Dara,male,40,KH,n-1\n", // row 4: row 2's document number, written differently
			[]problem{{3, "Given name", "imports.error.duplicate_row"}, {4, "Identity document number", "imports.error.duplicate_document"}}},
		{"value without header", "Given name,Sex,Estimated age,Nationality\nSokha,female,30,KH,extra\n", []problem{{2, "E", "imports.error.no_header"}}},
		{"non-UTF-8 CSV", enHeader + "\nSokha,Chan,female,1999-04-12,,KH\n\xC1\xE9\xF1,x,male,,30,KH\n", []problem{{3, "", "imports.error.not_utf8"}}},
		{"UTF-16", "\xFF\xFEG\x00i\x00", []problem{{1, "", "imports.error.not_utf8"}}},
		{"legacy xls", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", []problem{{0, "", "imports.error.format"}}},
		{"broken zip", "PK\x03\x04junk", []problem{{0, "", "imports.error.unreadable"}}},
		{"binary junk", "\x00\x01\x02\x03", []problem{{1, "", "imports.error.not_utf8"}}},
		{"bad quotes", "Given name,Sex,Estimated age,Nationality\n\"Sok\"ha,female,30,KH\n", []problem{{2, "", "imports.error.csv"}}},
		{"too many rows", "Given name,Sex,Estimated age,Nationality\n" + many, []problem{{0, "", "imports.error.too_many_rows"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := imports.Parse([]byte(tt.file), now)
			if d := cmp.Diff(tt.want, problems(p.Errors)); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
		})
	}
}

func TestParseDocumentsAndAliases(t *testing.T) {
	head := "Given name,Other names,Sex,Estimated age,Nationality,Documents held,Documents missing,Urgent needs\n"
	p := imports.Parse([]byte(head+`Sokha,"Pov; Srey Pov",female,30,KH,"passport: N 01; สูติบัตร",national id,"Insulin, twice a day"`+"\n"), now)
	if len(p.Errors) > 0 {
		t.Fatalf("errors: %+v", p.Errors)
	}
	want := cases.IntakeInput{GivenName: "Sokha", Aliases: []string{"Pov", "Srey Pov"}, Sex: "female", AgeEstimate: ptr(30),
		Nationality: "KH", DocumentsHeld: []cases.HeldDocument{{Kind: "passport", Number: "N 01"}, {Kind: "birth_certificate"}},
		DocumentsMissing: []string{"national_id"}, UrgentNeeds: "Insulin, twice a day"}
	if d := cmp.Diff(want, p.Rows[0].Input); d != "" {
		t.Errorf("input (-want +got):\n%s", d)
	}
	p = imports.Parse([]byte(head+"Sokha,,female,30,KH,visa,,\nDara,,male,30,KH,passport: N01,,\nVanna,,female,30,KH,passport: n-01,,\n"), now)
	wantErr := []problem{{2, "Documents held", "imports.error.document_kind"}, {4, "Documents held", "imports.error.duplicate_document"}}
	if d := cmp.Diff(wantErr, problems(p.Errors)); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
}

// workbook builds an XLSX file: rows of cells from A1, and formulas by cell.
func workbook(t *testing.T, rows [][]any, formulas map[string]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	for cell, formula := range formulas {
		if err := f.SetCellFormula("Sheet1", cell, formula); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseXLSX(t *testing.T) {
	head := []any{"Given name", "Sex", "Date of birth", "Estimated age", "Nationality", "Identity document number"}
	t.Run("values and dates", func(t *testing.T) {
		born := time.Date(1999, 4, 12, 0, 0, 0, 0, time.UTC)
		data := workbook(t, [][]any{head, {"Sokha", "female", born, nil, "KH", 123456}, {"Dara", "male", nil, 31, "kh", "N 42"}}, nil)
		p := imports.Parse(data, now)
		if len(p.Errors) > 0 {
			t.Fatalf("errors: %+v", p.Errors)
		}
		want := []imports.Row{
			{Num: 2, Input: cases.IntakeInput{GivenName: "Sokha", Sex: "female", BirthDate: "1999-04-12", Nationality: "KH", DocumentNumber: "123456"}},
			{Num: 3, Input: cases.IntakeInput{GivenName: "Dara", Sex: "male", AgeEstimate: ptr(31), Nationality: "KH", DocumentNumber: "N 42"}},
		}
		if d := cmp.Diff(want, p.Rows); d != "" {
			t.Errorf("rows (-want +got):\n%s", d)
		}
	})
	t.Run("formula", func(t *testing.T) {
		data := workbook(t, [][]any{head, {"Sokha", "female", nil, 30, "KH"}, {"Dara", "male", nil, nil, "KH"}},
			map[string]string{"D3": "D2+1", "B2": `"fe"&"male"`})
		p := imports.Parse(data, now)
		want := []problem{{2, "Sex", "imports.error.formula"}, {3, "Estimated age", "imports.error.formula"}}
		if d := cmp.Diff(want, problems(p.Errors)); d != "" {
			t.Errorf("errors (-want +got):\n%s", d)
		}
	})
}

// TestParseHTCDS fills rows of IOM's own HTCDS v2.0 spreadsheet (testdata) and reads them.
func TestParseHTCDS(t *testing.T) {
	f, err := excelize.OpenFile("testdata/htcds-v2.0-spreadsheet.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names, err := f.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	set := func(row int, values map[string]any) {
		for i, name := range names[0] {
			if v, ok := values[name]; ok {
				cell, _ := excelize.CoordinatesToCellName(i+1, row)
				if err := f.SetCellValue("Sheet1", cell, v); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	set(3, map[string]any{"prs_FirstName": "Siti", "prs_SecondName": "Rahayu", "prs_Birthdate": "1998-02-03",
		"prs_Gender": "Female", "prs_Citizenship": "IDN", "prs_MobilePhone": "+62 812 555 0101",
		"vic_MethodsOfControl": "Threats; RestrictsMovement", "cas_Status": "Active", "prs_MailingCity": "Poipet"})
	set(4, map[string]any{"prs_FirstName": "Nguyen", "prs_SecondName": "Van An", "prs_Birthdate": 1995,
		"prs_Gender": "Transgender/NonConforming", "prs_Citizenship": "Vietnam", "vic_TypeOfExploitation": "Forced labour"})
	set(5, map[string]any{"prs_FirstName": "Wei", "prs_Birthdate": "1990-01-01", "prs_Citizenship": "CN"}) // gender left blank
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	p := imports.Parse(buf.Bytes(), now)
	if len(p.Errors) > 0 {
		t.Fatalf("errors: %+v", p.Errors)
	}
	if p.Layout != imports.LayoutHTCDS {
		t.Errorf("layout %q, want htcds", p.Layout)
	}
	want := []imports.Row{
		{Num: 3, Input: cases.IntakeInput{GivenName: "Siti", FamilyName: "Rahayu", Sex: "female", BirthDate: "1998-02-03",
			Nationality: "ID", Contact: "+62 812 555 0101"},
			Picklists: map[string][]string{"vic_MethodsOfControl": {"MethodsOfControlThreats", "MethodsOfControlRestrictsMovement"},
				"cas_Status": {"Active"}}},
		{Num: 4, Input: cases.IntakeInput{GivenName: "Nguyen", FamilyName: "Van An", Sex: "other", AgeEstimate: ptr(31), Nationality: "VN"},
			Picklists: map[string][]string{"vic_TypeOfExploitation": {"Forced labour"}}},
		{Num: 5, Input: cases.IntakeInput{GivenName: "Wei", Sex: "unknown", BirthDate: "1990-01-01", Nationality: "CN"}},
	}
	if d := cmp.Diff(want, p.Rows); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
	if len(p.Notes) != 1 || !strings.Contains(fmt.Sprint(p.Notes[0].Args...), "prs_MailingCity (1)") {
		t.Errorf("notes: %+v, want the unstored HTCDS columns", p.Notes)
	}
	// Gender outside the picklist is an error at that cell.
	set(6, map[string]any{"prs_FirstName": "Ana", "prs_Birthdate": "1990-01-01", "prs_Citizenship": "PH", "prs_Gender": "Martian"})
	buf, _ = f.WriteToBuffer()
	p = imports.Parse(buf.Bytes(), now)
	if d := cmp.Diff([]problem{{6, "prs_Gender", "imports.error.sex"}}, problems(p.Errors)); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
}

func TestTemplatesReadBack(t *testing.T) {
	for _, lang := range imports.Langs {
		for name, make := range map[string]func(string) ([]byte, error){"csv": imports.TemplateCSV, "xlsx": imports.TemplateXLSX} {
			t.Run(lang+"/"+name, func(t *testing.T) {
				data, err := make(lang)
				if err != nil {
					t.Fatal(err)
				}
				p := imports.Parse(data, now)
				if len(p.Errors) > 0 || len(p.Rows) != 1 {
					t.Fatalf("template does not read back: rows %d, errors %+v", len(p.Rows), p.Errors)
				}
				want := cases.IntakeInput{GivenName: "Sokha", FamilyName: "Chan", Aliases: []string{"Srey Pov"}, Sex: "female",
					BirthDate: "1999-04-12", Nationality: "KH", Languages: []string{"km", "th"}, DocumentNumber: "N0123456",
					DocumentsHeld: []cases.HeldDocument{{Kind: "birth_certificate"}}, DocumentsMissing: []string{"passport"}}
				if d := cmp.Diff(want, p.Rows[0].Input); d != "" {
					t.Errorf("example row (-want +got):\n%s", d)
				}
				if name == "csv" && !bytes.HasPrefix(data, []byte("\uFEFF")) {
					t.Error("CSV template without a byte-order mark")
				}
			})
		}
	}
}

func TestMain(m *testing.M) { apptest.Main(m) }
