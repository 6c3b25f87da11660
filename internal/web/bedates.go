package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// Dates as users write them (issue 16 item 5). A Thai user whose setting shows Buddhist-era years
// types dates that way on every form: bedates.js turns each date input into a text input showing
// DD/MM/YYYY with the Buddhist-era year and names those fields in _be_dates; beDates turns what
// was typed back into YYYY-MM-DD (Gregorian) before any handler reads the form, so every service
// keeps one date form. Without the script, the browser's date input sends YYYY-MM-DD as before.

// beYearFrom is the smallest year read as Buddhist era (1857 CE): no record here is older.
const beYearFrom = 2400

var (
	beISO = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
	beDMY = regexp.MustCompile(`^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$`)
)

// dateFromUser reads a date typed by a user of the Buddhist-era setting: DD/MM/YYYY or YYYY-MM-DD,
// the year Buddhist era (from beYearFrom) or Gregorian; it returns YYYY-MM-DD (Gregorian).
func dateFromUser(v string) (string, bool) {
	v = strings.TrimSpace(v)
	var y, m, d int
	if g := beISO.FindStringSubmatch(v); g != nil {
		y, m, d = num(g[1]), num(g[2]), num(g[3])
	} else if g := beDMY.FindStringSubmatch(v); g != nil {
		y, m, d = num(g[3]), num(g[2]), num(g[1])
	} else {
		return "", false
	}
	if y >= beYearFrom {
		y -= 543
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return "", false
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d), true
}

func num(s string) int { n, _ := strconv.Atoi(s); return n }

// dateField reports whether a form field holds a date by its name (forms sent without bedates.js).
func dateField(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, "date") || strings.HasSuffix(n, "_on") || strings.HasSuffix(n, "_until") ||
		strings.HasSuffix(n, "date_from") || strings.HasSuffix(n, "date_to") || strings.HasPrefix(n, "deadline_")
}

// beDates rewrites the date fields of a form sent by a user of the Buddhist-era setting (Thai).
func (s *Server) beDates(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		l := localizerOf(c)
		r := c.Request()
		if r.Method != http.MethodPost || l == nil || !l.BuddhistEra || l.Lang != "th" {
			return next(c)
		}
		form, err := c.FormParams()
		if err != nil {
			return next(c) // the handler meets the same error
		}
		named := map[string]bool{}
		for _, list := range form["_be_dates"] {
			for _, n := range strings.Split(list, ",") {
				named[strings.TrimSpace(n)] = true
			}
		}
		for name, vs := range form {
			if !named[name] && !dateField(name) {
				continue
			}
			for i, v := range vs {
				if iso, ok := dateFromUser(v); ok {
					vs[i] = iso
				}
			}
			if r.PostForm != nil {
				r.PostForm[name] = vs
			}
			if r.MultipartForm != nil {
				r.MultipartForm.Value[name] = vs
			}
		}
		return next(c)
	}
}
