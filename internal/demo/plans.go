package demo

import "homeward/internal/cases"

// storePlan is the demo data of one country store: who owns its cases, the rescue operations that
// brought people in, and the persons received.
type storePlan struct {
	country    string
	seed       uint64 // seed of the person generator
	welfare    string // slug of the social-welfare agency that owns most cases
	police     string // slug of the police agency: owns some cases, leads the operations
	operations []operation
	groups     []group
	// returnees are persons received after the groups' and walked to return preparation: the
	// demo's handover batch and embassy requests need more nationals of the other country there.
	returnees []group
}

// operation is a rescue operation; daysAgo dates it relative to the day of seeding.
type operation struct {
	name, province, compound string
	daysAgo                  int
}

// plans are the two stores. The TH store holds Cambodians (and a few Lao and Myanmar nationals)
// received in Thailand; the KH store holds Thais and Indonesians (and a few Vietnamese, Chinese and
// Kenyans) rescued in Cambodia.
var plans = []storePlan{
	{
		country: "TH", seed: 20250611, welfare: "th-msdhs-sakaeo", police: "th-pct",
		operations: []operation{
			{name: "Operation Eastern Gate", province: "Sa Kaeo", compound: "Jade Garden compound", daysAgo: 150},
			{name: "Operation Morning Star", province: "Chanthaburi", compound: "Silver River compound", daysAgo: 12},
		},
		groups: []group{
			{nationality: "KH", count: 34, names: &khmerNames, languages: [][]string{{"km"}, {"km"}, {"km", "th"}},
				docPrefix: "N", docDigits: 7, phone: "+855 12"},
			{nationality: "KH", count: 8, names: &khmerLatinNames, languages: [][]string{{"km"}, {"km", "en"}},
				docPrefix: "N", docDigits: 7, phone: "+855 97"},
			{nationality: "LA", count: 3, names: &laoNames, languages: [][]string{{"lo"}, {"lo", "th"}},
				docPrefix: "P", docDigits: 7, phone: "+856 20"},
			{nationality: "MM", count: 3, names: &myanmarNames, languages: [][]string{{"my"}, {"my", "en"}},
				docPrefix: "MC", docDigits: 6, phone: "+95 9"},
		},
	},
	{
		country: "KH", seed: 20250923, welfare: "kh-mosvy-poipet", police: "kh-cnp-aht",
		operations: []operation{
			{name: "Operation Clean Border", province: "Preah Sihanouk", compound: "Blue Lotus Resort compound", daysAgo: 140},
			{name: "Operation Poipet Dawn", province: "Banteay Meanchey", compound: "Golden Fortune compound", daysAgo: 9},
		},
		groups: []group{
			{nationality: "TH", count: 17, names: &thaiNames, languages: [][]string{{"th"}, {"th"}, {"th", "en"}},
				docPrefix: "AA", docDigits: 7, phone: "+66 81"},
			{nationality: "TH", count: 4, names: &thaiLatinNames, languages: [][]string{{"th"}, {"th", "en"}},
				docPrefix: "AC", docDigits: 7, phone: "+66 89"},
			{nationality: "ID", count: 17, names: &indonesianNames, languages: [][]string{{"id"}, {"id", "en"}},
				docPrefix: "X", docDigits: 7, phone: "+62 812"},
			{nationality: "VN", count: 4, names: &vietnameseNames, languages: [][]string{{"vi"}},
				docPrefix: "C", docDigits: 7, phone: "+84 91"},
			{nationality: "CN", count: 3, names: &chineseNames, languages: [][]string{{"zh"}, {"zh", "en"}},
				docPrefix: "E", docDigits: 8, phone: "+86 138"},
			{nationality: "KE", count: 3, names: &kenyanNames, languages: [][]string{{"sw", "en"}, {"en"}},
				docPrefix: "AK", docDigits: 7, phone: "+254 72"},
		},
		returnees: []group{
			{nationality: "TH", count: 3, names: &thaiNames, languages: [][]string{{"th"}, {"th", "en"}},
				docPrefix: "AA", docDigits: 7, phone: "+66 81"},
		},
	},
}

// stageCounts is how many cases of each store stand at each stage; they add up to the persons of
// each plan's groups (48), a plan's returnees add to return preparation. Cases are received most
// advanced first, so older references are further along.
var stageCounts = []struct {
	stage cases.Stage
	count int
}{
	{cases.StageClosed, 6},
	{cases.StageReintegration, 5},
	{cases.StageHandover, 4},
	{cases.StageReturnPreparation, 6},
	{cases.StageRecovery, 7},
	{cases.StageIdentification, 6},
	{cases.StageScreening, 6},
	{cases.StageReception, 8},
}

// step is one transition with its reason.
type step struct {
	to     cases.Stage
	reason string
}

// forward is the usual path from reception to reintegration.
var forward = []step{
	{cases.StageScreening, "Reflection period started; interview in the person's language scheduled."},
	{cases.StageIdentification, "Screening interview completed; indicators recorded."},
	{cases.StageRecovery, "Identified as a victim of trafficking; shelter and services arranged."},
	{cases.StageReturnPreparation, "Person wishes to return home; nationality verification requested."},
	{cases.StageHandover, "Travel document issued and risk assessed; handover scheduled."},
	{cases.StageReintegration, "Handed over at the border checkpoint to home-country officials."},
}

// closure is how a closed case ends: the stage it is closed from and why.
type closure struct {
	from   cases.Stage
	reason string
}

// closures are the closed cases' endings, used in turn.
var closures = []closure{
	{cases.StageReintegration, "Reintegrated: three follow-up visits done, no re-trafficking risk."},
	{cases.StageReception, "Declined further help and left with family before screening."},
	{cases.StageReintegration, "Lost contact after the second follow-up visit."},
	{cases.StageRecovery, "Transferred to the shelter of another province."},
	{cases.StageReintegration, "Reintegrated: found work at home, plan goals met."},
	{cases.StageReception, "Not received: duplicate registration of a person already on file."},
}

// route returns the steps from reception to stage; n picks the closure of a closed case.
func route(stage cases.Stage, n int) []step {
	if stage == cases.StageClosed {
		cl := closures[n%len(closures)]
		return append(route(cl.from, 0), step{cases.StageClosed, cl.reason})
	}
	for i, s := range forward {
		if s.to == stage {
			return forward[: i+1 : i+1]
		}
	}
	return nil // reception
}
