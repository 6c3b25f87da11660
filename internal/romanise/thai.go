package romanise

import "strings"

// Thai script, RTGS (Royal Thai General System of Transcription, Royal Institute 1999/2000),
// written without tone marks as the system itself does. Thai has no spaces inside a name and
// leaves many vowels unwritten, so the romaniser parses syllables with heuristics tuned for
// personal names: the inherent vowel (a in open syllables, o between two consonants),
// the Pali-Sanskrit linking consonant (ณัฐวุฒิ natthawut, ศุภชัย supphachai), silent letters under
// the thanthakhat (์), a silent ร closing a final cluster (บุตร but) and the silent final ิ of
// Pali words (วุฒิ wut, ชาติ chat). It is not a dictionary romaniser: where a name reads against
// these rules (ธนพล is read tha-na-phon, the rules give thon-phon), the matching downstream
// is by q-gram similarity, which tolerates one wrong vowel.

const (
	thMaiHan   = 'ั'
	thSaraA    = 'ะ'
	thSaraAa   = 'า'
	thSaraAm   = 'ำ'
	thSaraI    = 'ิ'
	thSaraII   = 'ี'
	thSaraUe   = 'ึ'
	thSaraUee  = 'ื'
	thSaraU    = 'ุ'
	thSaraUu   = 'ู'
	thTaiKhu   = '็'
	thNikhahit = 'ํ'
	thRue      = 'ฤ'
	thLue      = 'ฦ'
	thOAng     = 'อ'
	thWoWaen   = 'ว'
	thYoYak    = 'ย'
	thRoRua    = 'ร'
	thLoLing   = 'ล'
	thHoHip    = 'ห'
	thE        = 'เ'
	thAe       = 'แ'
	thO        = 'โ'
	thAiMuan   = 'ใ'
	thAiMalai  = 'ไ'
)

// thaiCons holds, for each consonant ก..ฮ, its RTGS value as initial and as final.
var thaiCons = map[rune][2]string{
	'ก': {"k", "k"}, 'ข': {"kh", "k"}, 'ฃ': {"kh", "k"}, 'ค': {"kh", "k"}, 'ฅ': {"kh", "k"},
	'ฆ': {"kh", "k"}, 'ง': {"ng", "ng"}, 'จ': {"ch", "t"}, 'ฉ': {"ch", "t"}, 'ช': {"ch", "t"},
	'ซ': {"s", "t"}, 'ฌ': {"ch", "t"}, 'ญ': {"y", "n"}, 'ฎ': {"d", "t"}, 'ฏ': {"t", "t"},
	'ฐ': {"th", "t"}, 'ฑ': {"th", "t"}, 'ฒ': {"th", "t"}, 'ณ': {"n", "n"}, 'ด': {"d", "t"},
	'ต': {"t", "t"}, 'ถ': {"th", "t"}, 'ท': {"th", "t"}, 'ธ': {"th", "t"}, 'น': {"n", "n"},
	'บ': {"b", "p"}, 'ป': {"p", "p"}, 'ผ': {"ph", "p"}, 'ฝ': {"f", "p"}, 'พ': {"ph", "p"},
	'ฟ': {"f", "p"}, 'ภ': {"ph", "p"}, 'ม': {"m", "m"}, 'ย': {"y", "i"}, 'ร': {"r", "n"},
	'ล': {"l", "n"}, 'ว': {"w", "o"}, 'ศ': {"s", "t"}, 'ษ': {"s", "t"}, 'ส': {"s", "t"},
	'ห': {"h", ""}, 'ฬ': {"l", "n"}, 'อ': {"", ""}, 'ฮ': {"h", ""},
}

// thaiLinking are the letters that, closing a syllable with a short vowel before another
// syllable, are read twice in Pali-Sanskrit names: as the final and as the next onset with a.
var thaiLinking = map[rune]bool{'ช': true, 'ต': true, 'ฐ': true, 'ฒ': true, 'ถ': true, 'ท': true, 'ธ': true,
	'ภ': true, 'ศ': true, 'ษ': true, 'ฑ': true}

