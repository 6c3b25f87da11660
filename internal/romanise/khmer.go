package romanise

import "strings"

// Khmer script, UNGEGN romanisation (the 1972 system after BGN/PCGN), written without its
// diacritics (â ô é ê ĕ ŏ ŭ œ become a o e e e o u oe), except ឹ, written i as in names. Khmer consonants belong to one of two
// series, and most dependent vowels read differently after each: ា is a after a first-series
// (a-series) consonant and ea after a second-series (o-series) one. A cluster's series is its
// subscript's when the subscript is not a sonorant, else its base's; ៉ moves a consonant to the
// first series and ៊ to the second. A consonant with no vowel after an open syllable closes it
// (its subscripts, as in ពេជ្រ pech, are silent); otherwise it carries the inherent vowel
// (a, o). A letter under ៍ is silent.

const (
	khCoeng       = '្'
	khMusikatoan  = '៉'
	khTriisap     = '៊'
	khNikahit     = 'ំ'
	khReahmuk     = 'ះ'
	khYuukaleapin = 'ៈ'
	khBantoc      = '់'
	khRobat       = '៌'
	khToandakhiat = '៍'
	khSamyok      = '័'
)

// khmerCons holds each consonant's value and whether it is of the second (o-) series.
var khmerCons = map[rune]struct {
	v string
	o bool
}{
	'ក': {"k", false}, 'ខ': {"kh", false}, 'គ': {"k", true}, 'ឃ': {"kh", true}, 'ង': {"ng", true},
	'ច': {"ch", false}, 'ឆ': {"chh", false}, 'ជ': {"ch", true}, 'ឈ': {"chh", true}, 'ញ': {"nh", true},
	'ដ': {"d", false}, 'ឋ': {"th", false}, 'ឌ': {"d", true}, 'ឍ': {"th", true}, 'ណ': {"n", false},
	'ត': {"t", false}, 'ថ': {"th", false}, 'ទ': {"t", true}, 'ធ': {"th", true}, 'ន': {"n", true},
	'ប': {"b", false}, 'ផ': {"ph", false}, 'ព': {"p", true}, 'ភ': {"ph", true}, 'ម': {"m", true},
	'យ': {"y", true}, 'រ': {"r", true}, 'ល': {"l", true}, 'វ': {"v", true}, 'ឝ': {"s", false},
	'ឞ': {"s", false}, 'ស': {"s", false}, 'ហ': {"h", false}, 'ឡ': {"l", false}, 'អ': {"", false},
}

func khmerSonorant(r rune) bool { return strings.ContainsRune("ងញណនមយរលវ", r) }

// khmerVowels holds each dependent vowel's value after a first- and a second-series consonant.
var khmerVowels = map[string][2]string{
	"":   {"a", "o"},
	"ា":  {"a", "ea"},
	"ិ":  {"e", "i"},
	"ី":  {"ei", "i"},
	"ឹ":  {"i", "i"}, // UNGEGN œ̆; names write i (គឹម Kim, លឹម Lim, ឈឹម Chhim)
	"ឺ":  {"oe", "oe"},
	"ុ":  {"o", "u"},
	"ូ":  {"o", "u"},
	"ួ":  {"uo", "uo"},
	"ើ":  {"aeu", "eu"},
	"ឿ":  {"oea", "oea"},
	"ៀ":  {"ie", "ie"},
	"េ":  {"e", "e"},
	"ែ":  {"e", "e"},
	"ៃ":  {"ai", "ey"},
	"ោ":  {"ao", "ou"},
	"ៅ":  {"au", "ou"},
	"ំ":  {"am", "um"},
	"ុំ": {"om", "um"},
	"ាំ": {"am", "oam"},
	"ះ":  {"ah", "eah"},
	"ុះ": {"oh", "uh"},
	"េះ": {"eh", "eh"},
	"ោះ": {"aoh", "uoh"},
	"ៈ":  {"ak", "eak"}, // a glottal stop, written k in names (វណ្ណៈ Vannak)
	"័":  {"a", "ea"},
}

// khmerIndependent holds the independent vowels.
var khmerIndependent = map[rune]string{
	'ឥ': "e", 'ឦ': "ei", 'ឧ': "o", 'ឨ': "ouk", 'ឩ': "u", 'ឪ': "ou", 'ឫ': "roe", 'ឬ': "roe",
	'ឭ': "loe", 'ឮ': "loe", 'ឯ': "e", 'ឰ': "ai", 'ឱ': "ao", 'ឲ': "ao", 'ឳ': "au",
}

func isKhmer(r rune) bool          { return r >= 0x1780 && r <= 0x17FF || r >= 0x19E0 && r <= 0x19FF }
func isKhmerCons(r rune) bool      { _, ok := khmerCons[r]; return ok }
func isKhmerVowelSign(r rune) bool { return r >= 0x17B6 && r <= 0x17C8 || r == khSamyok }

// khmerCluster is a base consonant (or independent vowel) with its subscripts, vowel and signs.
type khmerCluster struct {
	base   rune
	subs   []rune
	series bool // second series
	vowel  string
	silent bool
	robat  bool
}

