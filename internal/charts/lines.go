package charts

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
)

const (
	lineH    = 300
	plotL    = 50
	plotR    = 590
	plotT    = 40
	plotB    = 240
	legendY0 = 280
)

// dashes distinguishes series in black-and-white print.
var dashes = []string{"", "6 4", "2 3", "10 3 2 3"}

// Lines renders weekly (or any dated) points as lines on a shared time axis,
// with optional dated vertical markers (rescue operations) and a legend.
func Lines(title string, series []Series, marks []Mark) template.HTML {
	lo, hi, maxV, n := bounds(series, marks)
	if n == 0 {
		return empty(title)
	}
	if !hi.After(lo) {
		hi = lo.Add(7 * 24 * time.Hour)
	}
	if maxV <= 0 {
		maxV = 1
	}
	maxV = niceCeil(maxV)
	legendH := 18 * (len(series) + len(marks))
	var b strings.Builder
	open(&b, title, lineH+legendH)
	x := func(t time.Time) float64 {
		return plotL + float64(t.Sub(lo))/float64(hi.Sub(lo))*(plotR-plotL)
	}
	y := func(v float64) float64 { return plotB - v/maxV*(plotB-plotT) }
	// axes and ticks
	fmt.Fprintf(&b, `<path d="M%d %d V%d H%d" fill="none" stroke="#000"/>`, plotL, plotT, plotB, plotR)
	for i := 0; i <= 4; i++ {
		v := maxV * float64(i) / 4
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" font-size="12" fill="#000">%s</text>`, plotL-4, y(v)+4, fmtNum(v))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="#000">%s</text>`, plotL, plotB+16, lo.Format("2006-01-02"))
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="12" fill="#000">%s</text>`, plotR, plotB+16, hi.Format("2006-01-02"))
	// markers
	for i, m := range marks {
		mx := x(m.At)
		fmt.Fprintf(&b, `<g><title>%s %s</title><line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#000" stroke-dasharray="1 3"/>`, esc(m.At.Format("2006-01-02")), esc(m.Label), mx, plotT, mx, plotB)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="12" text-anchor="middle" fill="#000">%d</text></g>`, mx, plotT-4, i+1)
	}
	// series
	for i, s := range series {
		if len(s.Points) == 0 {
			continue
		}
		var d strings.Builder
		for j, p := range s.Points {
			cmd := "L"
			if j == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%.1f %.1f ", cmd, x(p.At), y(p.Value))
		}
		dash := ""
		if ds := dashes[i%len(dashes)]; ds != "" {
			dash = fmt.Sprintf(` stroke-dasharray="%s"`, ds)
		}
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="#000" stroke-width="2"%s/>`, strings.TrimSpace(d.String()), dash)
		for _, p := range s.Points {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="#000"><title>%s %s: %s</title></circle>`, x(p.At), y(p.Value), esc(s.Label), esc(p.At.Format("2006-01-02")), fmtNum(p.Value))
		}
	}
	// legend
	ly := legendY0
	for i, s := range series {
		dash := ""
		if ds := dashes[i%len(dashes)]; ds != "" {
			dash = fmt.Sprintf(` stroke-dasharray="%s"`, ds)
		}
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#000" stroke-width="2"%s/><text x="%d" y="%d" fill="#000">%s</text>`, plotL, ly-4, plotL+30, ly-4, dash, plotL+36, ly, esc(s.Label))
		ly += 18
	}
	for i, m := range marks {
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#000">%d: %s %s</text>`, plotL, ly, i+1, esc(m.At.Format("2006-01-02")), esc(m.Label))
		ly += 18
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// bounds finds the time range and the largest value over all points and marks;
// n counts the points.
func bounds(series []Series, marks []Mark) (lo, hi time.Time, maxV float64, n int) {
	see := func(t time.Time) {
		if lo.IsZero() || t.Before(lo) {
			lo = t
		}
		if t.After(hi) {
			hi = t
		}
	}
	for _, s := range series {
		for _, p := range s.Points {
			see(p.At)
			maxV = math.Max(maxV, p.Value)
			n++
		}
	}
	if n > 0 {
		for _, m := range marks {
			see(m.At)
		}
	}
	return lo, hi, maxV, n
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, f := range []float64{1, 2, 5, 10} {
		if f*p >= v {
			return f * p
		}
	}
	return 10 * p
}

// fmtNum prints whole numbers without decimals and others with one.
func fmtNum(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
