package charts

import (
	"strings"
	"testing"
	"time"
)

func TestEscapesLabels(t *testing.T) {
	day := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	outs := map[string]string{
		"bars": string(Bars("<script>t</script>", []Item{{Label: "<script>alert(1)</script>", Value: 3, Display: "<5"}})),
		"lines": string(Lines("<script>t</script>",
			[]Series{{Label: "<script>s</script>", Points: []Point{{At: day, Value: 2}, {At: day.AddDate(0, 0, 7), Value: 4}}}},
			[]Mark{{At: day.AddDate(0, 0, 3), Label: `"><script>m</script>`}})),
	}
	for name, out := range outs {
		t.Run(name, func(t *testing.T) {
			if strings.Contains(out, "<script") {
				t.Fatalf("unescaped label in %s", out)
			}
			if !strings.Contains(out, "&lt;script&gt;") {
				t.Fatalf("escaped label missing: %s", out)
			}
			for _, want := range []string{`role="img"`, "<title>", `width="100%"`, "viewBox"} {
				if !strings.Contains(out, want) {
					t.Errorf("missing %q", want)
				}
			}
		})
	}
	if !strings.Contains(outs["bars"], "&lt;5") {
		t.Error("display value not shown")
	}
}

func TestEmptyData(t *testing.T) {
	cases := map[string]string{
		"bars nil":     string(Bars("Empty", nil)),
		"lines nil":    string(Lines("Empty", nil, nil)),
		"lines no pts": string(Lines("Empty", []Series{{Label: "a"}}, []Mark{{At: time.Now(), Label: "op"}})),
		"bars zeros":   string(Bars("Zero", []Item{{Label: "a"}, {Label: "b"}})),
		"lines one pt": string(Lines("One", []Series{{Label: "a", Points: []Point{{At: time.Now(), Value: 0}}}}, nil)),
	}
	for name, out := range cases {
		t.Run(name, func(t *testing.T) {
			if !strings.HasPrefix(out, "<svg") || !strings.HasSuffix(out, "</svg>") {
				t.Fatalf("not an svg: %s", out)
			}
			if strings.Contains(out, "NaN") || strings.Contains(out, "Inf") {
				t.Fatalf("bad number: %s", out)
			}
		})
	}
}
