package locale

import (
	"testing"
	"time"
)

func TestT(t *testing.T) {
	b := mustLoad(t)
	tests := []struct {
		name string
		lang string
		key  string
		args []any
		want string
	}{
		{"English", "en", "nav.cases", nil, "Cases"},
		{"Thai", "th", "nav.signout", nil, "ออกจากระบบ"},
		{"Khmer", "km", "nav.settings", nil, "ការកំណត់"},
		{"English with argument", "en", "nav.signed_in_as", []any{"Name", "Somchai"}, "Signed in as Somchai"},
		{"Thai with argument", "th", "nav.signed_in_as", []any{"Name", "สมชาย"}, "เข้าสู่ระบบในชื่อ สมชาย"},
		{"Khmer with argument", "km", "nav.signed_in_as", []any{"Name", "សុខា"}, "បានចូលជា សុខា"},
		{"argument is not HTML-escaped here", "en", "nav.signed_in_as", []any{"Name", "A&B"}, "Signed in as A&B"},
		{"missing key returns the key", "en", "no.such.key", nil, "no.such.key"},
		{"missing key in Thai returns the key", "th", "no.such.key", []any{"Name", "x"}, "no.such.key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.For(tt.lang, false, nil).T(tt.key, tt.args...); got != tt.want {
				t.Errorf("T(%q, %v) in %s = %q, want %q", tt.key, tt.args, tt.lang, got, tt.want)
			}
		})
	}
}

func TestTFallbackAndPlural(t *testing.T) {
	b := mustLoadFS(t, map[string]string{
		"en.toml": `
"only.en" = "English only"
"cases.count" = { one = "{{.Count}} case", other = "{{.Count}} cases" }
"cases.flat" = "{{.Count}} open"
`,
		"th.toml": `"cases.count" = "{{.Count}} กรณี"` + "\n" + `"cases.flat" = "เปิด {{.Count}}"`,
		"km.toml": `"cases.count" = "{{.Count}} ករណី"` + "\n" + `"cases.flat" = "បើក {{.Count}}"`,
	})
	tests := []struct {
		name string
		lang string
		key  string
		args []any
		want string
	}{
		{"key missing in Thai falls back to English", "th", "only.en", nil, "English only"},
		{"English one", "en", "cases.count", []any{"Count", 1}, "1 case"},
		{"English other", "en", "cases.count", []any{"Count", 3}, "3 cases"},
		{"Thai has one form", "th", "cases.count", []any{"Count", 1}, "1 กรณี"},
		{"Count on a flat message", "en", "cases.flat", []any{"Count", 1}, "1 open"},
		{"non-integer Count is plain data", "km", "cases.flat", []any{"Count", "2"}, "បើក 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.For(tt.lang, false, nil).T(tt.key, tt.args...); got != tt.want {
				t.Errorf("T(%q, %v) in %s = %q, want %q", tt.key, tt.args, tt.lang, got, tt.want)
			}
		})
	}
}

func TestDate(t *testing.T) {
	b := mustLoad(t)
	bkk := bangkok()
	day := time.Date(2026, 11, 27, 15, 4, 0, 0, bkk)
	tests := []struct {
		name        string
		lang        string
		buddhistEra bool
		loc         *time.Location
		t           time.Time
		want        string
	}{
		{"English", "en", false, nil, day, "27 Nov 2026"},
		{"English ignores Buddhist era", "en", true, nil, day, "27 Nov 2026"},
		{"Thai Buddhist era", "th", true, nil, day, "27 พ.ย. 2569"},
		{"Thai Gregorian", "th", false, nil, day, "27 พ.ย. 2026"},
		{"Thai January", "th", true, nil, time.Date(2027, 1, 3, 12, 0, 0, 0, bkk), "3 ม.ค. 2570"},
		{"Khmer", "km", false, nil, day, "27 វិច្ឆិកា 2026"},
		{"Khmer ignores Buddhist era", "km", true, nil, day, "27 វិច្ឆិកា 2026"},
		{"Khmer February", "km", false, nil, time.Date(2026, 2, 9, 12, 0, 0, 0, bkk), "9 កុម្ភៈ 2026"},
		{"UTC evening is next day in Bangkok", "en", false, nil, time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC), "27 Nov 2026"},
		{"shown in the given zone", "en", false, time.UTC, time.Date(2026, 11, 27, 3, 0, 0, 0, bkk), "26 Nov 2026"},
		{"DATE column at UTC midnight keeps its day", "th", true, nil, time.Date(1999, 4, 13, 0, 0, 0, 0, time.UTC), "13 เม.ย. 2542"},
		{"zero time", "th", true, nil, time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.For(tt.lang, tt.buddhistEra, tt.loc).Date(tt.t); got != tt.want {
				t.Errorf("Date(%v) = %q, want %q", tt.t, got, tt.want)
			}
		})
	}
}

func TestDateTimeAndISO(t *testing.T) {
	b := mustLoad(t)
	instant := time.Date(2026, 11, 27, 8, 4, 0, 0, time.UTC) // 15:04 in Bangkok
	tests := []struct {
		name         string
		lang         string
		buddhistEra  bool
		loc          *time.Location
		t            time.Time
		wantDateTime string
		wantISO      string
	}{
		{"English in Bangkok", "en", false, nil, instant, "27 Nov 2026 15:04", "2026-11-27"},
		{"Thai Buddhist era, ISO stays Gregorian", "th", true, nil, instant, "27 พ.ย. 2569 15:04", "2026-11-27"},
		{"Khmer", "km", false, nil, instant, "27 វិច្ឆិកា 2026 15:04", "2026-11-27"},
		{"UTC zone", "en", false, time.UTC, instant, "27 Nov 2026 08:04", "2026-11-27"},
		{"late UTC is next day in Bangkok", "en", false, nil, time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "1 Jan 2027 06:30", "2027-01-01"},
		{"zero time", "en", false, nil, time.Time{}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := b.For(tt.lang, tt.buddhistEra, tt.loc)
			if got := l.DateTime(tt.t); got != tt.wantDateTime {
				t.Errorf("DateTime(%v) = %q, want %q", tt.t, got, tt.wantDateTime)
			}
			if got := l.DateISO(tt.t); got != tt.wantISO {
				t.Errorf("DateISO(%v) = %q, want %q", tt.t, got, tt.wantISO)
			}
		})
	}
}

func TestZeroLocalizer(t *testing.T) {
	var l Localizer
	if got := l.T("nav.cases"); got != "nav.cases" {
		t.Errorf("T on zero Localizer = %q, want the key", got)
	}
	if got := l.Date(time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC)); got != "27 Nov 2026" {
		t.Errorf("Date on zero Localizer = %q, want Bangkok day in English", got)
	}
}

func BenchmarkT(b *testing.B) {
	l := mustLoad(b).For("th", true, nil)
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			_ = l.T("nav.cases")
		}
	})
	b.Run("with argument", func(b *testing.B) {
		for b.Loop() {
			_ = l.T("nav.signed_in_as", "Name", "สมชาย")
		}
	})
	b.Run("missing key", func(b *testing.B) {
		for b.Loop() {
			_ = l.T("no.such.key")
		}
	})
}