// thaiIrregular are name elements that read against the rules; they are replaced before parsing
// by a spelling that the rules read right.
var thaiIrregular = strings.NewReplacer("พรหม", "โพรม\uFFF0", "พราหมณ์", "พราม\uFFF0", "ศรี", "ศรี\uFFF0")

// thBreak marks where a silenced letter was: a syllable ends there.
const thBreak = '\uFFF0'

func isThaiCons(r rune) bool {
	return r >= 'ก' && r <= 'ฮ' && r != thRue && r != thLue && r != 'ฯ'
}
func isThaiLead(r rune) bool { return r >= thE && r <= thAiMalai }

// isThaiMark reports a vowel written above, below or after a consonant.
func isThaiMark(r rune) bool {
	switch r {
	case thMaiHan, thSaraI, thSaraII, thSaraUe, thSaraUee, thSaraU, thSaraUu, thTaiKhu,
		thSaraA, thSaraAa, thSaraAm, 'ๅ':
		return true
	}
	return false
}

func isThai(r rune) bool { return r >= 0x0E01 && r <= 0x0E5B }

// thaiPrepare drops tone marks and other signs, and the letters silenced by a thanthakhat
// (with the vowel it sits on: ศักดิ์ → ศัก).
func thaiPrepare(s string) []rune {
	s = thaiIrregular.Replace(s)
	in := []rune(s)
	out := make([]rune, 0, len(in))
	for i := 0; i < len(in); i++ {
		r := in[i]
		switch {
		case r >= 0x0E48 && r <= 0x0E4B, r == 'ๆ', r == 'ฯ', r == 0x0E4E, r >= 0x0E50 && r <= 0x0E7F:
			continue
		case r == thNikhahit && i+1 < len(in) && in[i+1] == thSaraAa:
			out = append(out, thSaraAm)
			i++
			continue
		case r == thNikhahit:
			continue
		case r == 0x0E4C: // thanthakhat: the letter under it is silent
			if n := len(out); n > 0 && (out[n-1] == thSaraI || out[n-1] == thSaraU) {
				out = out[:n-1]
			}
			if n := len(out); n > 0 && isThaiCons(out[n-1]) {
				out = out[:n-1]
			}
			out = append(out, thBreak)
			continue
		}
		out = append(out, r)
	}
	return out
}

// thaiSyl is one romanised syllable: open when it ends in a vowel that could still take a final.
type thaiSyl struct {
	text   string
	closed bool
	short  bool // the vowel is a short written one (ั ิ ุ), after which a final may link
}

type thaiParser struct {
	r    []rune
	syls []thaiSyl
}

// vowelled reports that the consonant at j carries a vowel: a mark after it, an อ or ว read as
// the vowel, or it starts a cluster whose second letter carries one.
func (p *thaiParser) vowelled(j int) bool {
	r, n := p.r, len(p.r)
	if j+1 >= n {
		return false
	}
	next := r[j+1]
	if isThaiMark(next) || next == thRue || next == thRoRua && j+2 < n && r[j+2] == thRoRua {
		return true
	}
	if next == thOAng && p.oVowel(j+1) {
		return true
	}
	if next == thWoWaen && j+2 < n && isThaiCons(r[j+2]) && !p.vowelledPlain(j+2) && !p.vowelled(j+1) {
		return true
	}
	if isThaiCons(next) && thaiCluster(r[j], next) != "" && j+2 < n && isThaiMark(r[j+2]) {
		return true
	}
	return false
}

func (p *thaiParser) vowelledPlain(j int) bool { return j+1 < len(p.r) && isThaiMark(p.r[j+1]) }

// romaniseThai romanises one Thai word (no spaces) by RTGS.
func romaniseThai(word string) string {
	p := &thaiParser{r: thaiPrepare(word)}
	for i := 0; i < len(p.r); {
		i = p.syllable(i)
	}
	var b strings.Builder
	for _, s := range p.syls {
		b.WriteString(s.text)
	}
	return b.String()
}

