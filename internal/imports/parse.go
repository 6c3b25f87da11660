package imports

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"homeward/internal/cases"
)

// Problem is one problem of a file: the spreadsheet row (the header is row 1; 0 is the whole file), the
// column as its header is written in the file ("" when it is about no column), and an i18n message
// key with its arguments (pairs of name and value, as locale.Localizer.T takes them).
type Problem struct {
	Row    int
	Column string
	Key    string
	Args   []any
	col    int // column index, for ordering
}

// Row is one person read from the file, by spreadsheet row number.
type Row struct {
	Num   int
	Input cases.IntakeInput
	// Picklists are the HTCDS picklist values of the row, by field (htcdsmap.go).
	Picklists map[string][]string
}

// Note is a remark on the file that blocks nothing, with an i18n key and arguments.
type Note struct {
	Key  string
	Args []any
}

// Parsed is a file read and mapped onto intake inputs: its rows (Parse only; an import reads them a
// batch at a time) and its problems, at most MaxProblems errors and MaxProblems warnings kept.
type Parsed struct {
	Layout   Layout
	Rows     []Row
	Errors   []Problem
	Warnings []Problem
	// MoreErrors and MoreWarnings count the problems found past MaxProblems, not kept.
	MoreErrors, MoreWarnings int
	Notes                    []Note
	head                     *header
	flagged                  map[cellRef]bool // cells with a problem already (of the rows at hand), so validation does not repeat it
	keptRows                 int              // HTCDS rows with picklist values kept as given (notePicklists)
}

// Parse reads a CSV or XLSX file in the Homeward template or the HTCDS v2.0 layout, maps every row
// onto a cases.IntakeInput and collects the problems it finds by row and column, repeated persons
// included. It does not check what only the case service knows (lengths, date ranges, required
// fields): Service.Import does, reading the file a batch at a time rather than whole.
func Parse(data []byte, now time.Time) *Parsed {
	s := openStream(data, now)
	defer s.close()
	var reps repeats
	for {
		r, ok := s.next()
		if !ok {
			break
		}
		reps.check(s.p, r)
		s.p.Rows = append(s.p.Rows, r)
	}
	s.finish()
	if s.failed {
		s.p.Rows = nil
	}
	s.p.noteMore()
	return s.p
}

// addError keeps an error, or counts it past MaxProblems.
func (p *Parsed) addError(e Problem) {
	if len(p.Errors) >= MaxProblems {
		p.MoreErrors++
		return
	}
	p.Errors = append(p.Errors, e)
}

// addWarning keeps a warning, or counts it past MaxProblems.
func (p *Parsed) addWarning(w Problem) {
	if len(p.Warnings) >= MaxProblems {
		p.MoreWarnings++
		return
	}
	p.Warnings = append(p.Warnings, w)
}

// failedAt reports whether the file has an error, kept or counted.
func (p *Parsed) failedAt() bool { return len(p.Errors) > 0 || p.MoreErrors > 0 }

// noteMore names the problems found past MaxProblems.
func (p *Parsed) noteMore() {
	if p.MoreErrors > 0 {
		p.Notes = append(p.Notes, Note{Key: "imports.note.more_errors", Args: []any{"Count", p.MoreErrors, "Max", MaxProblems}})
	}
	if p.MoreWarnings > 0 {
		p.Notes = append(p.Notes, Note{Key: "imports.note.more_warnings", Args: []any{"Count", p.MoreWarnings, "Max", MaxProblems}})
	}
}

// hasData reports whether a row has a value under some headed column (IOM numbers its empty rows in
// a column without a header: such a row is empty).
func (p *Parsed) hasData(cells []string) bool {
	for i, c := range cells {
		if strings.TrimSpace(c) == "" {
			continue
		}
		if i < len(p.head.text) && p.head.text[i] != "" || p.head.layout == LayoutHomeward {
			return true
		}
	}
	return false
}

// cellError records a problem at a cell, once per cell.
func (p *Parsed) cellError(row, col int, key string, args ...any) {
	ref := cellRef{row: row, col: col}
	if p.flagged[ref] {
		return
	}
	p.flagged[ref] = true
	p.addError(Problem{Row: row, Column: p.head.columnName(col), Key: key, Args: args, col: col})
}

