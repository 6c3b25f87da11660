package dayjson_test

import (
	"testing"
	"time"

	"homeward/internal/dayjson"
)

func TestDay(t *testing.T) {
	d := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	if got := dayjson.Of(d); got != "2026-12-07" {
		t.Errorf("Of = %q", got)
	}
	if got := dayjson.Ptr(&d); got == nil || *got != "2026-12-07" {
		t.Errorf("Ptr = %v", got)
	}
	if got := dayjson.Ptr(nil); got != nil {
		t.Errorf("Ptr(nil) = %q, want nil", *got)
	}
}
