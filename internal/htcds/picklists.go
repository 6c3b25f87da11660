// Package htcds holds the picklists of the IOM Human Trafficking Case Data Standard v2.0 that Homeward
// reads at bulk intake and writes in the de-identified export, and the one table that maps them to
// Homeward's screening indicators, identification decisions and stages, in both directions
// (mapping.go; docs/htcds.md shows the same table).
//
// Sources: /work/shared/standards/htcds (field-definitions.md: the MethodsOfControl* names and the
// Trafficking Status labels) and IOM's "HTCDS Excel Spreadsheet single select with validation
// v2.0.xlsx" (sheet "validation": the Type of Exploitation, Status and Method of Recruitment lists),
// with the value names of "HTCDS Field Reference.md".
package htcds

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// The HTCDS fields (system names) that hold a picklist Homeward maps.
const (
	FieldTraffickingStatus   = "vic_TraffickingStatus"
	FieldMethodOfRecruitment = "vic_MethodOfRecruitment"
	FieldMethodsOfControl    = "vic_MethodsOfControl"
	FieldTypeOfExploitation  = "vic_TypeOfExploitation"
	FieldCaseStatus          = "cas_Status"
)

// Fields are the mapped picklist fields, in the order of the export's columns.
var Fields = []string{FieldTraffickingStatus, FieldMethodOfRecruitment, FieldMethodsOfControl,
	FieldTypeOfExploitation, FieldCaseStatus}

// MultiSelect reports whether a field may hold several values in one cell, separated by ";".
func MultiSelect(field string) bool {
	return field == FieldMethodsOfControl || field == FieldMethodOfRecruitment || field == FieldTypeOfExploitation
}

// Value is one value of a picklist: the text Homeward writes, and the other spellings it reads.
type Value struct {
	Write string   // as the export writes it
	Also  []string // other spellings found in IOM's files: value names, labels of the validation sheet
}

// picklists are the values of each field. A value is read in any of its spellings, case, spaces and
// the "MethodsOfControl" prefix aside.
var picklists = map[string][]Value{
	FieldTraffickingStatus: {
		{Write: "Possible victim of trafficking", Also: []string{"PossibleVictim"}},
		{Write: "Actual victim of trafficking", Also: []string{"ActualVictim"}},
		{Write: "Not a victim of trafficking", Also: []string{"NotAVictim"}},
	},
	FieldMethodOfRecruitment: {
		{Write: "At a place of business"},
		{Write: "At an educational institution"},
		{Write: "At work"},
		{Write: "Through online social networks"},
		{Write: "Through an online advertisement"},
		{Write: "Through a television advert"},
		{Write: "Through a newspaper advert"},
		{Write: "Through family or family events"},
		{Write: "Through friends or social events"},
		{Write: "Other"},
	},
	FieldMethodsOfControl: {
		{Write: "MethodsOfControlDebtBondage", Also: []string{"Debt bondage"}},
		{Write: "MethodsOfControlTakesEarnings", Also: []string{"Takes earnings"}},
		{Write: "MethodsOfControlRestrictsFinancialAccess", Also: []string{"Restricts financial access", "Restricts Financial Access Control"}},
		{Write: "MethodsOfControlThreats", Also: []string{"Threats", "Physical threats", "Threatens children/family"}},
		{Write: "MethodsOfControlPsychologicalAbuse", Also: []string{"Psychological abuse"}},
		{Write: "MethodsOfControlPhysicalAbuse", Also: []string{"Physical abuse"}},
		{Write: "MethodsOfControlSexualAbuse", Also: []string{"Sexual abuse"}},
		{Write: "MethodsOfControlFalsePromises", Also: []string{"False promises"}},
		{Write: "MethodsOfControlPsychoactiveSubstances", Also: []string{"Psychoactive substances", "Psychoactive substance"}},
		{Write: "MethodsOfControlRestrictsMovement", Also: []string{"Restricts movement"}},
		{Write: "MethodsOfControlRestrictsMedicalCare", Also: []string{"Restricts medical care"}},
		{Write: "MethodsOfControlExcessiveWorkingHours", Also: []string{"Excessive working hours"}},
		{Write: "MethodsOfControlUsesChildren", Also: []string{"Uses children"}},
		{Write: "MethodsOfControlThreatOfLawEnforcement", Also: []string{"Threat of law enforcement", "Threats of law enforcement"}},
		{Write: "MethodsOfControlWithholdsNecessities", Also: []string{"Withholds necessities"}},
		{Write: "MethodsOfControlWithholdsDocuments", Also: []string{"Withholds documents"}},
		{Write: "MethodsOfControlOther", Also: []string{"Other"}},
	},
	FieldTypeOfExploitation: {
		{Write: "Forced labour", Also: []string{"ForcedLabour", "Forced labor"}},
		{Write: "Sexual exploitation", Also: []string{"SexualExploitation"}},
		{Write: "Child labour", Also: []string{"ChildLabour", "Child labor"}},
		{Write: "Forced marriage", Also: []string{"ForcedMarriage"}},
		{Write: "Servitude"},
		{Write: "Forced military (by non-state actors)", Also: []string{"ForcedMilitary", "Forced military"}},
		{Write: "Organ removal", Also: []string{"OrganRemoval"}},
		{Write: "Forced begging", Also: []string{"ForcedBegging"}},
		{Write: "Forced adoption", Also: []string{"ForcedAdoption"}},
		{Write: "Surrogacy"},
		{Write: "Other"},
	},
	FieldCaseStatus: {
		{Write: "Active"},
		{Write: "Follow up", Also: []string{"FollowUp"}},
		{Write: "Closed"},
		{Write: "Closed Referred", Also: []string{"ClosedReferred"}},
	},
}

// Values lists the values a field writes, in the picklist's order.
func Values(field string) []string {
	out := make([]string, 0, len(picklists[field]))
	for _, v := range picklists[field] {
		out = append(out, v.Write)
	}
	return out
}

// byText maps field + "\x00" + a folded spelling to the value written.
var byText = map[string]string{}

func init() {
	for field, values := range picklists {
		for _, v := range values {
			for _, s := range append([]string{v.Write}, v.Also...) {
				byText[field+"\x00"+fold(s)] = v.Write
			}
		}
	}
}

// fold makes a spelling comparable: NFC, lower case, without spaces, hyphens, underscores or the
// "methodsofcontrol" prefix, so that "Debt bondage", "DebtBondage" and "MethodsOfControlDebtBondage"
// are one.
func fold(s string) string {
	s = strings.ToLower(norm.NFC.String(s))
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '-', '_', '\u00a0':
			return -1
		}
		return r
	}, s)
	return strings.TrimPrefix(s, "methodsofcontrol")
}

// Lookup returns the value of field written as text, and whether the picklist has it.
func Lookup(field, text string) (string, bool) {
	v, ok := byText[field+"\x00"+fold(text)]
	return v, ok
}

// Split reads one cell of field: the values of a multi-select field are separated by ";" (or a line
// break or "|"); a single-select field holds one value. It returns the values written, in the order
// read and without repeats, and the first text outside the picklist ("" when there is none).
func Split(field, cell string) (values []string, bad string) {
	parts := []string{cell}
	if MultiSelect(field) {
		parts = strings.FieldsFunc(cell, func(r rune) bool { return r == ';' || r == '\n' || r == '|' })
	}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		v, ok := Lookup(field, p)
		if !ok {
			return nil, p
		}
		if !contains(values, v) {
			values = append(values, v)
		}
	}
	return values, ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