// mapRow turns one row into an intake input, recording problems with its cells.
func (p *Parsed) mapRow(r rawRow, s *rowSource, now time.Time, unstored map[string]int, dates map[dateForm]int) Row {
	h := p.head
	out := Row{Num: r.num}
	in := &out.Input
	year := 0
	var contacts, given []string
	for i, raw := range r.cells {
		v := strings.TrimSpace(raw)
		if i >= len(h.keys) || h.keys[i] == "" {
			if v != "" && i < len(h.htcds) && h.htcds[i] != "" {
				unstored[h.htcds[i]]++
			} else if v != "" && h.layout == LayoutHomeward {
				p.cellError(r.num, i, "imports.error.no_header")
			}
			continue
		}
		switch h.keys[i] {
		case fGivenName:
			if v != "" {
				given = append(given, v)
			}
		case fFamilyName:
			in.FamilyName = v
		case fSex:
			if v == "" && h.layout == LayoutHTCDS {
				v = "unknown" // HTCDS leaves an unknown gender blank
			}
			if sex, ok := parseSex(v); ok {
				in.Sex = sex
			} else if v != "" {
				p.cellError(r.num, i, "imports.error.sex")
			}
		case fBirthDate:
			if v == "" {
				continue
			}
			b, ok := parseBirth(v, s.excel, s.date1904, now)
			switch {
			case !ok:
				p.cellError(r.num, i, "imports.error.date")
			case b.year != 0:
				year = b.year
			default:
				in.BirthDate = b.date
				dates[b.form]++
			}
		case fAgeEstimate:
			if v == "" {
				continue
			}
			if n, ok := parseAge(v); ok {
				in.AgeEstimate = &n
			} else {
				p.cellError(r.num, i, "form.error.number")
			}
		case fNationality:
			if v == "" || in.Nationality != "" {
				continue
			}
			if cc, ok := parseNationality(v); ok {
				in.Nationality = cc
			} else {
				p.cellError(r.num, i, "imports.error.nationality")
			}
		case fLanguages:
			in.Languages = splitList(v)
		case fDocumentNumber:
			in.DocumentNumber = v
		case fContact:
			if v != "" {
				contacts = append(contacts, v)
			}
		case fAliases:
			in.Aliases = splitNames(v)
		case fUrgentNeeds:
			in.UrgentNeeds = v
		case fDocumentsHeld:
			kinds, numbers, ok := parseDocuments(v)
			if !ok {
				p.cellError(r.num, i, "imports.error.document_kind")
			}
			for k, kind := range kinds {
				in.DocumentsHeld = append(in.DocumentsHeld, cases.HeldDocument{Kind: kind, Number: numbers[k]})
			}
		case fDocumentsGone:
			kinds, _, ok := parseDocuments(v)
			if !ok {
				p.cellError(r.num, i, "imports.error.document_kind")
			}
			in.DocumentsMissing = kinds
		case fPicklist:
			p.mapPicklist(&out, i, v)
		case fMinor:
			if m, ok := parseYesNo(v); ok {
				in.Minor = m
			} else {
				p.cellError(r.num, i, "imports.error.yes_no")
			}
		}
	}
	in.GivenName = strings.Join(given, " ")
	in.Contact = strings.Join(contacts, "; ")
	if year != 0 && in.AgeEstimate == nil {
		age := now.Year() - year
		in.AgeEstimate = &age
	}
	return out
}

// sortProblems orders errors and warnings by row, then column.
func (p *Parsed) sortProblems() {
	for _, list := range [][]Problem{p.Errors, p.Warnings} {
		sort.SliceStable(list, func(i, j int) bool {
			if list[i].Row != list[j].Row {
				return list[i].Row < list[j].Row
			}
			return list[i].col < list[j].col
		})
	}
}

// noteUnstored adds a note naming the HTCDS columns that had values Homeward does not store.
func (p *Parsed) noteUnstored(unstored map[string]int) {
	if len(unstored) == 0 {
		return
	}
	names := make([]string, 0, len(unstored))
	for name, n := range unstored {
		names = append(names, name+" ("+strconv.Itoa(n)+")")
	}
	sort.Strings(names)
	p.Notes = append(p.Notes, Note{Key: "imports.note.unstored", Args: []any{"Columns", strings.Join(names, ", ")}})
}
