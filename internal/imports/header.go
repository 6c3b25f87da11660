package imports

import (
	"strings"

	"github.com/xuri/excelize/v2"
)

// header is the file's header row, understood.
type header struct {
	layout Layout
	row    int      // row number of the header (the HTCDS label row, if any, is row+1)
	text   []string // each column's header as written in the file, trimmed
	keys   []string // the template field each column fills; "" for none
	htcds  []string // HTCDS system name of each column (HTCDS layout); "" for none
	lang   string   // language of a Homeward header
	skip   int      // rows after the header that are headers too (IOM's label row)
}

// columnName is how a problem names column i: its header as written, or its letter when it has none.
func (h *header) columnName(i int) string {
	if i < len(h.text) && h.text[i] != "" {
		return h.text[i]
	}
	name, _ := excelize.ColumnNumberToName(i + 1)
	return name
}

// index returns the index of the first column filling key, or -1.
func (h *header) index(key string) int {
	for i, k := range h.keys {
		if k == key {
			return i
		}
	}
	return -1
}

// readHeader understands the first non-empty row: the Homeward template's header in any of its
// languages, or the HTCDS v2.0 layout (system names as in IOM's spreadsheet, or labels). Problems
// with it are file-level: nothing below can be read without it.
func readHeader(rows []rawRow) (*header, []Problem) {
	first := rows[0]
	h := &header{row: first.num, text: make([]string, len(first.cells)), keys: make([]string, len(first.cells)),
		htcds: make([]string, len(first.cells))}
	homeward, htcds := 0, 0
	for i, c := range first.cells {
		h.text[i] = strings.TrimSpace(c)
		n := normHeader(c)
		if _, ok := homewardByHeader[n]; ok {
			homeward++
		}
		if _, ok := htcdsByHeader[n]; ok || htcdsPrefix.MatchString(n) {
			htcds++
		}
	}
	switch {
	case homeward == 0 && htcds == 0:
		return nil, []Problem{{Row: first.num, Key: "imports.error.header"}}
	case htcds > homeward:
		return h, h.mapHTCDS(rows)
	default:
		return h, h.mapHomeward()
	}
}

// mapHomeward maps a template header: every column must be a template column, once.
func (h *header) mapHomeward() []Problem {
	h.layout = LayoutHomeward
	var probs []Problem
	langs := map[string]int{}
	seen := map[string]bool{}
	for i, t := range h.text {
		n := normHeader(t)
		if n == "" {
			continue
		}
		key, ok := homewardByHeader[n]
		switch {
		case !ok:
			probs = append(probs, Problem{Row: h.row, Column: t, Key: "imports.error.unknown_column"})
		case seen[key]:
			probs = append(probs, Problem{Row: h.row, Column: t, Key: "imports.error.duplicate_column"})
		default:
			seen[key] = true
			h.keys[i] = key
			langs[homewardLang[n]]++
		}
	}
	h.lang = "en"
	for _, l := range Langs {
		if langs[l] > langs[h.lang] {
			h.lang = l
		}
	}
	for _, c := range columns {
		if c.required && !seen[c.key] {
			probs = append(probs, Problem{Row: h.row, Column: c.headers[h.lang], Key: "imports.error.missing_column"})
		}
	}
	if !seen[fBirthDate] && !seen[fAgeEstimate] {
		probs = append(probs, Problem{Row: h.row, Column: Header(fBirthDate, h.lang), Key: "imports.error.missing_column"})
	}
	return probs
}

// mapHTCDS maps an HTCDS header. Columns Homeward cannot store are kept (for the report's note), and so
// are unknown columns: the standard lets organisations add their own.
func (h *header) mapHTCDS(rows []rawRow) []Problem {
	h.layout = LayoutHTCDS
	var probs []Problem
	seen := map[string]bool{}
	for i, t := range h.text {
		n := normHeader(t)
		if n == "" {
			continue
		}
		c, ok := htcdsByHeader[n]
		if !ok {
			h.htcds[i] = t
			continue
		}
		if seen[c.name] {
			probs = append(probs, Problem{Row: h.row, Column: t, Key: "imports.error.duplicate_column"})
			continue
		}
		seen[c.name] = true
		h.htcds[i], h.keys[i] = c.name, c.key
	}
	if !seen[hFirstName] {
		probs = append(probs, Problem{Row: h.row, Column: hFirstName, Key: "imports.error.missing_column"})
	}
	if !seen[hBirthdate] && !seen[hAgeEstimate] {
		probs = append(probs, Problem{Row: h.row, Column: hBirthdate, Key: "imports.error.missing_column"})
	}
	if !seen[hCitizenship] && !seen[hNationality] {
		probs = append(probs, Problem{Row: h.row, Column: hCitizenship, Key: "imports.error.missing_column"})
	}
	// IOM's spreadsheet has the system names in row 1 and the labels in row 2.
	if len(rows) > 1 && rows[1].num == h.row+1 && labelRow(rows[1].cells) {
		h.skip = 1
	}
	return probs
}

// labelRow reports whether most non-empty cells of a row are HTCDS labels.
func labelRow(cells []string) bool {
	labels, filled := 0, 0
	for _, c := range cells {
		n := normHeader(c)
		if n == "" {
			continue
		}
		filled++
		if htcdsLabels[n] {
			labels++
		}
	}
	return filled > 0 && labels*2 > filled
}
