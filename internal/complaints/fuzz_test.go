package complaints_test

import (
	"testing"

	"homeward/internal/complaints"
)

// FuzzComplaints: complaint CSV files never panic the parser, and a file with problems has no rows
// to store only when Errors says so.
func FuzzComplaints(f *testing.F) {
	f.Add([]byte(hdr + "2026-W05,Bangkok,Facebook,12,\"1,250.50\"\n2026-01-28,Chiang Mai,LINE,3,0\n"))
	f.Add([]byte("\xEF\xBB\xBFweek;province;channel;complaints;losses\n2026w5;Phnom Penh;Telegram;4;99.9\n"))
	f.Add([]byte(hdr + "2025-W53,,Facebook,-1,1e3\n2026-W05,Bangkok,Facebook,12,\"unterminated\n"))
	f.Add([]byte("week\tprovince\tchannel\tcomplaints\tlosses\n2026-W01\tX\tY\t99999999999999999999\t99999999999999999.99\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := complaints.Parse(data)
		for _, e := range p.Errors {
			if e.Row < 0 || e.Key == "" {
				t.Fatalf("problem %+v", e)
			}
		}
		for _, r := range p.Rows {
			if r.Complaints < 0 || r.Cents < 0 || r.Num < 2 {
				t.Fatalf("row %+v", r)
			}
		}
	})
}
