package imports

import "time"

// stream reads a file's data rows one at a time, each mapped onto an intake input, and records the
// problems of its cells in p as it goes: the file is never held as rows.
type stream struct {
	p        *Parsed
	src      *rowSource
	now      time.Time
	pending  []rawRow       // rows read ahead with the header
	unstored map[string]int // HTCDS column -> rows with a value there
	dates    map[dateForm]int
	rows     int  // data rows read
	raw      int  // non-blank rows read, the header included
	formula  int  // formulas reported so far (src.formulas[:formula])
	failed   bool // a file-level problem ended the reading: p holds only it
}

// openStream opens a file and reads its header (and, for IOM's spreadsheet, its label row). A file
// that cannot be read, or whose header is not understood, is a stream whose p holds the problems and
// that yields no row.
func openStream(data []byte, now time.Time) *stream {
	s := &stream{p: &Parsed{flagged: map[cellRef]bool{}}, now: now, unstored: map[string]int{}, dates: map[dateForm]int{}}
	src, prob := openRows(data)
	if prob != nil {
		s.fail(*prob, false)
		return s
	}
	s.src = src
	first, ok := s.read()
	switch {
	case !ok && s.failed:
		return s
	case !ok && len(src.formulas) == 0:
		s.fail(Problem{Key: "imports.error.empty"}, false)
		return s
	case !ok:
		s.fail(Problem{Row: src.formulas[0].row, Key: "imports.error.formula"}, false)
		return s
	}
	head := []rawRow{first}
	if second, ok := s.read(); ok {
		head = append(head, second)
	} else if s.failed {
		return s
	}
	h, probs := readHeader(head)
	if len(probs) > 0 {
		s.p.Errors, s.failed = probs, true
		return s
	}
	s.p.head, s.p.Layout = h, h.layout
	s.pending = head[1+h.skip:]
	return s
}

// read returns the next non-blank row of the file, counting it against maxRawRows.
func (s *stream) read() (rawRow, bool) {
	if s.failed {
		return rawRow{}, false
	}
	r, ok := s.src.next()
	switch {
	case !ok && s.src.prob != nil:
		s.fail(*s.src.prob, false)
		return rawRow{}, false
	case !ok:
		return rawRow{}, false
	}
	if s.raw++; s.raw > maxRawRows {
		s.fail(Problem{Key: "imports.error.too_many_rows", Args: []any{"Max", MaxRows}}, true)
		return rawRow{}, false
	}
	return r, true
}

// next returns the next data row of the file, mapped; false at the end of the file or when a
// file-level problem stopped it (s.failed).
func (s *stream) next() (Row, bool) {
	for !s.failed && s.p.head != nil {
		var r rawRow
		if len(s.pending) > 0 {
			r, s.pending = s.pending[0], s.pending[1:]
		} else if next, ok := s.read(); ok {
			r = next
		} else {
			return Row{}, false
		}
		s.formulasTo(r.num)
		if !s.p.hasData(r.cells) {
			continue
		}
		if s.rows++; s.rows > MaxRows {
			s.fail(Problem{Key: "imports.error.too_many_rows", Args: []any{"Max", MaxRows}}, true)
			return Row{}, false
		}
		return s.p.mapRow(r, s.src, s.now, s.unstored, s.dates), true
	}
	return Row{}, false
}

// formulasTo reports the formula cells of the rows up to row, first in their cells: a formula's
// cached value is no value.
func (s *stream) formulasTo(row int) {
	for ; s.formula < len(s.src.formulas) && s.src.formulas[s.formula].row <= row; s.formula++ {
		f := s.src.formulas[s.formula]
		s.p.cellError(f.row, f.col, "imports.error.formula")
	}
}

// fail replaces everything found with one file-level problem (keeping the layout when asked): the
// file is refused whole.
func (s *stream) fail(prob Problem, keepLayout bool) {
	layout := Layout("")
	if keepLayout {
		layout = s.p.Layout
	}
	s.p = &Parsed{Layout: layout, Errors: []Problem{prob}, flagged: map[cellRef]bool{}}
	s.failed = true
}

// finish reports what only the end of the file tells (the formulas left, no rows at all, the notes
// on the file) and orders the problems.
func (s *stream) finish() {
	if s.failed {
		return
	}
	s.formulasTo(maxSheetRows + 1)
	s.p.MoreErrors += s.src.moreFormulas
	if s.rows == 0 && len(s.p.Errors) == 0 {
		s.p.addError(Problem{Key: "imports.error.no_rows"})
	}
	s.p.noteUnstored(s.unstored)
	s.p.noteDates(s.dates)
	s.p.sortProblems()
}

func (s *stream) close() {
	if s.src != nil && s.src.close != nil {
		s.src.close()
	}
}
