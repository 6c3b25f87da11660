package web

import (
	"html/template"
	"slices"
	"strings"

	"homeward/internal/locale"
)

// Form errors that assistive technology can follow (WCAG 3.3.1): each invalid field carries
// aria-invalid and aria-describedby pointing at its message (fieldErrorID), and one summary at the
// top of the form lists every message as a link to its field (partials/form_errors.html).

// FieldError is one entry of a form's error summary: the id of the field and its message.
type FieldError struct {
	ID, Message string
}

// ErrorSummary is the view model of the "error_summary" partial.
type ErrorSummary struct {
	Title string
	Items []FieldError
}

// fieldErrorID is the id of a field's message.
func fieldErrorID(field string) string { return field + "-error" }

// errorSummary lists a form's messages in the order the form shows its fields, then any other
// message by name. Each entry of order is "name", "name#id" when the field's id differs from its
// name (a group's message links to its fieldset), and may end in ":label.key", the i18n key of the
// field's label, which then leads its message in the summary ("Nationality: use two letters").
// A message with no field ("" or a name the form has no field for) links to the summary itself.
func errorSummary(l *locale.Localizer, title string, errs map[string]string, order ...string) ErrorSummary {
	out := ErrorSummary{Title: title}
	names := make([]string, 0, len(order))
	for _, f := range order {
		f, label, _ := strings.Cut(f, ":")
		name, id, ok := strings.Cut(f, "#")
		if !ok {
			id = name
		}
		names = append(names, name)
		if m := errs[name]; m != "" {
			if label != "" && l != nil {
				m = l.T(label) + ": " + m
			}
			out.Items = append(out.Items, FieldError{ID: id, Message: m})
		}
	}
	var rest []string
	for f, m := range errs {
		if m != "" && !slices.Contains(names, f) {
			rest = append(rest, f)
		}
	}
	slices.Sort(rest)
	for _, f := range rest {
		out.Items = append(out.Items, FieldError{ID: "error-summary", Message: errs[f]})
	}
	return out
}

// formSummary is the summary of a form that may also be refused as a whole: with field messages it is
// errorSummary's, titled msg (form.fix_errors when msg is empty); with msg alone (a stale version, a refused upload), or only the
// message of the form as a whole (errs[""]), it holds that one message under a generic title,
// linked to the summary itself. Nothing when there is no message.
func formSummary(l *locale.Localizer, msg string, errs map[string]string, order ...string) ErrorSummary {
	for f, m := range errs {
		if f != "" && m != "" {
			if msg == "" {
				msg = l.T("form.fix_errors")
			}
			return errorSummary(l, msg, errs, order...)
		}
	}
	if msg == "" {
		msg = errs[""]
	}
	if msg == "" {
		return ErrorSummary{}
	}
	return ErrorSummary{Title: l.T("form.error_title"), Items: []FieldError{{ID: "error-summary", Message: msg}}}
}

// formErrorFuncs are the template functions of linked field errors.
var formErrorFuncs = template.FuncMap{
	// errorSummary builds a form's summary in the template: title, messages, the fields' order.
	"errorSummary": errorSummary,
	// formSummary builds the summary of a form refused field by field or as a whole.
	"formSummary": formSummary,
	// invalid writes a field's aria attributes: aria-describedby with its message's id when the
	// field has an error (and with the ids of its hints, given after the name), aria-invalid.
	"invalid": func(errs map[string]string, field string, hints ...string) template.HTMLAttr {
		ids := hints
		bad := errs[field] != ""
		if bad {
			ids = append([]string{fieldErrorID(field)}, hints...)
		}
		var b strings.Builder
		if len(ids) > 0 {
			b.WriteString(` aria-describedby="` + template.HTMLEscapeString(strings.Join(ids, " ")) + `"`)
		}
		if bad {
			b.WriteString(` aria-invalid="true"`)
		}
		return template.HTMLAttr(b.String()) //nolint:gosec // ids are the template's own field names, escaped
	},
	// fieldError writes a field's message, with the id its aria-describedby names; nothing when none.
	"fieldError": func(errs map[string]string, field string) template.HTML {
		m := errs[field]
		if m == "" {
			return ""
		}
		return template.HTML(`<p class="field-error" id="` + template.HTMLEscapeString(fieldErrorID(field)) + `">` +
			template.HTMLEscapeString(m) + `</p>`) //nolint:gosec // escaped above
	},
}
