package imports

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// dateForm is how a date cell was written: the import says which forms it read (issue 16 item 5).
type dateForm string

// The date forms an import reads. A Buddhist-era year is taken off 543 (gregorian).
const (
	formISO   dateForm = "iso"    // 2026-12-07
	formISOBE dateForm = "iso_be" // 2569-12-07
	formDMY   dateForm = "dmy"    // 07/12/2026 (day first, as the th template shows)
	formDMYBE dateForm = "dmy_be" // 07/12/2569
)

// dateForms lists them in the order the import notes them.
var dateForms = []dateForm{formISO, formISOBE, formDMY, formDMYBE}

var (
	isoDate = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
	dmyDate = regexp.MustCompile(`^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$`)
)

// readDate reads a calendar date written YYYY-MM-DD or DD/MM/YYYY (also DD.MM.YYYY), the year
// Gregorian or Thai Buddhist era, and says which form it was; an impossible day is not read.
func readDate(s string, now time.Time) (string, dateForm, bool) {
	var y, m, d int
	var form dateForm
	if g := isoDate.FindStringSubmatch(s); g != nil {
		y, m, d, form = atoi(g[1]), atoi(g[2]), atoi(g[3]), formISO
	} else if g := dmyDate.FindStringSubmatch(s); g != nil {
		y, m, d, form = atoi(g[3]), atoi(g[2]), atoi(g[1]), formDMY
	} else {
		return "", "", false
	}
	if gy := gregorian(y, now); gy != y {
		y = gy
		form += "_be"
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return "", "", false
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d), form, true
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// noteDates says which date forms the file's birth dates were read in, with how many of each,
// when any was not plain YYYY-MM-DD with a Gregorian year.
func (p *Parsed) noteDates(read map[dateForm]int) {
	if read[formISOBE]+read[formDMY]+read[formDMYBE] == 0 {
		return
	}
	for _, f := range dateForms {
		if n := read[f]; n > 0 {
			p.Notes = append(p.Notes, Note{Key: "imports.note.dates." + string(f), Args: []any{"Count", n}})
		}
	}
}
