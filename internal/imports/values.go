package imports

import (
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// sexValues maps what people write in the sex column (any of the three languages, and the HTCDS
// Gender picklist) to cases.Sexes.
var sexValues = map[string]string{
	"female": "female", "f": "female", "woman": "female", "girl": "female", "หญิง": "female", "เพศหญิง": "female", "ស្រី": "female",
	"male": "male", "m": "male", "man": "male", "boy": "male", "ชาย": "male", "เพศชาย": "male", "ប្រុស": "male",
	"other": "other", "อื่น": "other", "อื่น ๆ": "other", "อื่นๆ": "other", "ផ្សេងទៀត": "other", "ផ្សេង": "other",
	// HTCDS v2.0 prs_Gender: Male, Female, Transgender/NonConforming, Unknown (and the CTDC spelling).
	"transgender/nonconforming": "other", "trans/transgender/nonconforming": "other",
	"unknown": "unknown", "u": "unknown", "ไม่ทราบ": "unknown", "មិនដឹង": "unknown",
}

// yesNo maps what people write in the minor column to a boolean.
var yesNo = map[string]bool{
	"yes": true, "y": true, "true": true, "1": true, "x": true, "ใช่": true, "មែន": true, "បាទ": true, "ចាស": true,
	"no": false, "n": false, "false": false, "0": false, "ไม่": false, "ไม่ใช่": false, "ទេ": false, "មិនមែន": false,
}

// countryNames maps the names and demonyms of the nationalities Homeward sees most, in English, Thai
// and Khmer, to ISO 3166-1 alpha-2. Codes (alpha-2 and alpha-3) are read by parseNationality.
var countryNames = map[string]string{
	"cambodia": "KH", "kampuchea": "KH", "cambodian": "KH", "กัมพูชา": "KH", "ชาวกัมพูชา": "KH", "កម្ពុជា": "KH", "ខ្មែរ": "KH",
	"thailand": "TH", "thai": "TH", "ไทย": "TH", "ประเทศไทย": "TH", "ชาวไทย": "TH", "ថៃ": "TH",
	"indonesia": "ID", "indonesian": "ID", "อินโดนีเซีย": "ID", "ឥណ្ឌូណេស៊ី": "ID",
	"vietnam": "VN", "viet nam": "VN", "vietnamese": "VN", "เวียดนาม": "VN", "វៀតណាម": "VN",
	"china": "CN", "chinese": "CN", "จีน": "CN", "ចិន": "CN",
	"myanmar": "MM", "burma": "MM", "burmese": "MM", "เมียนมา": "MM", "พม่า": "MM", "មីយ៉ាន់ម៉ា": "MM",
	"laos": "LA", "lao": "LA", "lao pdr": "LA", "ลาว": "LA", "ឡាវ": "LA",
	"philippines": "PH", "filipino": "PH", "ฟิลิปปินส์": "PH", "ហ្វីលីពីន": "PH",
	"malaysia": "MY", "malaysian": "MY", "มาเลเซีย": "MY", "ម៉ាឡេស៊ី": "MY",
	"kenya": "KE", "kenyan": "KE", "เคนยา": "KE", "កេនយ៉ា": "KE",
	"uganda": "UG", "ugandan": "UG", "ethiopia": "ET", "ethiopian": "ET",
	"india": "IN", "indian": "IN", "bangladesh": "BD", "bangladeshi": "BD",
	"nepal": "NP", "nepali": "NP", "nepalese": "NP", "pakistan": "PK", "pakistani": "PK",
	"sri lanka": "LK", "sri lankan": "LK", "taiwan": "TW", "taiwanese": "TW",
	"south korea": "KR", "korea": "KR", "korean": "KR", "japan": "JP", "japanese": "JP",
}

// documentKinds maps what people write for a kind of document (the kinds of cases.DocumentKinds, and
// their names in the three languages as the intake form shows them) to the kind.
var documentKinds = map[string]string{}

func init() {
	for kind, names := range map[string][]string{
		"passport":          {"passport", "หนังสือเดินทาง", "พาสปอร์ต", "លិខិតឆ្លងដែន"},
		"national_id":       {"national id", "national id card", "id card", "บัตรประจำตัวประชาชน", "บัตรประชาชน", "អត្តសញ្ញាណប័ណ្ណសញ្ជាតិ", "អត្តសញ្ញាណប័ណ្ណ"},
		"birth_certificate": {"birth certificate", "สูติบัตร", "សំបុត្រកំណើត"},
		"work_permit":       {"work permit", "ใบอนุญาตทำงาน", "ប័ណ្ណការងារ"},
		"driving_licence":   {"driving licence", "driving license", "driver's license", "ใบอนุญาตขับขี่", "ใบขับขี่", "ប័ណ្ណបើកបរ"},
		"other":             {"other", "other document", "เอกสารอื่น", "อื่น ๆ", "ឯកសារផ្សេងទៀត", "ផ្សេងទៀត"},
	} {
		documentKinds[kind] = kind
		for _, n := range names {
			documentKinds[normHeader(n)] = kind
		}
	}
}

// parseDocuments reads a list of documents, "passport: N0123456; birth_certificate", into kinds and
// numbers (a number only after a colon). ok is false when a kind is not known.
func parseDocuments(s string) (kinds, numbers []string, ok bool) {
	for _, item := range splitList(s) {
		name, number, _ := strings.Cut(item, ":")
		kind, known := documentKinds[normHeader(name)]
		if !known {
			return nil, nil, false
		}
		kinds, numbers = append(kinds, kind), append(numbers, strings.TrimSpace(number))
	}
	return kinds, numbers, true
}

// parseSex reads the sex column; ok is false for a value it does not know.
func parseSex(s string) (string, bool) {
	v, ok := sexValues[normHeader(s)]
	return v, ok
}

// parseYesNo reads a yes/no cell; blank is no.
func parseYesNo(s string) (bool, bool) {
	if strings.TrimSpace(s) == "" {
		return false, true
	}
	v, ok := yesNo[normHeader(s)]
	return v, ok
}

// parseNationality reads a nationality: an ISO 3166-1 alpha-2 or alpha-3 code, or a country name or
// demonym of countryNames. It returns the alpha-2 code.
func parseNationality(s string) (string, bool) {
	v := normHeader(s)
	if cc, ok := countryNames[v]; ok {
		return cc, true
	}
	if n := len(v); n == 2 || n == 3 {
		for _, r := range v {
			if r < 'a' || r > 'z' {
				return "", false
			}
		}
		r, err := language.ParseRegion(v)
		if err == nil && r.IsCountry() {
			return r.String(), true
		}
	}
	return "", false
}

// parseAge reads a whole number of years ("24", or "24.0" from a spreadsheet number cell).
func parseAge(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1000 {
		return int(f), true
	}
	return 0, false
}

// buddhistEraOffset is the Thai Buddhist-era year minus the Gregorian year.
const buddhistEraOffset = 543

// birth is a parsed birth cell: a date, or only a year of birth.
type birth struct {
	date string   // YYYY-MM-DD
	year int      // a year of birth without day and month
	form dateForm // how date was written (dates.go)
}

// parseBirth reads a birth date: YYYY-MM-DD or DD/MM/YYYY (Gregorian or Thai Buddhist era, which is 543 years
// ahead), a spreadsheet date serial (excel is true for XLSX number cells), or a bare four-digit year of
// birth. Impossible dates are left to the case validation, which reports them in range terms.
func parseBirth(s string, excel, date1904 bool, now time.Time) (birth, bool) {
	s = strings.TrimSpace(s)
	if y, err := strconv.Atoi(s); err == nil && len(s) == 4 {
		return birth{year: gregorian(y, now)}, true
	}
	if y, ok := decade(s); ok {
		return birth{year: gregorian(y, now)}, true
	}
	if d, form, ok := readDate(s, now); ok { // dates.go: YYYY-MM-DD or DD/MM/YYYY, Gregorian or BE
		return birth{date: d, form: form}, true
	}
	// A spreadsheet date cell with the time of day: "1999-04-12T00:00:00Z" (XLSX "d" cells).
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return birth{date: t.Format("2006-01-02")}, true
	}
	if excel {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 && f < 2958466 {
			base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
			if date1904 {
				base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
			}
			return birth{date: base.AddDate(0, 0, int(f)).Format("2006-01-02")}, true
		}
	}
	return birth{}, false
}

// decade reads a ten-year band of birth years as the HTCDS export writes it under the small-cell
// rule, "1990-1999", as its middle year (1995, an estimate).
func decade(s string) (int, bool) {
	from, to, ok := strings.Cut(s, "-")
	if !ok || len(from) != 4 || len(to) != 4 {
		return 0, false
	}
	a, err1 := strconv.Atoi(from)
	b, err2 := strconv.Atoi(to)
	if err1 != nil || err2 != nil || a%10 != 0 || b != a+9 {
		return 0, false
	}
	return a + 5, true
}

// gregorian turns a Thai Buddhist-era year into a Gregorian one when it can only be that: a year after
// this one that is a plausible birth year once 543 is taken off.
func gregorian(y int, now time.Time) int {
	if y > now.Year() && y-buddhistEraOffset <= now.Year() && y-buddhistEraOffset >= now.Year()-120 {
		return y - buddhistEraOffset
	}
	return y
}

// splitList splits a cell holding several values: "km; th", "km, th", one per line.
func splitList(s string) []string { return split(s, ",;\n|") }

// splitNames splits a cell of names: by semicolons or lines, since a name may hold a comma.
func splitNames(s string) []string { return split(s, ";\n|") }

func split(s, seps string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
