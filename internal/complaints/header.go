package complaints

import (
	"strings"
	"unicode"
)

// Columns of the file, in the template's order.
const (
	ColWeek       = "week"
	ColProvince   = "province"
	ColChannel    = "channel"
	ColComplaints = "complaints"
	ColLosses     = "losses"
)

// Columns lists the columns every file must have.
var Columns = []string{ColWeek, ColProvince, ColChannel, ColComplaints, ColLosses}

// Channels are the channels a complaint may have come through.
var Channels = []string{"facebook", "telegram", "line", "whatsapp", "tiktok", "phone", "sms", "website", "other"}

// headers maps each accepted header (normalised) to its column: English, Thai and Khmer.
var headers = map[string]string{
	"week": ColWeek, "iso week": ColWeek, "week start": ColWeek,
	"สัปดาห์": ColWeek,
	"សប្តាហ៍": ColWeek, "សប្ដាហ៍": ColWeek,

	"province": ColProvince,
	"จังหวัด":  ColProvince,
	"ខេត្ត":    ColProvince, "ខេត្ត/រាជធានី": ColProvince,

	"channel": ColChannel,
	"ช่องทาง": ColChannel,
	"បណ្តាញ":  ColChannel, "បណ្ដាញ": ColChannel, "មធ្យោបាយ": ColChannel,

	"complaints": ColComplaints, "complaint count": ColComplaints, "number of complaints": ColComplaints,
	"เรื่องร้องเรียน": ColComplaints, "จำนวนเรื่องร้องเรียน": ColComplaints,
	"ពាក្យបណ្តឹង": ColComplaints, "ពាក្យបណ្ដឹង": ColComplaints, "ចំនួនពាក្យបណ្តឹង": ColComplaints, "ចំនួនពាក្យបណ្ដឹង": ColComplaints,

	"losses": ColLosses, "reported losses": ColLosses, "loss": ColLosses,
	"ความเสียหาย": ColLosses, "มูลค่าความเสียหาย": ColLosses,
	"ការខាតបង់": ColLosses, "ទឹកប្រាក់ខាតបង់": ColLosses,
}

// normHeader lower-cases a header and folds its spaces, underscores and surrounding punctuation.
func normHeader(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// header is the file's header row, understood: the column index of each field.
type header struct {
	text []string       // each column's header as written, trimmed
	idx  map[string]int // column → index
}

// name is how a problem names a column: its header as written, else the column's own name.
func (h *header) name(col string) string {
	if i, ok := h.idx[col]; ok && h.text[i] != "" {
		return h.text[i]
	}
	return col
}

// readHeader maps the header row; every column must be known, present once.
func readHeader(cells []string) (*header, []Problem) {
	h := &header{text: make([]string, len(cells)), idx: map[string]int{}}
	var probs []Problem
	for i, c := range cells {
		h.text[i] = strings.TrimSpace(c)
		if h.text[i] == "" {
			continue
		}
		col, ok := headers[normHeader(c)]
		switch {
		case !ok:
			probs = append(probs, Problem{Row: 1, Column: h.text[i], Key: "complaints.error.unknown_column"})
		case h.has(col):
			probs = append(probs, Problem{Row: 1, Column: h.text[i], Key: "complaints.error.duplicate_column"})
		default:
			h.idx[col] = i
		}
	}
	for _, col := range Columns {
		if !h.has(col) {
			probs = append(probs, Problem{Row: 1, Column: col, Key: "complaints.error.missing_column"})
		}
	}
	return h, probs
}

func (h *header) has(col string) bool { _, ok := h.idx[col]; return ok }
