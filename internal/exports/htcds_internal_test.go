package exports

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"homeward/internal/cases"
)

func TestHTCDSRowMapping(t *testing.T) {
	born := time.Date(1996, 3, 4, 0, 0, 0, 0, time.UTC)
	reg := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	age := 30
	src := make([]htcdsSource, 0, 10)
	for range 5 {
		src = append(src, htcdsSource{Stage: cases.StageRecovery, CreatedAt: reg, Sex: "female", Nationality: "KH", BirthDate: &born,
			Decision: "identified", Indicators: cases.TextList{"confinement", "deceptive_job_offer", "forced_online_fraud", "violence_or_threat"}})
	}
	for range 5 {
		src = append(src, htcdsSource{Stage: cases.StageClosed, CreatedAt: reg, Sex: "male", Nationality: "TH", AgeEstimate: &age,
			Indicators: cases.TextList{"excessive_hours"}, Kept: cases.TextList{"cas_Status=Closed Referred",
				"vic_MethodsOfControl=MethodsOfControlPsychologicalAbuse", "vic_TraffickingStatus=Actual victim of trafficking"}})
	}
	src = append(src, htcdsSource{Stage: cases.StageReception, CreatedAt: reg, Sex: "other", Nationality: "CN"})
	rows, suppressed := htcdsRows(src)
	if suppressed != 1 || len(rows) != 10 {
		t.Fatalf("%d rows, %d suppressed", len(rows), suppressed)
	}
	want := [][]string{
		{"1996", "Female", "KH", "Actual victim of trafficking", "",
			"MethodsOfControlPhysicalAbuse;MethodsOfControlFalsePromises;MethodsOfControlRestrictsMovement",
			"Forced labour", "Active", "recovery", "identified", "2026"},
		{"1996", "Male", "TH", "Actual victim of trafficking", "",
			"MethodsOfControlPsychologicalAbuse;MethodsOfControlExcessiveWorkingHours", "", "Closed Referred", "closed", "", "2026"},
	}
	if diff := cmp.Diff(want, [][]string{rows[0], rows[5]}); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestStampLine(t *testing.T) {
	st := Stamp{Name: "Somchai\nJaidee", Email: "supervisor@th-msdhs-sakaeo.demo", Agency: "MSDHS",
		At: time.Date(2026, 11, 27, 14, 3, 0, 0, time.FixedZone("+07", 7*3600))}
	if got, want := st.Line(), "Exported by Somchai Jaidee (supervisor@th-msdhs-sakaeo.demo), MSDHS, 2026-11-27 14:03 +07:00"; got != want {
		t.Errorf("Line() = %q, want %q", got, want)
	}
}

func TestCaseTableIdentityOnlyWhenReadable(t *testing.T) {
	st := Stamp{Name: "S", Email: "s@x.demo", Agency: "A", At: time.Date(2026, 11, 27, 14, 3, 0, 0, time.UTC)}
	row := cases.ExportRow{Reference: "TH-1", Stage: cases.StageReception, Nationality: "KH", Sex: "male",
		GivenName: "Sokha", FamilyName: "Chan", CreatedAt: st.At, UpdatedAt: st.At}
	for _, identity := range []bool{false, true} {
		tb := caseTable(&cases.Export{Rows: []cases.ExportRow{row}, Identity: identity, Truncated: true}, st)
		hasName := slices.Contains(tb.header, "given_name") || slices.Contains(tb.rows[0], "Sokha")
		if hasName != identity || len(tb.rows[0]) != len(tb.header) {
			t.Errorf("identity %v: header %q, row %q", identity, tb.header, tb.rows[0])
		}
		if len(tb.notes) != 2 || tb.notes[0] != st.Line() {
			t.Errorf("notes %q", tb.notes)
		}
	}
}
