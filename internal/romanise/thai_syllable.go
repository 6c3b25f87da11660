package romanise

// leadVowel reads the vowels written with a leading เ แ โ ใ ไ.
func (p *thaiParser) leadVowel(i int, lead rune, onset string) int {
	r, n := p.r, len(p.r)
	at := func(j int, c rune) bool { return j < n && r[j] == c }
	switch lead {
	case thE:
		switch {
		case at(i, thTaiKhu):
			return p.finish(i+1, onset, "e", true, true)
		case at(i, thSaraI):
			return p.finish(i+1, onset, "oe", true, true)
		case at(i, thSaraII) && at(i+1, thYoYak):
			if at(i+2, thSaraA) {
				return p.finish(i+3, onset, "ia", false, false)
			}
			return p.finish(i+2, onset, "ia", true, false)
		case at(i, thSaraUee) && at(i+1, thOAng):
			if at(i+2, thSaraA) {
				return p.finish(i+3, onset, "uea", false, false)
			}
			return p.finish(i+2, onset, "uea", true, false)
		case at(i, thSaraAa) && at(i+1, thSaraA):
			return p.finish(i+2, onset, "o", false, false)
		case at(i, thSaraAa):
			return p.finish(i+1, onset, "ao", false, false)
		case at(i, thOAng):
			if at(i+1, thSaraA) {
				return p.finish(i+2, onset, "oe", false, false)
			}
			return p.finish(i+1, onset, "oe", true, false)
		case at(i, thSaraA):
			return p.finish(i+1, onset, "e", false, false)
		case at(i, thYoYak) && (i+1 >= n || !isThaiMark(r[i+1])):
			return p.finish(i+1, onset, "oei", false, false)
		}
		return p.finish(i, onset, "e", true, false)
	case thAe:
		switch {
		case at(i, thTaiKhu):
			return p.finish(i+1, onset, "ae", true, true)
		case at(i, thSaraA):
			return p.finish(i+1, onset, "ae", false, false)
		}
		return p.finish(i, onset, "ae", true, false)
	case thO:
		if at(i, thSaraA) {
			return p.finish(i+1, onset, "o", false, false)
		}
		return p.finish(i, onset, "o", true, false)
	default: // ใ ไ
		if at(i, thYoYak) && (i+1 >= n || !isThaiMark(r[i+1])) {
			i++ // ไชย, ไทย: the ย is silent
		}
		return p.finish(i, onset, "ai", false, false)
	}
}

// thaiCluster returns the onset of two consonants read as one (ปร pr, ทร s, หน n), or "".
func thaiCluster(c1, c2 rune) string {
	switch c1 {
	case 'ก', 'ข', 'ค', 'ต', 'ป', 'ผ', 'พ', 'บ', 'ฟ', 'ด':
		if c2 == thRoRua || c2 == thLoLing {
			if c1 == 'ต' && c2 == thLoLing || c1 == 'ด' && c2 == thLoLing {
				return ""
			}
			return thaiCons[c1][0] + thaiCons[c2][0]
		}
		if c2 == thWoWaen && (c1 == 'ก' || c1 == 'ข' || c1 == 'ค') {
			return thaiCons[c1][0] + "w"
		}
	case 'ท', 'ซ', 'ศ', 'ส':
		if c2 == thRoRua {
			return "s"
		}
	case thHoHip:
		switch c2 {
		case 'ง', 'ญ', 'น', 'ม', 'ย', 'ร', 'ล', 'ว':
			return thaiCons[c2][0]
		}
	case thOAng:
		if c2 == thYoYak {
			return "y"
		}
	}
	return ""
}
