package web

import (
	"html/template"
	"testing"

	"github.com/google/go-cmp/cmp"

	"homeward/internal/locale"
)

// TestErrorSummaryOrderAndLinks: the summary follows the form's order, links a group's message to
// its fieldset, leads with the field's label, and sends a message with no field to the summary.
func TestErrorSummaryOrderAndLinks(t *testing.T) {
	b, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	l := b.For("en", false, nil)
	errs := map[string]string{"nationality": "Use two letters.", "given_name": "Required.",
		"documents_held": "Give the number.", "": "Something else."}
	got := errorSummary(l, "Fix", errs, "given_name:person.given_name", "nationality", "documents_held#documents")
	want := ErrorSummary{Title: "Fix", Items: []FieldError{
		{ID: "given_name", Message: l.T("person.given_name") + ": Required."},
		{ID: "nationality", Message: "Use two letters."},
		{ID: "documents", Message: "Give the number."},
		{ID: "error-summary", Message: "Something else."},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if got := formErrorFuncs["invalid"].(func(map[string]string, string, ...string) template.HTMLAttr)(errs, "nationality", "nationality-hint"); got != ` aria-describedby="nationality-error nationality-hint" aria-invalid="true"` {
		t.Errorf("invalid = %q", got)
	}
	if got := formErrorFuncs["invalid"].(func(map[string]string, string, ...string) template.HTMLAttr)(errs, "family_name", "family-hint"); got != ` aria-describedby="family-hint"` {
		t.Errorf("invalid on a valid field = %q", got)
	}
	if got := formErrorFuncs["fieldError"].(func(map[string]string, string) template.HTML)(map[string]string{"x": "<b>"}, "x"); got != `<p class="field-error" id="x-error">&lt;b&gt;</p>` {
		t.Errorf("fieldError = %q", got)
	}
}
