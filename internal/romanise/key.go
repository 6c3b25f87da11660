package romanise

import "strings"

// digraphs folds the consonant and vowel spellings that name romanisations use interchangeably.
// Earlier pairs win where two could apply at one position (chh before ch).
var digraphs = strings.NewReplacer(
	"tch", "c", "chh", "c", "ch", "c", "sh", "s", "ph", "p", "th", "t", "kh", "k", "gh", "k",
	"bh", "b", "dh", "d", "nh", "ny", "ck", "k", "j", "c", "q", "k", "z", "s", "x", "s",
	"w", "v", "sr", "s", "rn", "n", "ee", "i", "oo", "u", "uea", "ua", "oeu", "eu", "ou", "u", "au", "ao",
)

// vowelsAfterV folds again what a closing v turned to o (Pov, poo, pu).
var vowelsAfterV = strings.NewReplacer("oo", "u", "ou", "u")

func isVowel(c byte) bool { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' }

// Fold returns the matching key of one romanised word (lower-case a..z): aspirates lose their h
// (ph p, th t, kh k, ch chh j c), w is v, sr is s, rn is n, ee is i, oo and ou are u, au is ao,
// a y that is not an onset is i, er before a consonant is the RTGS oe (Prasert, prasoet), a final
// d c s b g l is t t t p k n and a final h after a vowel is dropped (as RTGS writes finals), a v that
// closes a syllable is o (Kaew, kaeo; Pov, pou), and doubled letters are single.
func Fold(w string) string {
	if w == "" {
		return ""
	}
	s := []byte(digraphs.Replace(w))
	// y: an onset stays, any other y is the vowel i.
	for i := range s {
		if s[i] == 'y' && i > 0 && (i+1 == len(s) || !isVowel(s[i+1])) {
			s[i] = 'i'
		}
	}
	// er before a consonant: the RTGS oe.
	for i := 0; i+2 < len(s); i++ {
		if s[i] == 'e' && s[i+1] == 'r' && !isVowel(s[i+2]) && s[i+2] != 'y' && (i == 0 || s[i-1] != 'o') {
			s = append(s[:i], append([]byte("oe"), s[i+2:]...)...)
		}
	}
	// ar before a consonant: a long a (Apichart, Suchart).
	for i := 0; i+2 < len(s); i++ {
		if s[i] == 'a' && s[i+1] == 'r' && !isVowel(s[i+2]) && s[i+2] != 'y' {
			s = append(s[:i+1], s[i+2:]...)
		}
	}
	// v closing a syllable is o.
	for i := 1; i < len(s); i++ {
		if s[i] == 'v' && isVowel(s[i-1]) && (i+1 == len(s) || !isVowel(s[i+1])) {
			s[i] = 'o'
		}
	}
	s = []byte(vowelsAfterV.Replace(string(s)))
	// Finals.
	n := len(s)
	for n > 1 && s[n-1] == 'h' && isVowel(s[n-2]) {
		n--
	}
	s = s[:n]
	if n > 1 {
		switch s[n-1] {
		case 'd', 'c', 's':
			s[n-1] = 't'
		case 'b':
			s[n-1] = 'p'
		case 'l':
			s[n-1] = 'n'
		case 'g':
			if s[n-2] != 'n' {
				s[n-1] = 'k'
			}
		}
	}
	// Doubled letters.
	out := s[:0]
	for i, c := range s {
		if i > 0 && c == s[i-1] {
			continue
		}
		out = append(out, c)
	}
	return string(out)
}
