package imports

import (
	"testing"
	"time"
)

// TestReadDate: ISO and day-first dates, Gregorian and Buddhist era, say how they were written;
// impossible days and other shapes are not read.
func TestReadDate(t *testing.T) {
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in, want string
		form     dateForm
		ok       bool
	}{
		{"1999-04-12", "1999-04-12", formISO, true},
		{"2542-04-12", "1999-04-12", formISOBE, true},
		{"12/04/1999", "1999-04-12", formDMY, true},
		{"12/04/2542", "1999-04-12", formDMYBE, true},
		{"7/12/2569", "2026-12-07", formDMYBE, true},
		{"07.12.2001", "2001-12-07", formDMY, true},
		{"31/02/1999", "", "", false},
		{"1999/04/12", "", "", false},
		{"04-12-1999", "", "", false},
		{"12/04/99", "", "", false},
	} {
		got, form, ok := readDate(c.in, now)
		if got != c.want || form != c.form || ok != c.ok {
			t.Errorf("readDate(%q) = %q %q %v, want %q %q %v", c.in, got, form, ok, c.want, c.form, c.ok)
		}
	}
}

// TestImportSaysWhichDatesItRead: a file with day-first Buddhist-era birth dates is read, and the
// parse notes how many dates of each form it read.
func TestImportSaysWhichDatesItRead(t *testing.T) {
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	head, _ := templateRow("th")
	csv := "\ufeff" + join(head) + "\n"
	row := func(name, birth string) string {
		cells := make([]string, len(head))
		for i, c := range columns {
			switch c.key {
			case fGivenName:
				cells[i] = name
			case fSex:
				cells[i] = "หญิง"
			case fBirthDate:
				cells[i] = birth
			case fNationality:
				cells[i] = "KH"
			}
		}
		return join(cells) + "\n"
	}
	csv += row("Sokha", "12/04/2542") + row("Dara", "13/05/2543") + row("Pov", "2001-01-02")
	p := Parse([]byte(csv), now)
	if len(p.Errors) > 0 {
		t.Fatalf("errors: %+v", p.Errors)
	}
	if got := []string{p.Rows[0].Input.BirthDate, p.Rows[1].Input.BirthDate, p.Rows[2].Input.BirthDate}; got[0] != "1999-04-12" || got[1] != "2000-05-13" || got[2] != "2001-01-02" {
		t.Errorf("birth dates read: %v", got)
	}
	want := map[string]int{"imports.note.dates.iso": 1, "imports.note.dates.dmy_be": 2}
	for _, n := range p.Notes {
		if c, ok := want[n.Key]; ok && len(n.Args) == 2 && n.Args[1] == c {
			delete(want, n.Key)
		}
	}
	if len(want) > 0 {
		t.Errorf("notes %+v lack %v", p.Notes, want)
	}
}

func join(cells []string) string {
	out := ""
	for i, c := range cells {
		if i > 0 {
			out += ","
		}
		out += c
	}
	return out
}
