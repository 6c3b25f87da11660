package audit_test

import (
	"strings"
	"testing"
	"time"

	"homeward/internal/audit"
)

// TestAppendCountedRefusesWhatItCannotCount: a detail without the CountedRows place is an error,
// not a row with no count; the statement reads the CTE it is given and caps the count.
func TestAppendCountedRefusesWhatItCannotCount(t *testing.T) {
	now := time.Now()
	e := audit.Entry{ActorUserID: "u", Action: audit.CaseList, Entity: "case", Detail: map[string]any{"rows": 3}}
	if _, _, err := audit.AppendCounted(now, e, "page", 50); err == nil {
		t.Fatal("a detail without CountedRows was accepted")
	}
	e.Detail = map[string]any{"rows": audit.CountedRows, "stage": "recovery"}
	sql, args, err := audit.AppendCounted(now, e, "page", 50)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(sql, "least(count(*), ?)::text || ? FROM page") {
		t.Errorf("statement %q does not count page", sql)
	}
	if before, most, after := args[7], args[8], args[9]; before != `{"rows":` || most != 50 || after != `,"stage":"recovery"}` {
		t.Errorf("detail around the count: %q, %v, %q", before, most, after)
	}
}
