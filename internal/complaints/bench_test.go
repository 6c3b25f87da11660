package complaints_test

import (
	"bytes"
	"fmt"
	"testing"

	"homeward/internal/complaints"
)

// BenchmarkParse5000 parses and validates a file of 5,000 rows (the hot path of a dry run).
func BenchmarkParse5000(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(hdr)
	provinces := []string{"Bangkok", "Chonburi", "Sa Kaeo", "Surin", "Chiang Mai"}
	for i := range 5000 {
		fmt.Fprintf(&buf, "%d-W%02d,%s,%s,%d,%d.%02d\n", 2020+i/(52*45), 1+i/45%52, provinces[i%5],
			complaints.Channels[i/5%9], i%97, i*13, i%100)
	}
	data := buf.Bytes()
	if p := complaints.Parse(data); len(p.Errors) != 0 || len(p.Rows) != 5000 {
		b.Fatalf("fixture: %d rows, errors %v", len(p.Rows), p.Errors[:min(3, len(p.Errors))])
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		complaints.Parse(data)
	}
}
