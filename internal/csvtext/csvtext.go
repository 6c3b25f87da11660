// Package csvtext checks and sniffs the CSV files people upload (intake imports, complaint
// statistics): is it UTF-8 text, and which separator does it use.
package csvtext

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// InvalidText returns the offset of the first byte that is not UTF-8 text (invalid UTF-8 or a NUL,
// which no spreadsheet writes into CSV), or -1.
func InvalidText(data []byte) int {
	if utf8.Valid(data) {
		return bytes.IndexByte(data, 0)
	}
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 || r == 0 {
			return i
		}
		i += size
	}
	return -1
}

// Delimiter picks the separator the first line uses most: comma, semicolon (Excel in many
// locales) or tab.
func Delimiter(data []byte) rune {
	line := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		line = data[:i]
	}
	best, n := ',', bytes.Count(line, []byte{','})
	for _, d := range []rune{';', '\t'} {
		if c := bytes.Count(line, []byte(string(d))); c > n {
			best, n = d, c
		}
	}
	return best
}

// Defuse keeps a spreadsheet from reading a text cell written to CSV or XLSX as a formula: a cell
// starting with =, +, -, @, a tab or a carriage return gets a leading apostrophe.
func Defuse(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
