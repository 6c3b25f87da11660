// Package romanise writes personal names in Thai, Khmer and Latin script in one Latin form, and
// folds that form into a matching key in which the usual spelling variants of Thai and
// Cambodian names coincide (สมชาย, Somchai and Somchay; សុខា, Sokha and Sokhah).
//
// Latin gives the romanisation: Thai by RTGS, Khmer by UNGEGN, both without diacritics, and
// Latin text with its diacritics removed, in lower case. Key folds it for matching. Neither is
// a pronunciation guide: they exist so that two stores that wrote the same person in different
// scripts derive the same (or a near) key, which the linkage package then encodes.
package romanise

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

type script int

const (
	scriptOther script = iota
	scriptLatin
	scriptThai
	scriptKhmer
)

func scriptOf(r rune) script {
	switch {
	case isThai(r):
		return scriptThai
	case isKhmer(r):
		return scriptKhmer
	case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
		return scriptLatin
	}
	return scriptOther
}

// Latin returns the name romanised, in lower case, its words separated by single spaces.
// Thai and Khmer words are romanised; other letters lose their diacritics; anything that is not
// a letter separates words, except a hyphen or an apostrophe, which join. Letters of scripts other than Latin, Thai and Khmer are dropped.
func Latin(name string) string {
	name = norm.NFC.String(name)
	var words []string
	var cur []rune
	cs := scriptOther
	flush := func() {
		if len(cur) == 0 {
			return
		}
		w := string(cur)
		switch cs {
		case scriptThai:
			w = romaniseThai(w)
		case scriptKhmer:
			w = romaniseKhmer(w)
		default:
			w = latinWord(w)
		}
		if w != "" {
			words = append(words, w)
		}
		cur = cur[:0]
	}
	for _, r := range name {
		if r == '-' || r == '\'' || r == '’' {
			continue // a hyphen or apostrophe joins (Orn-uma, O'Brien)
		}
		s := scriptOf(r)
		if s == scriptOther || s != cs && !(s == scriptLatin && unicode.Is(unicode.Mn, r)) {
			flush()
			cs = s
		}
		if s != scriptOther {
			cur = append(cur, r)
		}
	}
	flush()
	return strings.Join(words, " ")
}

// latinWord lowers a word and strips its diacritics, keeping a..z only (đ and ø become d and o).
func latinWord(w string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(w)) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case r == 'đ':
			b.WriteByte('d')
		case r == 'ø', r == 'œ':
			b.WriteString(map[rune]string{'ø': "o", 'œ': "oe"}[r])
		case r == 'ß':
			b.WriteString("ss")
		}
	}
	return b.String()
}

// Key returns the matching key of a name: Latin, then each word folded (see Fold), words joined
// by single spaces in their written order.
func Key(name string) string {
	return strings.Join(Keys(name), " ")
}

// Keys returns the folded words of a name, empty words dropped.
func Keys(name string) []string {
	ws := strings.Fields(Latin(name))
	out := ws[:0]
	for _, w := range ws {
		if f := Fold(w); f != "" {
			out = append(out, f)
		}
	}
	return out
}
