package complaints

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var isoWeek = regexp.MustCompile(`^(\d{4})-?[Ww](\d{1,2})$`)

// ParseWeek reads an ISO week ("2026-W05") or a date ("2026-01-28") and returns the Monday of that
// ISO week (UTC). A week or a date outside the calendar (2026-W54, 2025-02-30) is refused.
func ParseWeek(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if m := isoWeek.FindStringSubmatch(s); m != nil {
		year, _ := strconv.Atoi(m[1])
		week, _ := strconv.Atoi(m[2])
		if week < 1 || week > WeeksIn(year) {
			return time.Time{}, fmt.Errorf("complaints: week %q: not in the calendar", s)
		}
		return WeekStart(year, week), nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("complaints: week %q: %w", s, err)
	}
	return Monday(d), nil
}

// Monday returns the Monday of t's ISO week, at midnight UTC.
func Monday(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	off := (int(d.Weekday()) + 6) % 7 // Monday 0 … Sunday 6
	return d.AddDate(0, 0, -off)
}

// WeekStart returns the Monday of ISO week w of ISO year y.
func WeekStart(y, w int) time.Time {
	// 4 January is always in week 1.
	return Monday(time.Date(y, time.January, 4, 0, 0, 0, 0, time.UTC)).AddDate(0, 0, 7*(w-1))
}

// WeeksIn returns the number of ISO weeks of year y (52 or 53): 28 December is always in the last.
func WeeksIn(y int) int {
	_, w := time.Date(y, time.December, 28, 0, 0, 0, 0, time.UTC).ISOWeek()
	return w
}

// WeekLabel names the ISO week of t, e.g. "2026-W05".
func WeekLabel(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}
