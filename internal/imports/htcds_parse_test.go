package imports_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"homeward/internal/cases"
	"homeward/internal/imports"
	"homeward/internal/locale"
)

const htcdsHeader = "prs_FirstName,prs_Birthdate,prs_Gender,prs_Citizenship,vic_TraffickingStatus,vic_MethodOfRecruitment," +
	"vic_MethodsOfControl,vic_TypeOfExploitation,cas_Status"

// TestParseHTCDSPicklists: every picklist value outside its list is an error at its row and column,
// and the file gives no rows to import.
func TestParseHTCDSPicklists(t *testing.T) {
	file := htcdsHeader + "\n" +
		"Dara,1990,Male,KH,Actual victim of trafficking,Through online social networks,Debt bondage;PhysicalAbuse,Forced labour,Follow up\n" +
		"Bopha,1991,Female,KH,Victim,,,,\n" +
		"Chenda,1992,Female,KH,,Fraudulent job offer,,,\n" +
		"Vanna,1993,Male,KH,,,Physical abuse;Beatings,,\n" +
		"Rithy,1994,Male,KH,,,,Forced criminality,\n" +
		"Sophal,1995,Male,KH,,,,,Open\n"
	p := imports.Parse([]byte(file), now)
	want := []problem{
		{3, "vic_TraffickingStatus", "imports.error.picklist"},
		{4, "vic_MethodOfRecruitment", "imports.error.picklist"},
		{5, "vic_MethodsOfControl", "imports.error.picklist"},
		{6, "vic_TypeOfExploitation", "imports.error.picklist"},
		{7, "cas_Status", "imports.error.picklist"},
	}
	if d := cmp.Diff(want, problems(p.Errors)); d != "" {
		t.Fatalf("errors (-want +got):\n%s", d)
	}
	if got := p.Errors[2].Args; len(got) != 4 || got[1] != "Beatings" || !strings.HasPrefix(got[3].(string), "MethodsOfControlDebtBondage; ") {
		t.Errorf("the error names the value outside the list: %v", got)
	}
	wantFirst := map[string][]string{
		"vic_TraffickingStatus":   {"Actual victim of trafficking"},
		"vic_MethodOfRecruitment": {"Through online social networks"},
		"vic_MethodsOfControl":    {"MethodsOfControlDebtBondage", "MethodsOfControlPhysicalAbuse"},
		"vic_TypeOfExploitation":  {"Forced labour"},
		"cas_Status":              {"Follow up"},
	}
	if d := cmp.Diff(wantFirst, p.Rows[0].Picklists); d != "" {
		t.Errorf("picklists of row 2 (-want +got):\n%s", d)
	}
}

// TestParseHTCDSBirthOrAge: a row without an exact birth date is read when it gives a year, a decade
// (as the export writes it) or an age in Homeward's extension column, in any of its headers.
func TestParseHTCDSBirthOrAge(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []cases.IntakeInput
	}{
		{"year and decade", "prs_FirstName,prs_Birthdate,prs_Gender,prs_Citizenship\nSok,1996,,KH\nSao,1990-1999,,KH\nSan,2001-03-04,,KH\n",
			[]cases.IntakeInput{{GivenName: "Sok", Sex: "unknown", AgeEstimate: ptr(30), Nationality: "KH"},
				{GivenName: "Sao", Sex: "unknown", AgeEstimate: ptr(31), Nationality: "KH"},
				{GivenName: "San", Sex: "unknown", BirthDate: "2001-03-04", Nationality: "KH"}}},
		{"age column without a birth column", "prs_FirstName,hw_AgeEstimate,prs_Gender,prs_Citizenship\nSok,27,,KH\n",
			[]cases.IntakeInput{{GivenName: "Sok", Sex: "unknown", AgeEstimate: ptr(27), Nationality: "KH"}}},
		{"Thai age header", "prs_FirstName,prs_Birthdate,อายุโดยประมาณ,prs_Gender,prs_Citizenship\nสมชาย,,33,,TH\n",
			[]cases.IntakeInput{{GivenName: "สมชาย", Sex: "unknown", AgeEstimate: ptr(33), Nationality: "TH"}}},
		{"Khmer age header", "prs_FirstName,prs_Birthdate,អាយុប្រហាក់ប្រហែល,prs_Gender,prs_Citizenship\nសុខា,,19,,KH\n",
			[]cases.IntakeInput{{GivenName: "សុខា", Sex: "unknown", AgeEstimate: ptr(19), Nationality: "KH"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := imports.Parse([]byte(tc.file), now)
			if len(p.Errors) > 0 {
				t.Fatalf("errors: %+v", p.Errors)
			}
			got := make([]cases.IntakeInput, len(p.Rows))
			for i, r := range p.Rows {
				got[i] = r.Input
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("rows (-want +got):\n%s", d)
			}
		})
	}
}

