package charts

import (
	"regexp"
	"strconv"
	"testing"
	"time"
)

var (
	fontSizeAttr = regexp.MustCompile(`font-size="([0-9.]+)"`)
	minWidthAttr = regexp.MustCompile(`viewBox="0 0 ([0-9]+) [0-9]+"[^>]*style="min-width:([0-9]+)px"`)
)

// TestLabelsAtLeastMinFontPx: every text of every kind of chart is drawn at MinFontPx or more, and
// the chart never shrinks below its drawn width, so a label is never shown under MinFontPx pixels.
func TestLabelsAtLeastMinFontPx(t *testing.T) {
	day := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	charts := map[string]string{
		"bars":  string(Bars("Cases by stage", []Item{{Label: "Recovery", Value: 3}, {Label: "Closed", Value: 0, Display: "<5"}})),
		"lines": string(Lines("Weekly", []Series{{Label: "TH", Points: []Point{{At: day, Value: 2}, {At: day.AddDate(0, 0, 7), Value: 4}}}}, []Mark{{At: day.AddDate(0, 0, 3), Label: "Op"}})),
		"empty": string(Bars("Nothing", nil)),
	}
	for name, svg := range charts {
		t.Run(name, func(t *testing.T) {
			sizes := fontSizeAttr.FindAllStringSubmatch(svg, -1)
			if len(sizes) == 0 {
				t.Fatal("no font-size in the chart")
			}
			for _, m := range sizes {
				if px, _ := strconv.ParseFloat(m[1], 64); px < MinFontPx {
					t.Errorf("font-size %s < %d", m[1], MinFontPx)
				}
			}
			m := minWidthAttr.FindStringSubmatch(svg)
			if m == nil || m[1] != m[2] {
				t.Fatalf("the chart may shrink below its drawn width: %.200s", svg)
			}
		})
	}
}
