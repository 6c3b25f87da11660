package web

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"homeward/internal/locale"
)

// TestFormSummary: a form refused field by field is titled with its message (form.fix_errors when
// there is none); a form refused as a whole (a stale version, a refused upload, only errs[""])
// holds that one message under the generic title, linked to the summary itself; nothing, nothing.
func TestFormSummary(t *testing.T) {
	b, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	l := b.For("en", false, nil)
	whole := ErrorSummary{Title: l.T("form.error_title"), Items: []FieldError{{ID: "error-summary", Message: "Changed meanwhile."}}}
	for _, tt := range []struct {
		name string
		msg  string
		errs map[string]string
		want ErrorSummary
	}{
		{"fields, no title", "", map[string]string{"body": "Required."}, ErrorSummary{Title: l.T("form.fix_errors"),
			Items: []FieldError{{ID: "body", Message: l.T("note.body") + ": Required."}}}},
		{"fields and a title", "Fix", map[string]string{"body": "Required.", "other": ""}, ErrorSummary{Title: "Fix",
			Items: []FieldError{{ID: "body", Message: l.T("note.body") + ": Required."}}}},
		{"the whole form", "Changed meanwhile.", map[string]string{}, whole},
		{"the whole form, by its key", "", map[string]string{"": "Changed meanwhile.", "body": ""}, whole},
		{"nothing", "", nil, ErrorSummary{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, formSummary(l, tt.msg, tt.errs, "body:note.body")); diff != "" {
				t.Errorf("summary (-want +got):\n%s", diff)
			}
		})
	}
}
