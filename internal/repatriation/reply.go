package repatriation

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"homeward/internal/exchange"
	"homeward/internal/problem"
)

// Types of the fields of the embassy's reply form (ReplyField.Type).
const (
	ReplyYesNo  = "yesno"  // yes or no (a JSON boolean)
	ReplyChoice = "choice" // one of Choices
	ReplyText   = "text"   // a short text
	ReplyDate   = "date"   // YYYY-MM-DD
	ReplyRoute  = "route"  // a checkpoint of Routes, or FlightPrefix and the flight's details
	ReplyNote   = "note"   // a longer text
)

// ReplyField is how the embassy's reply to a repatriation request asks for one of its fields
// (Spec.ReplyFields, in that order): the form renders it by Type, and
// CheckReply refuses what Apply could not read exactly.
type ReplyField struct {
	Name string
	Type string
	// Choices are the codes a choice or a route accepts; ChoiceKey+code is a code's label.
	Choices   []string
	ChoiceKey string
	// Max is the longest text, in characters.
	Max int
	// PastKey, for a date, is the message refusing a date before today.
	PastKey string
}

// ReplyForm is the embassy's reply form, the one place its fields are typed.
var ReplyForm = []ReplyField{
	{Name: "nationality_verified", Type: ReplyYesNo},
	{Name: "travel_document_type", Type: ReplyChoice, Choices: TravelDocumentTypes, ChoiceKey: "repatriation.document_type."},
	{Name: "travel_document_number", Type: ReplyText, Max: maxNumber},
	{Name: "travel_document_valid_until", Type: ReplyDate, PastKey: "repatriation.error.valid_until_past"},
	{Name: "travel_date", Type: ReplyDate, PastKey: "repatriation.error.planned_past"},
	{Name: "travel_route", Type: ReplyRoute, Choices: Routes, ChoiceKey: "repatriation.route."},
	{Name: "note", Type: ReplyNote, Max: maxNote},
}

// FlightPrefix starts a reply's travel_route that is a flight: "flight: TG 581 BKK–PNH 14:05".
const FlightPrefix = "flight:"

// FlightRoute is the travel_route of a flight with its details.
func FlightRoute(details string) string { return FlightPrefix + " " + strings.TrimSpace(details) }

// SplitRoute reads a reply's travel_route: the route code and, for a flight, its details; ok is
// false when it is neither a checkpoint code nor FlightPrefix with details.
func SplitRoute(v string) (route, details string, ok bool) {
	v = strings.TrimSpace(v)
	if d, isFlight := strings.CutPrefix(v, FlightPrefix); isFlight {
		d = strings.TrimSpace(d)
		return RouteFlight, d, d != ""
	}
	if slices.Contains(Routes, v) && v != RouteFlight {
		return v, "", true
	}
	return "", "", false
}

// CheckReply validates an embassy's reply to a repatriation request (registered with
// exchange.Service.CheckReplies): a yes/no, a known document type, a checkpoint or a flight with its
// details, dates as YYYY-MM-DD not before today, texts within their limits. It returns the reply
// with yes/no as booleans and a flight's route in its one form; errors are i18n keys per field.
func (s *Service) CheckReply(reply exchange.Payload) (exchange.Payload, error) {
	day := today(s.now())
	inv := &problem.Invalid{}
	out := make(exchange.Payload, len(reply))
	for k, v := range reply {
		out[k] = v
	}
	for _, f := range ReplyForm {
		v, present := reply[f.Name]
		if !present {
			continue
		}
		text, isText := v.(string)
		switch f.Type {
		case ReplyYesNo:
			b, good := exchange.YesNo(v)
			if !good {
				inv.Add(f.Name, "form.error.choose")
				continue
			}
			out[f.Name] = b
		case ReplyChoice:
			if !isText || !slices.Contains(f.Choices, text) {
				inv.Add(f.Name, "form.error.choose")
			}
		case ReplyRoute:
			route, details, good := SplitRoute(text)
			switch {
			case !isText:
				inv.Add(f.Name, "form.error.choose")
			case route == RouteFlight && !good, strings.TrimSpace(text) == RouteFlight:
				inv.Add(f.Name, "repatriation.error.flight_details")
			case !good:
				inv.Add(f.Name, "form.error.choose")
			case utf8.RuneCountInString(details) > maxFlight:
				inv.Add(f.Name, "form.error.too_long")
			case route == RouteFlight:
				out[f.Name] = FlightRoute(details)
			}
		case ReplyDate:
			t, err := time.Parse(time.DateOnly, strings.TrimSpace(text))
			switch {
			case !isText || err != nil:
				inv.Add(f.Name, "form.error.date")
			case t.Year() < day.Year()-100 || t.Year() > day.Year()+100:
				inv.Add(f.Name, "form.error.date_range")
			case f.PastKey != "" && t.Before(day):
				inv.Add(f.Name, f.PastKey)
			}
		case ReplyText, ReplyNote:
			switch {
			case !isText || !utf8.ValidString(text):
				inv.Add(f.Name, "form.error.invalid")
			case utf8.RuneCountInString(text) > f.Max:
				inv.Add(f.Name, "form.error.too_long")
			}
		}
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
