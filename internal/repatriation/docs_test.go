package repatriation_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"homeward/internal/repatriation"
)

// TestDefaultsDocumented keeps the deadline table of docs/repatriation.md equal to the Go table.
func TestDefaultsDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/repatriation.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "| ") && strings.Count(line, "|") == 5 {
			rows = append(rows, line)
		}
	}
	for _, d := range repatriation.Defaults {
		want := fmt.Sprintf("| %s | %d | %s | %s |", d.Step, d.Days, d.From, d.Done)
		found := false
		for _, r := range rows {
			found = found || r == want
		}
		if !found {
			t.Errorf("docs/repatriation.md lacks the row %q", want)
		}
	}
	if got := len(rows) - 1; got != len(repatriation.Defaults) { // and the header
		t.Errorf("docs/repatriation.md has %d deadline rows, the code %d", got, len(repatriation.Defaults))
	}
}