// syllable parses the syllable that starts at i and returns where the next one starts.
func (p *thaiParser) syllable(i int) int {
	r, n := p.r, len(p.r)
	lead := rune(0)
	if isThaiLead(r[i]) {
		lead = r[i]
		i++
	}
	if i >= n {
		return i
	}
	if r[i] == thRue || r[i] == thLue {
		v := "rue"
		if r[i] == thLue {
			v = "lue"
		}
		i++
		if i < n && isThaiCons(r[i]) && !p.vowelled(i) {
			v = v[:1] + "i"
		}
		return p.finish(i, "", v, true, true)
	}
	if !isThaiCons(r[i]) {
		return i + 1 // a stray mark
	}
	c1 := r[i]
	onset := thaiCons[c1][0]
	i++
	if i < n && isThaiCons(r[i]) {
		c2 := r[i]
		cl := thaiCluster(c1, c2)
		withVowel := i+1 < n && isThaiMark(r[i+1])
		if lead != 0 && c2 == thWoWaen && !withVowel {
			cl = ""
		}
		if cl != "" && (withVowel || lead != 0 || i+1 < n && r[i+1] == thOAng) {
			onset = cl
			i++
		}
	}
	if lead != 0 && onset == thaiCons[c1][0] && i+1 < n && r[i] == thRoRua && isThaiMark(r[i+1]) {
		p.syls = append(p.syls, thaiSyl{text: onset + "a"}) // เจริญ cha-roen
		onset = "r"
		i++
	}
	if lead != 0 {
		return p.leadVowel(i, lead, onset)
	}
	if i >= n {
		return p.bare(i-1, onset)
	}
	switch r[i] {
	case thMaiHan:
		i++
		if i < n && r[i] == thWoWaen {
			return p.finish(i+1, onset, "ua", true, false)
		}
		return p.finish(i, onset, "a", true, true)
	case thSaraI:
		if i+1 == n && len(p.syls) > 0 && p.paliFinal(c1) {
			prev := &p.syls[len(p.syls)-1]
			prev.text += thaiCons[c1][1]
			prev.closed = true
			return i + 1
		}
		return p.finish(i+1, onset, "i", true, true)
	case thSaraII:
		return p.finish(i+1, onset, "i", true, false)
	case thSaraUe:
		return p.finish(i+1, onset, "ue", true, true)
	case thSaraUee:
		i++
		if i < n && r[i] == thOAng {
			i++
		}
		return p.finish(i, onset, "ue", true, false)
	case thSaraU:
		return p.finish(i+1, onset, "u", true, true)
	case thSaraUu:
		return p.finish(i+1, onset, "u", true, false)
	case thTaiKhu:
		return p.finish(i+1, onset, "o", true, true)
	case thSaraAa, 'ๅ':
		return p.finish(i+1, onset, "a", true, false)
	case thSaraAm:
		return p.finish(i+1, onset, "am", false, false)
	case thSaraA:
		return p.finish(i+1, onset, "a", false, false)
	case thRue:
		return p.finish(i+1, onset+"r", "i", true, true)
	case thRoRua:
		if i+1 < n && r[i+1] == thRoRua { // รร: a before a final, an otherwise
			i += 2
			if i < n && isThaiCons(r[i]) && !p.vowelled(i) {
				return p.finish(i, onset, "a", true, true)
			}
			return p.finish(i, onset, "an", false, false)
		}
	case thOAng:
		if p.oVowel(i) {
			return p.finish(i+1, onset, "o", true, false)
		}
	case thWoWaen:
		if i+1 < n && isThaiCons(r[i+1]) && !p.vowelledPlain(i+1) && !p.vowelled(i) {
			return p.finish(i+1, onset, "ua", true, false)
		}
	}
	return p.bare(i-1, onset)
}

// paliFinal reports the silent final ิ of Pali words (วุฒิ, ชาติ, ประวัติ): a dental closing
// an open syllable whose vowel is u, a or ia.
func (p *thaiParser) paliFinal(c rune) bool {
	switch c {
	case 'ต', 'ฒ', 'ธ', 'ท', 'ถ', 'ฐ':
	default:
		return false
	}
	prev := p.syls[len(p.syls)-1]
	if prev.closed {
		return false
	}
	return strings.HasSuffix(prev.text, "u") || strings.HasSuffix(prev.text, "a")
}