func parseKhmer(rs []rune) []khmerCluster {
	var out []khmerCluster
	for i := 0; i < len(rs); {
		r := rs[i]
		i++
		if !isKhmerCons(r) && khmerIndependent[r] == "" {
			continue
		}
		c := khmerCluster{base: r, series: khmerCons[r].o}
		subSeries, hasSub := false, false
		for i < len(rs) {
			switch x := rs[i]; {
			case x == khCoeng && i+1 < len(rs) && isKhmerCons(rs[i+1]):
				s := rs[i+1]
				c.subs = append(c.subs, s)
				if !khmerSonorant(s) {
					subSeries, hasSub = khmerCons[s].o, true
				}
				i += 2
			case x == khMusikatoan:
				c.series = false
				i++
			case x == khTriisap:
				c.series = true
				i++
			case isKhmerVowelSign(x):
				c.vowel += string(x)
				i++
			case x == khToandakhiat:
				c.silent = true
				i++
			case x == khRobat:
				c.robat = true
				i++
			case x >= 0x17C9 && x <= 0x17D3:
				i++ // bantoc and other signs: no sound of their own here
			default:
				goto done
			}
		}
	done:
		if hasSub && khmerIndependent[c.base] == "" {
			c.series = subSeries
		}
		out = append(out, c)
	}
	return out
}

// khmerTok is one consonant slot of a word: a cluster, or the base of a mid-word cluster whose
// non-sonorant subscript starts the next syllable (ចិន្តា chen-da), split off as a bare slot.
type khmerTok struct {
	cons    rune
	subs    []rune
	series  bool
	vowel   string
	indep   string
	voweled bool
}

func khmerTokens(cl []khmerCluster) []khmerTok {
	var out []khmerTok
	for k, c := range cl {
		if c.silent {
			continue
		}
		if iv, ok := khmerIndependent[c.base]; ok {
			out = append(out, khmerTok{indep: iv + khmerVowelValue(c.vowel, false, true), voweled: true})
			continue
		}
		if k > 0 && len(c.subs) > 0 && !khmerSonorant(c.subs[0]) && (c.vowel != "" || k < len(cl)-1) {
			out = append(out, khmerTok{cons: c.base, series: khmerCons[c.base].o})
			sub := c.subs[0]
			if sub == 'ត' && c.base != 'ត' { // the subscript of ត is also that of ដ, and reads d
				sub = 'ដ'
			}
			c.base, c.subs = sub, c.subs[1:]
		}
		out = append(out, khmerTok{cons: c.base, subs: c.subs, series: c.series, vowel: c.vowel,
			voweled: c.vowel != ""})
	}
	return out
}

func khmerVowelValue(v string, second, independent bool) string {
	if independent && v == "" {
		return ""
	}
	vs, ok := khmerVowels[v]
	if !ok {
		vs = khmerVowels[string([]rune(v)[0:1])]
	}
	if second {
		return vs[1]
	}
	return vs[0]
}

// onset writes a slot's consonant and subscripts.
func (t khmerTok) onset(b *strings.Builder) {
	base := khmerCons[t.cons].v
	if t.cons == 'ប' && len(t.subs) > 0 {
		base = "p"
	}
	b.WriteString(base)
	for _, s := range t.subs {
		v := khmerCons[s].v
		if s == 'ត' && t.cons != 'ត' { // the subscript of ត is also that of ដ, and reads d (BGN/PCGN)
			v = "d"
		}
		b.WriteString(v)
	}
}

func (t khmerTok) final() string {
	if t.cons == 'ប' {
		return "p"
	}
	return khmerCons[t.cons].v
}

// romaniseKhmer romanises one Khmer word by UNGEGN. Runs of slots without a vowel are read as
// Thai ones are: after an open syllable a lone slot closes it; otherwise pairs read C-a/o-C
// (ផល phal, កុសល ko-sal, សុវណ្ណ so-vonn) and a lone slot carries the inherent vowel.
func romaniseKhmer(word string) string {
	ts := khmerTokens(parseKhmer([]rune(word)))
	var b strings.Builder
	open := false
	for t := 0; t < len(ts); {
		tok := ts[t]
		if tok.voweled {
			if tok.indep != "" {
				b.WriteString(tok.indep)
			} else {
				tok.onset(&b)
				b.WriteString(khmerVowelValue(tok.vowel, tok.series, false))
			}
			open = !strings.ContainsAny(tok.vowel, "ំះៈ")
			t++
			continue
		}
		e := t
		for e < len(ts) && !ts[e].voweled {
			e++
		}
		if open && (e-t)%2 == 1 {
			b.WriteString(tok.final())
			t++
		}
		open = false
		for t < e {
			rest := e - t
			ts[t].onset(&b)
			b.WriteString(khmerVowelValue("", ts[t].series, false))
			if rest != 1 && rest != 3 {
				b.WriteString(ts[t+1].final())
				t += 2
				continue
			}
			open = true
			t++
		}
	}
	return b.String()
}
