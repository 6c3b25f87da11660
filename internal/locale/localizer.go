package locale

import (
	"fmt"
	"strconv"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

// Localizer translates messages and formats dates for one request. Make one
// with Bundle.For.
type Localizer struct {
	// Lang is one of Supported.
	Lang string
	// BuddhistEra shows Thai dates with Buddhist-era years (Gregorian + 543).
	// It applies to Thai only: English and Khmer dates keep Gregorian years.
	BuddhistEra bool
	// Location is the zone in which times are shown.
	Location *time.Location

	loc *goi18n.Localizer
}

// thaiMonths are the abbreviated Thai month names, January first.
var thaiMonths = [12]string{
	"ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
	"ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
}

// khmerMonths are the Khmer month names, January first.
var khmerMonths = [12]string{
	"មករា", "កុម្ភៈ", "មីនា", "មេសា", "ឧសភា", "មិថុនា",
	"កក្កដា", "សីហា", "កញ្ញា", "តុលា", "វិច្ឆិកា", "ធ្នូ",
}

// buddhistEraOffset is the Thai Buddhist-era year minus the Gregorian year.
const buddhistEraOffset = 543

// T returns the message key in the Localizer's language. args are pairs of
// name and value, available in the message as {{.Name}}; an integer argument
// named "Count" also selects the plural form when the message has plural
// forms. A key missing in the language falls back to English; a key missing
// everywhere returns the key itself (and TestEveryKeyInEveryLanguage fails).
func (l *Localizer) T(key string, args ...any) string {
	if l.loc == nil {
		return key
	}
	cfg := &goi18n.LocalizeConfig{MessageID: key}
	if len(args) > 1 {
		data := make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			name, ok := args[i].(string)
			if !ok {
				name = fmt.Sprint(args[i])
			}
			data[name] = args[i+1]
			if name == "Count" && isInteger(args[i+1]) {
				cfg.PluralCount = args[i+1]
			}
		}
		cfg.TemplateData = data
	}
	msg, _, _ := l.loc.LocalizeWithTag(cfg)
	if msg == "" {
		return key
	}
	return msg
}

// isInteger reports whether v is a Go integer, which go-i18n accepts as a
// plural count.
func isInteger(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	}
	return false
}

// Date formats the calendar day of t in l.Location: "27 Nov 2026" in
// English, "27 พ.ย. 2569" in Thai with Buddhist era ("27 พ.ย. 2026" without),
// "27 វិច្ឆិកា 2026" in Khmer. The zero time gives "".
//
// A calendar date without a time of day (a DATE column) should be passed as
// midnight UTC or midnight in l.Location; at UTC+7 both show the same day.
func (l *Localizer) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(l.location())
	day, month, year := t.Day(), t.Month(), t.Year()
	var name string
	switch l.Lang {
	case "th":
		name = thaiMonths[month-1]
		if l.BuddhistEra {
			year += buddhistEraOffset
		}
	case "km":
		name = khmerMonths[month-1]
	default:
		return t.Format("2 Jan 2006")
	}
	buf := make([]byte, 0, 32)
	buf = strconv.AppendInt(buf, int64(day), 10)
	buf = append(buf, ' ')
	buf = append(buf, name...)
	buf = append(buf, ' ')
	buf = strconv.AppendInt(buf, int64(year), 10)
	return string(buf)
}

// DateTime formats t as Date followed by the 24-hour time in l.Location,
// e.g. "27 Nov 2026 15:04". The zero time gives "".
func (l *Localizer) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return l.Date(t) + " " + t.In(l.location()).Format("15:04")
}

// DateISO formats the calendar day of t in l.Location as 2006-01-02, with a
// Gregorian year whatever the setting, for form values (<input type=date>).
// The zero time gives "".
func (l *Localizer) DateISO(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(l.location()).Format(time.DateOnly)
}

// location returns l.Location, or Asia/Bangkok when it is nil.
func (l *Localizer) location() *time.Location {
	if l.Location == nil {
		return bangkok()
	}
	return l.Location
}