// finish takes the final consonant of the syllable, if any, and records it.
func (p *thaiParser) finish(i int, onset, vowel string, canFinal, short bool) int {
	r, n := p.r, len(p.r)
	syl := thaiSyl{text: onset + vowel, short: short}
	mustFinal := vowel == "a" && short                                                   // ั never ends a syllable
	linkRo := vowel == "i" && !short && i+1 < n && r[i] == thRoRua && isThaiCons(r[i+1]) // ธีรพงษ์ thi-ra-phong
	if canFinal && i < n && isThaiCons(r[i]) && (mustFinal || !p.vowelled(i)) && !p.pairWithRo(i, short) && !linkRo {
		c := r[i]
		if c == thRoRua && i+3 == n && r[i+1] == 'ต' && r[i+2] == thSaraI { // เกียรติ kiat
			c = 'ต'
			i += 2
		}
		syl.text += thaiCons[c][1]
		syl.closed = true
		i++
		if i < n && r[i] == thRoRua && p.wordEnd(i+1) { // บุตร, เพชร: a closing ร is silent
			i++
		}
		if short && thaiLinking[c] && i < n && isThaiCons(r[i]) && thaiCons[r[i]][0] != thaiCons[c][0] {
			p.syls = append(p.syls, syl)
			link := thaiCons[c][0]
			if !(r[i] == thRoRua || r[i] == thLoLing) || c == 'ช' || c == 'ศ' || c == 'ษ' {
				link += "a" // ภัทรา phat-thra, but รัชนี rat-cha-ni
			}
			p.syls = append(p.syls, thaiSyl{text: link})
			return i
		}
	}
	p.syls = append(p.syls, syl)
	return i
}

// oVowel reports that the อ at j is the vowel o (ทอง) rather than the onset of the next
// syllable (แสงอรุณ saeng-a-run).
func (p *thaiParser) oVowel(j int) bool {
	r, n := p.r, len(p.r)
	return j+1 >= n || !isThaiMark(r[j+1]) && !(isThaiCons(r[j+1]) && p.vowelledPlain(j+1))
}

// wordEnd reports that j is the end of the word or of a part closed by a silenced letter.
func (p *thaiParser) wordEnd(j int) bool { return j >= len(p.r) || p.r[j] == thBreak }

// pairWithRo reports that the consonant at i and a ร closing the word read as one syllable
// (ศิริพร si-ri-phon, ธนากร tha-na-kon) rather than a final with a silent ร (บุตร but, จักร chak).
func (p *thaiParser) pairWithRo(i int, short bool) bool {
	if i+1 >= len(p.r) || p.r[i+1] != thRoRua || !p.wordEnd(i+2) {
		return false
	}
	switch p.r[i] {
	case 'ต', 'ท', 'ช':
		return false
	case 'ก':
		return !short
	}
	return true
}

// bare reads a run of consonants that carry no written vowel, starting at j (whose onset is
// given): pairs read C-o-C (สม som, พร phon), an odd one out C-a before the last pair
// (กมล ka-mon, พงศกร phong-sa-kon), a pair whose second letter is ย or ว splits (ชยพล cha-ya-phon).
func (p *thaiParser) bare(j int, onset string) int {
	r, n := p.r, len(p.r)
	end := j + 1
	for end < n && isThaiCons(r[end]) && !p.vowelled(end) {
		end++
	}
	// r[j:end] carry no vowel; r[end], if a consonant, carries one and starts the next syllable.
	if end-j == 1 {
		if p.wordEnd(end) && len(p.syls) > 0 && p.syls[len(p.syls)-1].closed {
			return end // a lone letter closing the word after a closed syllable is silent (จันทร์)
		}
		if end == n && len(p.syls) == 0 {
			p.syls = append(p.syls, thaiSyl{text: onset + "o"})
			return end
		}
		p.syls = append(p.syls, thaiSyl{text: onset + "a"})
		return end
	}
	for k := j; k < end; {
		rest := end - k
		pair := rest != 1 && rest != 3 && r[k+1] != thYoYak && r[k+1] != thWoWaen
		on := thaiCons[r[k]][0]
		if k == j {
			on = onset
		}
		if pair {
			p.syls = append(p.syls, thaiSyl{text: on + "o" + thaiCons[r[k+1]][1], closed: true})
			k += 2
			continue
		}
		p.syls = append(p.syls, thaiSyl{text: on + "a"})
		k++
	}
	return end
}
