package htcds

import (
	"slices"

	"homeward/internal/cases"
)

// Link is one row of the mapping between an HTCDS picklist value and Homeward.
//
// Import: a row of a file holding Value in Field records Indicator as present in the case's screening;
// when Indicator is "" Homeward has no indicator meaning exactly that, and the value is kept as given
// (table htcds_values) so that nothing in the file is lost or turned into a claim it did not make.
//
// Export: a case is written with Value in Field when its screening has one of From present, or when
// the value was kept as given at import.
type Link struct {
	Field     string
	Value     string
	Indicator string   // written at import; "" = kept as given
	From      []string // indicators exported as Value
}

// Links is the mapping, both directions, in one table. Each indicator is exported as at most one
// value, and the indicator an import writes is exported as the very value it came from, so that an
// export imported into an empty store exports the same counts per value (TestRoundTrip).
var Links = []Link{
	{FieldMethodOfRecruitment, "Through online social networks", "recruited_online", []string{"recruited_online"}},

	{FieldMethodsOfControl, "MethodsOfControlDebtBondage", "fees_or_debt", []string{"fees_or_debt"}},
	{FieldMethodsOfControl, "MethodsOfControlTakesEarnings", "wages_withheld", []string{"wages_withheld"}},
	{FieldMethodsOfControl, "MethodsOfControlThreats", "", []string{"threats_against_family"}},
	{FieldMethodsOfControl, "MethodsOfControlPhysicalAbuse", "violence_or_threat", []string{"violence_or_threat", "torture"}},
	{FieldMethodsOfControl, "MethodsOfControlSexualAbuse", "sexual_violence", []string{"sexual_violence"}},
	{FieldMethodsOfControl, "MethodsOfControlFalsePromises", "deceptive_job_offer", []string{"deceptive_job_offer"}},
	{FieldMethodsOfControl, "MethodsOfControlRestrictsMovement", "confinement", []string{"confinement", "isolation"}},
	{FieldMethodsOfControl, "MethodsOfControlExcessiveWorkingHours", "excessive_hours", []string{"excessive_hours"}},
	{FieldMethodsOfControl, "MethodsOfControlWithholdsDocuments", "phone_or_documents_confiscated", []string{"phone_or_documents_confiscated", "documents_taken_on_arrival"}},

	{FieldTypeOfExploitation, "Forced labour", "", []string{"forced_online_fraud", "quotas_with_punishment"}},
}

// StatusLink is one row of the mapping between HTCDS's Trafficking Status and Homeward's approved
// identification decision.
type StatusLink struct {
	Value    string
	Decision string // the approved decision exported as Value; "" = none approved
}

// TraffickingStatuses: an imported status is kept as given (an identification in Homeward is
// proposed by a caseworker and approved by a supervisor, never taken from a file); the export writes
// the approved decision, else the status kept at import, else "Possible victim of trafficking".
var TraffickingStatuses = []StatusLink{
	{"Actual victim of trafficking", "identified"},
	{"Not a victim of trafficking", "not_identified"},
	{"Possible victim of trafficking", "undetermined"},
	{"Possible victim of trafficking", ""},
}

// StageLink is one row of the mapping between HTCDS's case Status and Homeward's stages.
type StageLink struct {
	Value  string
	Import cases.Stage   // the stage an imported case opens in
	Export []cases.Stage // the stages exported as Value
}

// CaseStatuses: "Closed Referred" opens closed like "Closed" and is kept as given, so it exports as
// it came; a case Homeward closed exports as "Closed".
var CaseStatuses = []StageLink{
	{"Active", cases.StageReception, []cases.Stage{cases.StageReception, cases.StageScreening, cases.StageIdentification,
		cases.StageRecovery, cases.StageReturnPreparation, cases.StageHandover}},
	{"Follow up", cases.StageReintegration, []cases.Stage{cases.StageReintegration}},
	{"Closed", cases.StageClosed, []cases.Stage{cases.StageClosed}},
	{"Closed Referred", cases.StageClosed, nil},
}

// Imported is what one row of a file says in the mapped picklists.
type Imported struct {
	Indicators []string    // present, in the order of Links
	Kept       []KeptValue // values kept as given
	Stage      cases.Stage // "" = reception
}

// KeptValue is a picklist value kept as given at import (a row of htcds_values).
type KeptValue struct {
	Field, Value string
}

// Map maps the picklist values of one row (field -> values written) onto Homeward. Values Homeward
// has an indicator for become indicators; the trafficking status, "Closed Referred" and every value
// without an indicator are kept as given; the case status chooses the stage.
func Map(values map[string][]string) Imported {
	var out Imported
	for _, field := range Fields {
		for _, v := range values[field] {
			switch field {
			case FieldTraffickingStatus:
				out.Kept = append(out.Kept, KeptValue{field, v})
				continue
			case FieldCaseStatus:
				for _, s := range CaseStatuses {
					if s.Value == v {
						out.Stage = s.Import
					}
				}
				if v == "Closed Referred" {
					out.Kept = append(out.Kept, KeptValue{field, v})
				}
				continue
			}
			if ind := indicatorOf(field, v); ind != "" {
				if !slices.Contains(out.Indicators, ind) {
					out.Indicators = append(out.Indicators, ind)
				}
				continue
			}
			out.Kept = append(out.Kept, KeptValue{field, v})
		}
	}
	return out
}

func indicatorOf(field, value string) string {
	for _, l := range Links {
		if l.Field == field && l.Value == value {
			return l.Indicator
		}
	}
	return ""
}

// Case is what the export reads of one case to write its picklists.
type Case struct {
	Stage      cases.Stage
	Decision   string      // the latest approved identification decision, "" none
	Indicators []string    // present in the screening
	Kept       []KeptValue // kept at import
}

// Export returns the value(s) of field for c: one value, or for a multi-select field the values
// joined by ";" in the picklist's order ("" none).
func Export(field string, c Case) string {
	var got []string
	switch field {
	case FieldTraffickingStatus:
		return trafficking(c)
	case FieldCaseStatus:
		return caseStatus(c)
	}
	for _, l := range Links {
		if l.Field == field && slices.ContainsFunc(l.From, func(ind string) bool { return slices.Contains(c.Indicators, ind) }) {
			got = append(got, l.Value)
		}
	}
	for _, k := range c.Kept {
		if k.Field == field {
			got = append(got, k.Value)
		}
	}
	return joinOrdered(field, got)
}

func trafficking(c Case) string {
	if c.Decision != "" {
		for _, s := range TraffickingStatuses {
			if s.Decision == c.Decision {
				return s.Value
			}
		}
	}
	for _, k := range c.Kept {
		if k.Field == FieldTraffickingStatus {
			return k.Value
		}
	}
	return "Possible victim of trafficking"
}

func caseStatus(c Case) string {
	if c.Stage == cases.StageClosed && slices.Contains(c.Kept, KeptValue{FieldCaseStatus, "Closed Referred"}) {
		return "Closed Referred"
	}
	for _, s := range CaseStatuses {
		if slices.Contains(s.Export, c.Stage) {
			return s.Value
		}
	}
	return "Active"
}

// joinOrdered joins the values of a field in the picklist's order, each once.
func joinOrdered(field string, got []string) string {
	s := ""
	for _, v := range Values(field) {
		if slices.Contains(got, v) {
			if s != "" {
				s += ";"
			}
			s += v
		}
	}
	return s
}
