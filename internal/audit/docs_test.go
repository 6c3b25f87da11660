package audit_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"homeward/internal/audit"
)

// TestAuditDocs fails when docs/audit.md names a constant with another value than the code, or a
// test that does not exist.
func TestAuditDocs(t *testing.T) {
	b, err := os.ReadFile("../../docs/audit.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for name, v := range map[string]string{
		"SealInterval":   audit.SealInterval.String(),
		"AnchorInterval": audit.AnchorInterval.String(),
		"MaxUnsealedAge": audit.MaxUnsealedAge.String(),
	} {
		if want := "`" + name + "` = " + v; !strings.Contains(doc, want) {
			t.Errorf("docs/audit.md does not say %s", want)
		}
	}
	var sources strings.Builder
	for _, glob := range []string{"../../internal/*/*_test.go", "../../cmd/homeward/*_test.go"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sources.Write(src)
		}
	}
	for _, m := range regexp.MustCompile("`(Test[A-Za-z0-9]+)`").FindAllStringSubmatch(doc, -1) {
		if !strings.Contains(sources.String(), "func "+m[1]+"(") {
			t.Errorf("docs/audit.md names %s, which no test defines", m[1])
		}
	}
}
