package htcds

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"homeward/internal/cases"
	"homeward/internal/screening"
)

func TestLinksGoBothWays(t *testing.T) {
	known := map[string]bool{}
	for _, ind := range screening.Indicators {
		known[ind.Code] = true
	}
	exportedAs := map[string]string{}
	for _, l := range Links {
		if _, ok := Lookup(l.Field, l.Value); !ok {
			t.Errorf("%s %q is not in the picklist", l.Field, l.Value)
		}
		for _, ind := range append(slices.Clone(l.From), l.Indicator) {
			if ind != "" && !known[ind] {
				t.Errorf("%s %q: %q is not a screening indicator", l.Field, l.Value, ind)
			}
		}
		for _, ind := range l.From {
			if prev, twice := exportedAs[ind]; twice {
				t.Errorf("indicator %q is exported as %q and %q", ind, prev, l.Value)
			}
			exportedAs[ind] = l.Value
		}
		if l.Indicator != "" && !slices.Contains(l.From, l.Indicator) {
			t.Errorf("%s %q imports as %q, which does not export as it", l.Field, l.Value, l.Indicator)
		}
	}
}

// TestEveryValueComesBack maps each value of each picklist alone onto Homeward and exports it: the
// export must write exactly that value.
func TestEveryValueComesBack(t *testing.T) {
	for _, field := range Fields {
		for _, v := range Values(field) {
			m := Map(map[string][]string{field: {v}})
			c := Case{Stage: m.Stage, Indicators: m.Indicators, Kept: m.Kept}
			if c.Stage == "" {
				c.Stage = cases.StageReception
			}
			if got := Export(field, c); got != v {
				t.Errorf("%s %q: exported as %q (mapped to %+v)", field, v, got, m)
			}
		}
	}
}

func TestMapRow(t *testing.T) {
	m := Map(map[string][]string{
		FieldMethodsOfControl:    {"MethodsOfControlDebtBondage", "MethodsOfControlPsychologicalAbuse", "MethodsOfControlRestrictsMovement"},
		FieldTypeOfExploitation:  {"Forced labour"},
		FieldTraffickingStatus:   {"Actual victim of trafficking"},
		FieldCaseStatus:          {"Closed Referred"},
		FieldMethodOfRecruitment: {"Through online social networks", "At work"},
	})
	want := Imported{
		Indicators: []string{"recruited_online", "fees_or_debt", "confinement"},
		Kept: []KeptValue{{FieldTraffickingStatus, "Actual victim of trafficking"}, {FieldMethodOfRecruitment, "At work"},
			{FieldMethodsOfControl, "MethodsOfControlPsychologicalAbuse"}, {FieldTypeOfExploitation, "Forced labour"},
			{FieldCaseStatus, "Closed Referred"}},
		Stage: cases.StageClosed,
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("Map (-want +got):\n%s", diff)
	}
}