func TestParseHTCDSBadBirthOrAge(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []problem
	}{
		{"neither birth nor age column", "prs_FirstName,prs_Citizenship\nSok,KH\n",
			[]problem{{1, "prs_Birthdate", "imports.error.missing_column"}}},
		{"age not a number", "prs_FirstName,hw_AgeEstimate,prs_Citizenship\nSok,about 30,KH\n",
			[]problem{{2, "hw_AgeEstimate", "form.error.number"}}},
		{"not a decade", "prs_FirstName,prs_Birthdate,prs_Citizenship\nSok,1990-1995,KH\n",
			[]problem{{2, "prs_Birthdate", "imports.error.date"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := imports.Parse([]byte(tc.file), now)
			if d := cmp.Diff(tc.want, problems(p.Errors)); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
		})
	}
}

// BenchmarkHTCDSMapping2000 reads and maps a 2,000-row HTCDS file with every picklist filled, and the
// same file with the picklist cells empty (the cost of the mapping is the difference).
func BenchmarkHTCDSMapping2000(b *testing.B) {
	status := []string{"Active", "Follow up", "Closed", "Closed Referred"}
	for _, filled := range []bool{true, false} {
		var sb strings.Builder
		sb.WriteString(htcdsHeader + ",prs_SecondName\n")
		for i := range 2000 {
			pick := []string{"Actual victim of trafficking", "Through online social networks;At work",
				"Debt bondage;MethodsOfControlPhysicalAbuse;Psychological abuse;RestrictsMovement", "Forced labour;Servitude", status[i%4]}
			if !filled {
				pick = []string{"", "", "", "", ""}
			}
			row := append([]string{"Person " + strconv.Itoa(i), "1990-1999", []string{"Male", "Female"}[i%2], "KH"}, pick...)
			sb.WriteString(strings.Join(append(row, "Family"+string(rune('A'+i%26))), ",") + "\n")
		}
		data := []byte(sb.String())
		name := map[bool]string{true: "picklists", false: "empty_picklists"}[filled]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for range b.N {
				p := imports.Parse(data, now)
				if len(p.Errors) > 0 || len(p.Rows) != 2000 {
					b.Fatalf("rows %d, errors %+v", len(p.Rows), p.Errors)
				}
			}
		})
	}
}

// TestPicklistMessages: the refusals of the picklists read in en, th and km, naming the value and
// the list.
func TestPicklistMessages(t *testing.T) {
	b, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	p := imports.Parse([]byte(htcdsHeader+"\nDara,1990,Male,KH,,,,,Open\n"), now)
	if len(p.Errors) != 1 {
		t.Fatalf("errors %+v", p.Errors)
	}
	for _, lang := range []string{"en", "th", "km"} {
		l := b.For(lang, false, time.UTC)
		msg := l.T(p.Errors[0].Key, p.Errors[0].Args...)
		if !strings.Contains(msg, `"Open"`) || !strings.Contains(msg, "Active; Follow up; Closed; Closed Referred") {
			t.Errorf("%s: %q", lang, msg)
		}
		for _, key := range []string{"imports.error.picklist_screening", "imports.error.picklist_closed", "imports.note.picklists_kept"} {
			if !b.Has(lang, key) {
				t.Errorf("%s: %s missing", lang, key)
			}
		}
	}
}
