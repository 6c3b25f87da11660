// Package complaints holds the weekly online-scam complaint statistics of a store: aggregates only
// (week, province, channel, complaints, reported losses), imported from CSV all or nothing, and
// charted over time with the store's rescue operations on the same axis.
package complaints

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"homeward/internal/csvtext"
)

// MaxFileBytes is the largest file accepted (5 MB); the web layer refuses a larger body with 413
// before reading it.
const MaxFileBytes = 5 << 20

// maxCents bounds losses to numeric(16,2): 14 digits before the point.
const maxCents = 1e16 - 1

// Problem is an error of the file, by row (the header is row 1; 0 for the file as a whole) and
// column (its header as written), with an i18n message key.
type Problem struct {
	Row    int
	Column string
	Key    string
}

// Row is one valid line of the file.
type Row struct {
	Num        int       // line of the file
	Week       time.Time // Monday of the ISO week
	Province   string
	Channel    string
	Complaints int
	Cents      int64 // reported losses, in hundredths
}

// Parsed is a file read and checked: its rows and every error. With any error, nothing may be stored.
type Parsed struct {
	Rows   []Row
	Errors []Problem
	// Lines is the number of data lines read (valid or not).
	Lines int
}

var (
	utf8BOM  = []byte{0xEF, 0xBB, 0xBF}
	plainNum = regexp.MustCompile(`^\d+(\.\d{1,2})?$`)
	grouped  = regexp.MustCompile(`^\d{1,3}(,\d{3})+(\.\d{1,2})?$`)
)

// Parse reads a UTF-8 CSV file (byte-order mark stripped; comma, semicolon or tab separated) and
// checks every cell, collecting all errors.
func Parse(data []byte) *Parsed {
	p := &Parsed{}
	data = bytes.TrimPrefix(data, utf8BOM)
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return p.fail(0, "complaints.error.empty")
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return p.fail(1, "complaints.error.not_utf8")
	}
	if at := csvtext.InvalidText(data); at >= 0 {
		return p.fail(1+bytes.Count(data[:at], []byte{'\n'}), "complaints.error.not_utf8")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = csvtext.Delimiter(data)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	var h *header
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			line := 0
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			return p.fail(line, "complaints.error.csv")
		}
		line, _ := r.FieldPos(0)
		if blank(rec) {
			continue
		}
		if h == nil {
			var probs []Problem
			h, probs = readHeader(rec)
			if len(probs) > 0 {
				p.Errors = probs
				return p
			}
			continue
		}
		p.Lines++
		p.row(h, line, rec, seen)
	}
	if h == nil {
		return p.fail(0, "complaints.error.empty")
	}
	if p.Lines == 0 && len(p.Errors) == 0 {
		return p.fail(0, "complaints.error.no_rows")
	}
	return p
}

func (p *Parsed) fail(row int, key string) *Parsed {
	p.Errors = append(p.Errors, Problem{Row: row, Key: key})
	return p
}

// row checks one line and keeps it when every cell is valid.
func (p *Parsed) row(h *header, line int, rec []string, seen map[string]int) {
	before := len(p.Errors)
	cell := func(col string) string {
		if i := h.idx[col]; i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	bad := func(col, key string) { p.Errors = append(p.Errors, Problem{Row: line, Column: h.name(col), Key: key}) }
	r := Row{Num: line}
	if v := cell(ColWeek); v == "" {
		bad(ColWeek, "complaints.error.required")
	} else if w, err := ParseWeek(v); err != nil {
		bad(ColWeek, "complaints.error.week")
	} else {
		r.Week = w
	}
	if r.Province = strings.Join(strings.Fields(cell(ColProvince)), " "); r.Province == "" {
		bad(ColProvince, "complaints.error.required")
	}
	if r.Channel = strings.ToLower(cell(ColChannel)); r.Channel == "" {
		bad(ColChannel, "complaints.error.required")
	} else if !slices.Contains(Channels, r.Channel) {
		bad(ColChannel, "complaints.error.channel")
	}
	if v := cell(ColComplaints); v == "" {
		bad(ColComplaints, "complaints.error.required")
	} else if n, err := strconv.ParseInt(v, 10, 64); err != nil {
		bad(ColComplaints, "complaints.error.number")
	} else if n < 0 {
		bad(ColComplaints, "complaints.error.negative")
	} else if n > math.MaxInt32 {
		bad(ColComplaints, "complaints.error.too_big")
	} else {
		r.Complaints = int(n)
	}
	if v := cell(ColLosses); v == "" {
		bad(ColLosses, "complaints.error.required")
	} else if c, key := parseCents(v); key != "" {
		bad(ColLosses, key)
	} else {
		r.Cents = c
	}
	if len(p.Errors) > before {
		return
	}
	key := r.Week.Format(time.DateOnly) + "\x00" + strings.ToLower(r.Province) + "\x00" + r.Channel
	if _, dup := seen[key]; dup {
		bad(ColWeek, "complaints.error.duplicate")
		return
	}
	seen[key] = line
	p.Rows = append(p.Rows, r)
}

// parseCents reads an amount with at most two decimals ("1234.5", "1,234.50") as hundredths, or
// returns the error's message key.
func parseCents(v string) (int64, string) {
	neg := strings.HasPrefix(v, "-")
	s := strings.TrimPrefix(v, "-")
	switch {
	case grouped.MatchString(s):
		s = strings.ReplaceAll(s, ",", "")
	case !plainNum.MatchString(s):
		return 0, "complaints.error.number"
	}
	if neg {
		return 0, "complaints.error.negative"
	}
	whole, frac, _ := strings.Cut(s, ".")
	frac = (frac + "00")[:2]
	if len(strings.TrimLeft(whole, "0")) > 14 {
		return 0, "complaints.error.too_big"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, "complaints.error.too_big"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	c := w*100 + f
	if c > maxCents {
		return 0, "complaints.error.too_big"
	}
	return c, ""
}

// FormatCents writes hundredths as a decimal amount, "1234.50".
func FormatCents(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
