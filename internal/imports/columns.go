package imports

import (
	"regexp"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Layout is the column layout of an uploaded file.
type Layout string

// Layouts a file may use.
const (
	// LayoutHomeward is the downloadable template, with headers in English, Thai or Khmer.
	LayoutHomeward Layout = "homeward"
	// LayoutHTCDS is the IOM Human Trafficking Case Data Standard v2.0 spreadsheet.
	LayoutHTCDS Layout = "htcds"
)

// Langs are the languages of the template's headers.
var Langs = []string{"en", "th", "km"}

// column is one column of the Homeward template. Its key is the cases.IntakeInput JSON field it fills,
// so a validation error on that field points back at the column.
type column struct {
	key      string
	headers  map[string]string // lang -> header as written in the template
	example  string            // the value in the template's example row
	required bool
}

// Field keys of the template's columns (the JSON names of cases.IntakeInput).
const (
	fGivenName      = "given_name"
	fFamilyName     = "family_name"
	fSex            = "sex"
	fBirthDate      = "birth_date"
	fAgeEstimate    = "age_estimate"
	fNationality    = "nationality"
	fLanguages      = "languages"
	fDocumentNumber = "document_number"
	fContact        = "contact"
	fMinor          = "minor"
	fAliases        = "aliases"
	fDocumentsHeld  = "documents_held"
	fDocumentsGone  = "documents_missing"
	fUrgentNeeds    = "urgent_needs"
	// fPicklist marks an HTCDS picklist column Homeward maps (htcdsmap.go); the column's system name
	// says which.
	fPicklist = "htcds_picklist"
)

// columns are the template's columns, in order. Headers are part of the file format, not of the user
// interface: a filled template must still read after a translation changes, so they live here and not
// in the message files.
var columns = []column{
	{key: fGivenName, required: true, example: "Sokha",
		headers: map[string]string{"en": "Given name", "th": "ชื่อ", "km": "នាមខ្លួន"}},
	{key: fFamilyName, example: "Chan",
		headers: map[string]string{"en": "Family name", "th": "นามสกุล", "km": "នាមត្រកូល"}},
	{key: fAliases, example: "Srey Pov",
		headers: map[string]string{"en": "Other names", "th": "ชื่ออื่น", "km": "ឈ្មោះផ្សេងទៀត"}},
	{key: fSex, required: true, example: "female",
		headers: map[string]string{"en": "Sex (female/male/other/unknown)", "th": "เพศ (หญิง/ชาย/อื่น ๆ/ไม่ทราบ)", "km": "ភេទ (ស្រី/ប្រុស/ផ្សេងទៀត/មិនដឹង)"}},
	{key: fBirthDate, example: "1999-04-12",
		headers: map[string]string{"en": "Date of birth (YYYY-MM-DD)", "th": "วันเกิด (YYYY-MM-DD)", "km": "ថ្ងៃខែឆ្នាំកំណើត (YYYY-MM-DD)"}},
	{key: fAgeEstimate, example: "",
		headers: map[string]string{"en": "Estimated age", "th": "อายุโดยประมาณ", "km": "អាយុប្រហាក់ប្រហែល"}},
	{key: fNationality, required: true, example: "KH",
		headers: map[string]string{"en": "Nationality (country code)", "th": "สัญชาติ (รหัสประเทศ)", "km": "សញ្ជាតិ (លេខកូដប្រទេស)"}},
	{key: fLanguages, example: "km; th",
		headers: map[string]string{"en": "Languages", "th": "ภาษา", "km": "ភាសា"}},
	{key: fDocumentNumber, example: "N0123456",
		headers: map[string]string{"en": "Identity document number", "th": "เลขที่เอกสารประจำตัว", "km": "លេខឯកសារអត្តសញ្ញាណ"}},
	{key: fDocumentsHeld, example: "birth_certificate",
		headers: map[string]string{"en": "Documents held", "th": "เอกสารที่มี", "km": "ឯកសារដែលមាន"}},
	{key: fDocumentsGone, example: "passport",
		headers: map[string]string{"en": "Documents missing", "th": "เอกสารที่ไม่มีหรือสูญหาย", "km": "ឯកសារដែលបាត់"}},
	{key: fContact, example: "",
		headers: map[string]string{"en": "Contact", "th": "ช่องทางติดต่อ", "km": "ទំនាក់ទំនង"}},
	{key: fUrgentNeeds, example: "",
		headers: map[string]string{"en": "Urgent needs", "th": "ความต้องการเร่งด่วน", "km": "តម្រូវការបន្ទាន់"}},
	{key: fMinor, example: "no",
		headers: map[string]string{"en": "Minor (yes/no)", "th": "ผู้เยาว์ (ใช่/ไม่ใช่)", "km": "អនីតិជន (មែន/ទេ)"}},
}

// Header returns the template's header of a field in lang (English for an unknown language).
func Header(key, lang string) string {
	for _, c := range columns {
		if c.key == key {
			if h, ok := c.headers[lang]; ok {
				return h
			}
			return c.headers["en"]
		}
	}
	return key
}

// htcdsColumn is a column of the HTCDS v2.0 spreadsheet: its system name (row 1 of the IOM file), its
// label (row 2), and the template field it fills; "" means Homeward has nowhere to store it.
type htcdsColumn struct {
	name, label, key string
}

// HTCDS field names (the "prs_", "vic_", "cas_" and "con_" columns of htcds-v2.0-spreadsheet.xlsx).
const (
	hFirstName   = "prs_FirstName"
	hMiddleName  = "prs_MiddleName"
	hSecondName  = "prs_SecondName"
	hBirthdate   = "prs_Birthdate"
	hGender      = "prs_Gender"
	hCitizenship = "prs_Citizenship"
	hNationality = "prs_Nationality"
	hEmail       = "prs_Email"
	hHomePhone   = "prs_HomePhone"
	hMobilePhone = "prs_MobilePhone"
	// hAgeEstimate is Homeward's extension column for an age in years: HTCDS has no age column.
	hAgeEstimate = "hw_AgeEstimate"
)

// htcdsColumns maps the HTCDS v2.0 columns. Email and phones become the (sealed) contact; a
// four-digit birth "date" is a year of birth, a decade "1990-1999" a band of years, and both become an
// age estimate (see parse.go); so does hw_AgeEstimate, the one column Homeward adds (docs/htcds.md).
var htcdsColumns = []htcdsColumn{
	{"cas_CaseOwner", "Case Owner", ""},
	{"prs_Salutation", "Salutation", ""},
	{hFirstName, "First Name", fGivenName},
	{hMiddleName, "Middle Name", fGivenName},
	{hSecondName, "Second Name", fFamilyName},
	{"con_Consent", "Consent", ""},
	{hBirthdate, "Birthdate", fBirthDate},
	{hGender, "Gender", fSex},
	{hCitizenship, "Citizenship", fNationality},
	{hNationality, "Nationality", fNationality},
	{"prs_Title", "Title", ""},
	{hEmail, "Email", fContact},
	{hHomePhone, "Home Phone", fContact},
	{hMobilePhone, "Mobile Phone", fContact},
	{"prs_MailingCity", "Mailing City", ""},
	{"prs_MailingCountry", "Mailing Country", ""},
	{"prs_MailingState", "Mailing State/Province", ""},
	{"prs_MailingStreet", "Mailing Street", ""},
	{"prs_MailingPostalCode", "Mailing Zip/Postal Code", ""},
	{"prs_Deceased", "Deceased", ""},
	{"vic_TraffickingStatus", "Trafficking Status", fPicklist},
	{"vic_TraffickinStatusDecisionMakingOrg", "Trafficking Status Decision Making Organization", ""},
	{"vic_MethodOfRecruitment", "Method of Recruitment", fPicklist},
	{"vic_LocationOfRecruitment", "Location of Recruitment", ""},
	{"vic_MethodsOfControl", "Methods of Control", fPicklist},
	{"vic_TypeOfExploitation", "Type of Exploitation", fPicklist},
	{"vic_ForcedLabourIndustry", "Forced Labour Industry", ""},
	{"vic_TypeOfSexExploitation", "Type of Sex Exploitation", ""},
	{"vic_LocationOfExploitation", "Location of Exploitation", ""},
	{"cas_Status", "Status", fPicklist},
	{"cas_ReferringOrganisation", "Referring Organisation", ""},
	{"cas_IncomingReferralDate", "Incoming Referral Date", ""},
	{"cas_ReferringPrimaryCaseWorker", "Referring Primary Case Worker", ""},
	{"cas_ReasonForIncomingReferral", "Reason for Incoming Referral", ""},
	{"cas_IncomingReferralDetails", "Incoming Referral Details", ""},
	{"cas_ReferredOrganisation", "Referred Organisation", ""},
	{"cas_ReferredPrimaryCaseWorker", "Referred Primary Case Worker", ""},
	{"cas_ReasonForOutgoingReferral", "Reason for Outgoing Referral", ""},
	{"cas_OutgoingReferralDate", "Outgoing Referral Date", ""},
	{"cas_OutgoingReferralDetails", "Outgoing Referral Details", ""},
	{"cas_ReasonForCaseClosure", "Reason for Case Closure", ""},
	{hAgeEstimate, "Age estimate", fAgeEstimate},
}

// htcdsAliases are further headers of HTCDS columns: the age column as the Thai and Khmer labels and
// the template's headers in the three languages name it.
var htcdsAliases = map[string]string{
	"อายุโดยประมาณ": hAgeEstimate, "អាយុប្រហាក់ប្រហែល": hAgeEstimate, "Estimated age": hAgeEstimate, "Age": hAgeEstimate,
}

// htcdsPrefix matches the system name of any HTCDS field, known here or not.
var htcdsPrefix = regexp.MustCompile(`^(prs|vic|cas|con|org|per|hte)_[a-z]`)

var (
	homewardByHeader = map[string]string{}       // normalised header (any language, or the key) -> key
	homewardLang     = map[string]string{}       // normalised header -> its language
	htcdsByHeader    = map[string]*htcdsColumn{} // normalised system name or label -> column
	htcdsLabels      = map[string]bool{}         // normalised labels, to recognise IOM's second header row
)

func init() {
	for _, c := range columns {
		homewardByHeader[normHeader(c.key)] = c.key
		for lang, h := range c.headers {
			for _, v := range []string{h, stripNote(h)} {
				homewardByHeader[normHeader(v)] = c.key
				if _, seen := homewardLang[normHeader(v)]; !seen || v == h {
					homewardLang[normHeader(v)] = lang
				}
			}
		}
	}
	for i := range htcdsColumns {
		c := &htcdsColumns[i]
		htcdsByHeader[normHeader(c.name)] = c
		htcdsByHeader[normHeader(c.label)] = c
		htcdsLabels[normHeader(c.label)] = true
	}
	for alias, name := range htcdsAliases {
		htcdsByHeader[normHeader(alias)] = htcdsByHeader[normHeader(name)]
	}
}

// normHeader folds a header for matching: NFC, trimmed, lower case, single spaces, no trailing "*".
func normHeader(s string) string {
	s = strings.TrimSpace(norm.NFC.String(s))
	s = strings.TrimSpace(strings.TrimRight(s, "*"))
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// stripNote drops a trailing parenthesised hint: "Sex (female/male/…)" -> "Sex".
func stripNote(s string) string {
	if i := strings.LastIndex(s, " ("); i > 0 && strings.HasSuffix(s, ")") {
		return s[:i]
	}
	return s
}
