package web

import (
	"net/url"
	"strings"

	"homeward/internal/exchange"
	"homeward/internal/locale"
	"homeward/internal/repatriation"
)

// flightSuffix names the text input that carries a flight's details beside a route select.
const flightSuffix = "_flight"

// replyTyping is how the reply form asks for the fields of a kind's reply: the embassy's reply to a
// repatriation request is typed by repatriation.ReplyForm (selects of the section's own codes);
// any other kind's fields by name (replyType).
func replyTyping(spec exchange.Spec) []repatriation.ReplyField {
	if spec.Kind == exchange.KindRepatriation {
		return repatriation.ReplyForm
	}
	fields := spec.ReplyFields
	out := make([]repatriation.ReplyField, len(fields))
	for i, f := range fields {
		out[i] = repatriation.ReplyField{Name: f, Type: replyType(f)}
	}
	return out
}

// replyForm is the reply form of a kind with what was typed and the errors.
func replyForm(l *locale.Localizer, spec exchange.Spec, typed map[string]string, errs map[string]string) []replyField {
	var out []replyField
	for _, f := range replyTyping(spec) {
		rf := replyField{Name: f.Name, Label: fieldLabel(l, f.Name), Type: f.Type, Value: typed[f.Name], Error: errs[f.Name]}
		if f.Type == repatriation.ReplyRoute {
			rf.Flight = typed[f.Name+flightSuffix]
			rf.FlightName = f.Name + flightSuffix
		}
		for _, c := range f.Choices {
			rf.Options = append(rf.Options, packetOption{Value: c, Label: l.T(f.ChoiceKey + c), Selected: c == rf.Value})
		}
		out = append(out, rf)
	}
	return out
}

// replyPayload reads the reply form: each field as typed ("" left out), yes/no as a boolean, and a
// route of "flight" with its details input as one travel_route value.
func replyPayload(form url.Values) (exchange.Payload, map[string]string) {
	fields := exchange.Payload{}
	typed := map[string]string{}
	for name, vals := range form {
		if name == "_csrf" || len(vals) == 0 {
			continue
		}
		v := strings.TrimSpace(vals[0])
		typed[name] = v
		if v == "" || strings.HasSuffix(name, flightSuffix) {
			continue
		}
		switch replyType(name) {
		case "yesno":
			fields[name] = v == "yes"
		default:
			fields[name] = v
		}
	}
	for name, v := range typed {
		if route, isRoute := strings.CutSuffix(name, flightSuffix); isRoute && typed[route] == repatriation.RouteFlight {
			fields[route] = repatriation.FlightRoute(v)
		}
	}
	return fields, typed
}
