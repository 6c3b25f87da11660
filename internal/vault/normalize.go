package vault

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NormalizeDocumentNumber puts an identity-document number in the form its
// blind index is computed from: NFKC (so full-width letters and digits become
// ASCII), Thai and Khmer digits as ASCII digits, upper case, and without
// spaces, hyphens and other dashes, dots, slashes or invisible format
// characters. "ab 123-456" and "AB123456" normalise alike.
func NormalizeDocumentNumber(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r), unicode.Is(unicode.Pd, r), unicode.Is(unicode.Cf, r),
			r == '.', r == '/', r == '\u2212': // U+2212 MINUS SIGN, typed for a hyphen
			return -1
		case r >= '๐' && r <= '๙': // Thai digits
			return '0' + (r - '๐')
		case r >= '០' && r <= '៩': // Khmer digits
			return '0' + (r - '០')
		}
		return unicode.ToUpper(r)
	}, norm.NFKC.String(s))
}

// NormalizeText is the blind-index normalisation for kinds without their own:
// NFKC, upper case, invisible format characters removed, runs of white space
// collapsed to one space and the ends trimmed.
func NormalizeText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, norm.NFKC.String(s))
	return strings.Join(strings.Fields(s), " ")
}
