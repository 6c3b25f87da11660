package complaints_test

import (
	"fmt"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/complaints"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const hdr = "week,province,channel,complaints,losses\n"

func TestParseWeek(t *testing.T) {
	for _, tt := range []struct {
		in, want string // want "" = refused
	}{
		{"2026-W05", "2026-01-26"},
		{"2026w5", "2026-01-26"},
		{"2026-W01", "2025-12-29"},
		{"2026-W53", "2026-12-28"}, // 2026 has 53 ISO weeks
		{"2025-W53", ""},           // 2025 has 52
		{"2026-W54", ""},
		{"2026-W00", ""},
		{"2026-01-28", "2026-01-26"}, // a Wednesday
		{"2026-02-01", "2026-01-26"}, // a Sunday
		{"2025-02-30", ""},
		{"2026-13-01", ""},
		{"28/01/2026", ""},
		{"", ""},
	} {
		got, err := complaints.ParseWeek(tt.in)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("ParseWeek(%q) = %s, want an error", tt.in, got.Format(time.DateOnly))
		case tt.want != "" && (err != nil || got.Format(time.DateOnly) != tt.want):
			t.Errorf("ParseWeek(%q) = %s, %v, want %s", tt.in, got.Format(time.DateOnly), err, tt.want)
		}
	}
}

func TestParseCollectsEveryError(t *testing.T) {
	type cell struct {
		row int
		col string
		key string
	}
	for _, tt := range []struct {
		name string
		file string
		want []cell
	}{
		{"negative count", hdr + "2026-W05,Bangkok,facebook,-3,10\n", []cell{{2, "complaints", "complaints.error.negative"}}},
		{"negative losses", hdr + "2026-W05,Bangkok,facebook,3,-10.50\n", []cell{{2, "losses", "complaints.error.negative"}}},
		{"week outside the calendar", hdr + "2026-W54,Bangkok,line,1,0\n2025-02-30,Bangkok,line,1,0\n",
			[]cell{{2, "week", "complaints.error.week"}, {3, "week", "complaints.error.week"}}},
		{"duplicate week, province and channel", hdr + "2026-W05,Bangkok,line,1,0\n2026-01-28,bangkok,line,2,0\n2026-W05,Bangkok,sms,1,0\n",
			[]cell{{3, "week", "complaints.error.duplicate"}}},
		{"non-numeric and empty", hdr + "2026-W05,,line,many,1.234\n2026-W06,Surin,,,\n", []cell{
			{2, "province", "complaints.error.required"}, {2, "complaints", "complaints.error.number"}, {2, "losses", "complaints.error.number"},
			{3, "channel", "complaints.error.required"}, {3, "complaints", "complaints.error.required"}, {3, "losses", "complaints.error.required"}}},
		{"unknown channel", hdr + "2026-W05,Bangkok,pigeon,1,0\n", []cell{{2, "channel", "complaints.error.channel"}}},
		{"wrong header", "week,province,medium,complaints\n2026-W05,Bangkok,line,1\n", []cell{
			{1, "medium", "complaints.error.unknown_column"}, {1, "channel", "complaints.error.missing_column"}, {1, "losses", "complaints.error.missing_column"}}},
		{"non-UTF-8", hdr + "2026-W05,B\xE4ngkok,line,1,0\n", []cell{{2, "", "complaints.error.not_utf8"}}},
		{"UTF-16", "\xFF\xFEw\x00", []cell{{1, "", "complaints.error.not_utf8"}}},
		{"empty", "", []cell{{0, "", "complaints.error.empty"}}},
		{"header only", hdr, []cell{{0, "", "complaints.error.no_rows"}}},
		{"stray quote", hdr + "2026-W05,\"Bang\"kok,line,1,0\n", []cell{{2, "", "complaints.error.csv"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := complaints.Parse([]byte(tt.file))
			var got []cell
			for _, e := range p.Errors {
				got = append(got, cell{e.Row, e.Column, e.Key})
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("errors %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseHeadersAndValues(t *testing.T) {
	for _, file := range []string{
		"\uFEFF" + hdr + "2026-01-28,  Sa  Kaeo ,LINE,12,\"1,234.5\"\n",
		"สัปดาห์;จังหวัด;ช่องทาง;เรื่องร้องเรียน;ความเสียหาย\n2026-W05;Sa Kaeo;line;12;1234.50\n",
		"សប្តាហ៍\tខេត្ត\tបណ្តាញ\tពាក្យបណ្តឹង\tការខាតបង់\n2026-W05\tSa Kaeo\tline\t12\t1234.5\n",
		"Channel,Losses,Week,Province,Complaints\n\nline,1234.50,2026-W05,Sa Kaeo,12\n",
	} {
		p := complaints.Parse([]byte(file))
		if len(p.Errors) > 0 || len(p.Rows) != 1 {
			t.Fatalf("%q: %+v", file, p)
		}
		r := p.Rows[0]
		if r.Week.Format(time.DateOnly) != "2026-01-26" || r.Province != "Sa Kaeo" || r.Channel != "line" || r.Complaints != 12 || r.Cents != 123450 {
			t.Errorf("%q: %+v", file, r)
		}
	}
}
