package web

import "homeward/internal/locale"

// The error summaries of the packet forms: each links its messages to the fields of the form that
// failed, in the form's order; a message about the whole form links to the summary itself.

// ErrorSummary is the summary of the packet form (recipient, payload fields, note, override) or of
// a packet's approval in the list.
func (v packetsPage) ErrorSummary() ErrorSummary {
	fields := "fields"
	if len(v.Fields) > 0 {
		fields += "#f-" + v.Fields[0].Value
	}
	return formSummary(v.L, fieldsTitle(v.L, v.Error, v.Errors), v.Errors, "recipient:packets.recipient", fields+":packets.fields",
		"note:packets.note", "override:packets.override")
}

// ErrorSummary is the summary of a revocation's confirmation.
func (v revokePage) ErrorSummary() ErrorSummary {
	return formSummary(v.L, fieldsTitle(v.L, v.Error, v.Errors), v.Errors, "reason:packets.reason")
}

// ErrorSummary is the summary of a decline's confirmation.
func (v declinePage) ErrorSummary() ErrorSummary {
	return formSummary(v.L, fieldsTitle(v.L, v.Error, v.Errors), v.Errors, "reason:packets.reason")
}

// ErrorSummary is the summary of a received packet's reply form (a yes/no answer links to its
// first choice), or of a refused accept or decline.
func (v inboxPacketPage) ErrorSummary() ErrorSummary {
	order := make([]string, 0, len(v.Reply))
	for _, f := range v.Reply {
		id := "r-" + f.Name
		if f.Type == "yesno" {
			id += "-yes"
		}
		order = append(order, f.Name+"#"+id+":packets.field."+f.Name)
		if f.FlightName != "" {
			order = append(order, f.FlightName+"#r-"+f.FlightName+":repatriation.reply.flight_details")
		}
	}
	return formSummary(v.L, fieldsTitle(v.L, v.Error, v.Errors), v.Errors, order...)
}

// fieldsTitle is the title of a packet form's summary: form.fix_errors when a field has a message
// (formErrors makes msg the message of the first field it names), else msg.
func fieldsTitle(l *locale.Localizer, msg string, errs map[string]string) string {
	for f, m := range errs {
		if f != "" && m != "" {
			return l.T("form.fix_errors")
		}
	}
	return msg
}
