package screening

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"

	"homeward/internal/problem"
)

// Limits of the screening input.
const (
	MaxNarrative   = 50000 // runes
	MaxNote        = 2000
	MaxDescription = 5000
	MaxEvents      = 50
	maxName        = 200
	maxLanguage    = 50
	maxLegalBasis  = 1000
	maxComment     = 2000
)

// Input is the screening interview as typed on the form or sent to the API.
type Input struct {
	InterviewDate string // YYYY-MM-DD
	Interviewer   string
	Interpreter   string
	Language      string
	Narrative     string
	// Indicators answers; an indicator not given is unknown.
	Indicators []AnswerInput
	Events     []EventInput
	// Version is the version being edited (UpdateScreening); RecordScreening ignores it.
	Version int
}

// AnswerInput is the answer to one indicator.
type AnswerInput struct {
	Indicator string
	Answer    string
	Note      string
	Channels  []string // recruited_online only
}

// EventInput is one entry of the timeline.
type EventInput struct {
	Phase       string
	Place       string
	Country     string // ISO 3166-1 alpha-2, optional
	DateFrom    string // YYYY-MM-DD, optional
	DateTo      string
	Description string
}

// cleaned is a validated input: every indicator answered (unknown by default), dates parsed.
type cleaned struct {
	date    time.Time
	answers []AnswerInput // in the order of Indicators
	events  []cleanEvent
}

type cleanEvent struct {
	EventInput
	from, to *time.Time
}

func nfc(s string) string { return strings.TrimSpace(norm.NFC.String(s)) }

func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }

// clean normalises the input to NFC and validates it against now; message keys per field.
func (in *Input) clean(now time.Time) (*cleaned, error) {
	in.InterviewDate, in.Interviewer, in.Interpreter = nfc(in.InterviewDate), nfc(in.Interviewer), nfc(in.Interpreter)
	in.Language, in.Narrative = nfc(in.Language), strings.TrimRight(norm.NFC.String(in.Narrative), " \t\r\n")
	out := &cleaned{}
	inv := &problem.Invalid{}
	if d, ok := parseDate(inv, "interview_date", in.InterviewDate, now); ok && d != nil {
		out.date = *d
	} else if in.InterviewDate == "" {
		inv.Add("interview_date", "form.error.required")
	}
	if in.Interviewer == "" {
		inv.Add("interviewer", "form.error.required")
	}
	for field, v := range map[string]string{"interviewer": in.Interviewer, "interpreter": in.Interpreter} {
		if tooLong(v, maxName) {
			inv.Add(field, "form.error.too_long")
		}
	}
	if in.Language == "" {
		inv.Add("language", "form.error.required")
	} else if tooLong(in.Language, maxLanguage) {
		inv.Add("language", "form.error.too_long")
	}
	if tooLong(in.Narrative, MaxNarrative) {
		inv.Add("narrative", "form.error.too_long")
	}
	out.answers = cleanAnswers(inv, in.Indicators)
	if len(in.Events) > MaxEvents {
		inv.Add("events", "form.error.too_many")
	} else {
		for i := range in.Events {
			if ev, ok := cleanEventInput(inv, i, in.Events[i], now); ok {
				out.events = append(out.events, ev)
			}
		}
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// cleanAnswers validates the answers and returns one per indicator, in order, unknown by default.
func cleanAnswers(inv *problem.Invalid, given []AnswerInput) []AnswerInput {
	byCode := map[string]AnswerInput{}
	for _, a := range given {
		a.Indicator, a.Answer, a.Note = strings.TrimSpace(a.Indicator), strings.TrimSpace(a.Answer), nfc(a.Note)
		field := "indicators." + a.Indicator
		if !knownIndicator(a.Indicator) {
			inv.Add("indicators", "screening.error.indicator_unknown")
			continue
		}
		if _, dup := byCode[a.Indicator]; dup {
			inv.Add(field, "screening.error.indicator_twice")
			continue
		}
		if a.Answer == "" {
			a.Answer = AnswerUnknown
		}
		if !slices.Contains(Answers, a.Answer) {
			inv.Add(field, "form.error.choose")
		}
		if tooLong(a.Note, MaxNote) {
			inv.Add(field+".note", "form.error.too_long")
		}
		a.Channels = cleanChannels(inv, field, a)
		byCode[a.Indicator] = a
	}
	out := make([]AnswerInput, 0, len(Indicators))
	for _, ind := range Indicators {
		a, ok := byCode[ind.Code]
		if !ok {
			a = AnswerInput{Indicator: ind.Code, Answer: AnswerUnknown}
		}
		out = append(out, a)
	}
	return out
}

// cleanChannels checks the channels of an answer: only recruited_online has them, each once, from
// Channels; they are kept in the order of Channels.
func cleanChannels(inv *problem.Invalid, field string, a AnswerInput) []string {
	var out []string
	for _, c := range a.Channels {
		c = strings.TrimSpace(c)
		switch {
		case c == "":
		case a.Indicator != RecruitedOnline || !slices.Contains(Channels, c):
			inv.Add(field+".channels", "screening.error.channel")
		case !slices.Contains(out, c):
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(x, y string) int { return slices.Index(Channels, x) - slices.Index(Channels, y) })
	return out
}

// cleanEventInput validates the i-th timeline entry; field names are events.i.name.
func cleanEventInput(inv *problem.Invalid, i int, e EventInput, now time.Time) (cleanEvent, bool) {
	e.Phase, e.Place, e.Description = strings.TrimSpace(e.Phase), nfc(e.Place), nfc(e.Description)
	e.Country, e.DateFrom, e.DateTo = strings.ToUpper(strings.TrimSpace(e.Country)), strings.TrimSpace(e.DateFrom), strings.TrimSpace(e.DateTo)
	field := func(name string) string { return fmt.Sprintf("events.%d.%s", i, name) }
	n := len(inv.Fields)
	if !slices.Contains(Phases, e.Phase) {
		inv.Add(field("phase"), "form.error.choose")
	}
	if e.Place == "" && e.Description == "" {
		inv.Add(field("place"), "screening.error.event_empty")
	}
	if tooLong(e.Place, maxName) {
		inv.Add(field("place"), "form.error.too_long")
	}
	if tooLong(e.Description, MaxDescription) {
		inv.Add(field("description"), "form.error.too_long")
	}
	if e.Country != "" && !validCountry(e.Country) {
		inv.Add(field("country"), "form.error.country")
	}
	from, okFrom := parseDate(inv, field("date_from"), e.DateFrom, now)
	to, okTo := parseDate(inv, field("date_to"), e.DateTo, now)
	if okFrom && okTo && from != nil && to != nil && to.Before(*from) {
		inv.Add(field("date_to"), "screening.error.date_order")
	}
	return cleanEvent{EventInput: e, from: from, to: to}, len(inv.Fields) == n
}

// parseDate reads an optional YYYY-MM-DD date that is not in the future (a day of grace for the
// zones east of UTC) and not over a century old. ok is false when the value was refused.
func parseDate(inv *problem.Invalid, field, s string, now time.Time) (*time.Time, bool) {
	if s == "" {
		return nil, true
	}
	t, err := time.Parse(time.DateOnly, s)
	switch {
	case err != nil:
		inv.Add(field, "form.error.date")
		return nil, false
	case t.After(now.AddDate(0, 0, 1)) || t.Year() < now.Year()-100:
		inv.Add(field, "form.error.date_range")
		return nil, false
	}
	return &t, true
}

func knownIndicator(code string) bool {
	for _, ind := range Indicators {
		if ind.Code == code {
			return true
		}
	}
	return false
}

func validCountry(cc string) bool {
	if len(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' {
		return false
	}
	r, err := language.ParseRegion(cc)
	return err == nil && r.IsCountry()
}

// ProposalInput is a proposed identification decision.
type ProposalInput struct {
	Decision   string
	LegalBasis string
}

func (in *ProposalInput) clean() error {
	in.Decision, in.LegalBasis = strings.TrimSpace(in.Decision), nfc(in.LegalBasis)
	inv := &problem.Invalid{}
	if !slices.Contains(Decisions, in.Decision) {
		inv.Add("decision", "form.error.choose")
	}
	if in.LegalBasis == "" {
		inv.Add("legal_basis", "form.error.required")
	} else if tooLong(in.LegalBasis, maxLegalBasis) {
		inv.Add("legal_basis", "form.error.too_long")
	}
	return inv.Err()
}

// ReviewInput is a supervisor's approval or return of a proposal: the version they saw and a
// comment (required to return).
type ReviewInput struct {
	Version int
	Comment string
}
