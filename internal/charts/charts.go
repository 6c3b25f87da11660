// Package charts renders small, accessible SVG charts on the server.
//
// Every chart is a self-contained <svg> element returned as template.HTML so it
// can be placed directly into a page. All text (titles, labels, values) is
// escaped with html.EscapeString before it is written, so labels coming from
// data ("<script>") are rendered as text. Charts scale to their container
// (viewBox, width 100%) but never below their drawn width (min-width), so no label is
// shown under MinFontPx pixels (a phone scrolls the chart sideways in its figure); they use black strokes and text so they print well, and
// carry role="img" with a <title> for screen readers. Pages are expected to
// show the same numbers in a table beside the chart.
package charts

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"
)

// Item is one bar of a bar chart. Display, when set, is shown instead of
// Value (for example "<5" for a suppressed small count); the bar length still
// uses Value, so callers that suppress counts should also pass a suppressed
// Value (0 draws no bar).
type Item struct {
	Label   string
	Value   int
	Display string
}

// Series is one line of a line chart.
type Series struct {
	Label  string
	Points []Point
}

// Point is one dated value of a series.
type Point struct {
	At    time.Time
	Value float64
}

// Mark is a dated vertical marker drawn across a line chart (a rescue
// operation, for example).
type Mark struct {
	At    time.Time
	Label string
}

// MinFontPx is the smallest text size of a chart, in pixels: every label is drawn at least this
// large, and a chart never shrinks below its drawn width (WCAG: readable labels on phones).
const MinFontPx = 12

const (
	width     = 600
	barHeight = 22
	barGap    = 8
	labelW    = 200
	valueW    = 60
	padTop    = 30
)

// esc escapes text for use in SVG element content and attributes.
func esc(s string) string { return html.EscapeString(s) }

// open writes the svg element opening with its accessible title.
func open(b *strings.Builder, title string, h int) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="%s" viewBox="0 0 %d %d" width="100%%" style="min-width:%dpx" preserveAspectRatio="xMinYMin meet" font-family="sans-serif" font-size="13">`, esc(title), width, h, width)
	fmt.Fprintf(b, `<title>%s</title>`, esc(title))
	fmt.Fprintf(b, `<text x="0" y="16" font-weight="bold" font-size="14" fill="#000">%s</text>`, esc(title))
}

// empty returns a chart that says there is no data.
func empty(title string) template.HTML {
	var b strings.Builder
	open(&b, title, 60)
	b.WriteString(`<text x="0" y="46" fill="#000">–</text></svg>`)
	return template.HTML(b.String())
}

// Bars renders a horizontal bar chart: one row per item with its label on the
// left, a bar scaled to the largest value, and the value (or Display) on the
// right.
func Bars(title string, items []Item) template.HTML {
	if len(items) == 0 {
		return empty(title)
	}
	maxV := 0
	for _, it := range items {
		maxV = max(maxV, it.Value)
	}
	h := padTop + len(items)*(barHeight+barGap) + 4
	var b strings.Builder
	open(&b, title, h)
	span := width - labelW - valueW
	for i, it := range items {
		y := padTop + i*(barHeight+barGap)
		w := 0
		if maxV > 0 && it.Value > 0 {
			w = max(1, it.Value*span/maxV)
		}
		shown := it.Display
		if shown == "" {
			shown = fmt.Sprint(it.Value)
		}
		fmt.Fprintf(&b, `<g><text x="%d" y="%d" text-anchor="end" fill="#000">%s</text>`, labelW-6, y+barHeight-6, esc(truncate(it.Label, 28)))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#bbb" stroke="#000" stroke-width="1"/>`, labelW, y, w, barHeight)
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#000">%s</text></g>`, labelW+w+6, y+barHeight-6, esc(shown))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// truncate shortens long labels so they fit the label column.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