func TestExportDecisionAndStage(t *testing.T) {
	for _, tc := range []struct {
		c                Case
		status, caseStat string
	}{
		{Case{Stage: cases.StageRecovery, Decision: "identified"}, "Actual victim of trafficking", "Active"},
		{Case{Stage: cases.StageClosed, Decision: "not_identified"}, "Not a victim of trafficking", "Closed"},
		{Case{Stage: cases.StageIdentification, Decision: "undetermined"}, "Possible victim of trafficking", "Active"},
		{Case{Stage: cases.StageReintegration}, "Possible victim of trafficking", "Follow up"},
		// An approved decision wins over the status kept at import.
		{Case{Stage: cases.StageClosed, Decision: "not_identified", Kept: []KeptValue{{FieldTraffickingStatus, "Actual victim of trafficking"},
			{FieldCaseStatus, "Closed Referred"}}}, "Not a victim of trafficking", "Closed Referred"},
		// "Closed Referred" kept, but the case was reopened.
		{Case{Stage: cases.StageRecovery, Kept: []KeptValue{{FieldCaseStatus, "Closed Referred"}}}, "Possible victim of trafficking", "Active"},
	} {
		if got := Export(FieldTraffickingStatus, tc.c); got != tc.status {
			t.Errorf("%+v: trafficking status %q, want %q", tc.c, got, tc.status)
		}
		if got := Export(FieldCaseStatus, tc.c); got != tc.caseStat {
			t.Errorf("%+v: case status %q, want %q", tc.c, got, tc.caseStat)
		}
	}
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		field, cell string
		want        []string
		bad         string
	}{
		{FieldMethodsOfControl, "Debt bondage; DebtBondage ;methodsofcontrol_debt_bondage", []string{"MethodsOfControlDebtBondage"}, ""},
		{FieldMethodsOfControl, "Physical abuse;Threatens children/family\nWithholds documents",
			[]string{"MethodsOfControlPhysicalAbuse", "MethodsOfControlThreats", "MethodsOfControlWithholdsDocuments"}, ""},
		{FieldMethodsOfControl, "Physical abuse; Beatings", nil, "Beatings"},
		{FieldTypeOfExploitation, "forced labor", []string{"Forced labour"}, ""},
		{FieldTypeOfExploitation, "Forced criminality", nil, "Forced criminality"},
		{FieldTraffickingStatus, "ActualVictim", []string{"Actual victim of trafficking"}, ""},
		{FieldTraffickingStatus, "Victim", nil, "Victim"},
		{FieldTraffickingStatus, "Actual victim of trafficking;Not a victim of trafficking", nil,
			"Actual victim of trafficking;Not a victim of trafficking"},
		{FieldCaseStatus, "closedreferred", []string{"Closed Referred"}, ""},
		{FieldCaseStatus, "Open", nil, "Open"},
		{FieldMethodOfRecruitment, "Through online social networks", []string{"Through online social networks"}, ""},
		{FieldMethodOfRecruitment, "Fraudulent job offer", nil, "Fraudulent job offer"},
	} {
		got, bad := Split(tc.field, tc.cell)
		if !slices.Equal(got, tc.want) || bad != tc.bad {
			t.Errorf("Split(%s, %q) = %q, %q; want %q, %q", tc.field, tc.cell, got, bad, tc.want, tc.bad)
		}
	}
}

// TestDocsTable: docs/htcds.md shows the mapping table of this package, row for row.
func TestDocsTable(t *testing.T) {
	doc, err := os.ReadFile("../../docs/htcds.md")
	if err != nil {
		t.Fatal(err)
	}
	want := markdownTable()
	if !strings.Contains(string(doc), want) {
		t.Errorf("docs/htcds.md does not hold the mapping table; it should contain:\n%s", want)
	}
}

// markdownTable renders Links, TraffickingStatuses and CaseStatuses as the docs show them.
func markdownTable() string {
	var b strings.Builder
	b.WriteString("| HTCDS field | value | import records | export writes it from |\n|---|---|---|---|\n")
	for _, l := range Links {
		imp := "indicator `" + l.Indicator + "` present"
		if l.Indicator == "" {
			imp = "kept as given"
		}
		b.WriteString("| " + l.Field + " | " + l.Value + " | " + imp + " | indicators " + codes(l.From) + " present, or kept |\n")
	}
	for _, s := range TraffickingStatuses {
		from := "approved decision `" + s.Decision + "`, or kept"
		if s.Decision == "" {
			from = "no approved decision and nothing kept"
		}
		b.WriteString("| " + FieldTraffickingStatus + " | " + s.Value + " | kept as given | " + from + " |\n")
	}
	for _, s := range CaseStatuses {
		stages := make([]string, len(s.Export))
		for i, st := range s.Export {
			stages[i] = string(st)
		}
		from := "stage " + codes(stages)
		if len(s.Export) == 0 {
			from = "stage `closed` with the value kept"
		}
		imp := "stage `" + string(s.Import) + "`"
		if s.Value == "Closed Referred" {
			imp += ", value kept"
		}
		b.WriteString("| " + FieldCaseStatus + " | " + s.Value + " | " + imp + " | " + from + " |\n")
	}
	return b.String()
}

func codes(list []string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = "`" + s + "`"
	}
	return strings.Join(out, ", ")
}
