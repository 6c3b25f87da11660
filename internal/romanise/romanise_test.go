package romanise

import (
	"testing"
)

func TestKeyPairsMatch(t *testing.T) {
	total := 0
	for _, set := range []struct {
		name  string
		pairs []namePair
	}{{"thai", thaiPairs}, {"khmer", khmerPairs}, {"latin", latinPairs}} {
		for _, p := range set.pairs {
			total++
			ka, kb := Key(p.a), Key(p.b)
			if ka == "" || ka != kb {
				t.Errorf("%s: Key(%q) = %q (latin %q), Key(%q) = %q (latin %q)", set.name, p.a, ka, Latin(p.a), p.b, kb, Latin(p.b))
			}
		}
	}
	if total < 200 {
		t.Fatalf("only %d pairs; the table must hold at least 200", total)
	}
}

func TestKeyNearPairs(t *testing.T) {
	for _, p := range nearPairs {
		ka, kb := Key(p.a), Key(p.b)
		if d := bigramDice(ka, kb); d < 0.5 {
			t.Errorf("Key(%q) = %q, Key(%q) = %q: bigram Dice %.2f < 0.5", p.a, ka, p.b, kb, d)
		}
	}
}

func TestKeyDifferentPairs(t *testing.T) {
	for _, p := range differentPairs {
		if ka, kb := Key(p.a), Key(p.b); ka == kb {
			t.Errorf("Key(%q) = Key(%q) = %q", p.a, p.b, ka)
		}
	}
}

func TestLatin(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"สมชาย", "somchai"}, {"ประเสริฐ", "prasoet"}, {"ณัฐวุฒิ", "natthawut"}, {"ศุภชัย", "supphachai"},
		{"เกียรติ", "kiat"}, {"เมือง", "mueang"}, {"เรียน", "rian"}, {"ไทย", "thai"}, {"แก้ว", "kaeo"},
		{"จันทร์", "chan"}, {"บุตร", "but"}, {"กนกวรรณ", "kanokwan"}, {"เจริญ", "charoen"},
		{"សុខា", "sokha"}, {"សុភា", "sophea"}, {"ស្រី", "srei"}, {"ពេជ្រ", "pech"}, {"បុប្ផា", "boppha"},
		{"ម៉ៅ", "mau"}, {"ស៊ុន", "sun"}, {"ចិន្តា", "chenda"}, {"កុសល", "kosal"},
		{"Nguyễn Văn Hùng", "nguyen van hung"}, {"O'Brien", "obrien"}, {"", ""}, {"123 !", ""},
		{"Sok សុខា", "sok sokha"}, {"Wang 王", "wang"},
	} {
		if got := Latin(tc.in); got != tc.want {
			t.Errorf("Latin(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// bigramDice is the Dice coefficient of the padded bigram sets of two keys.
func bigramDice(a, b string) float64 {
	ga, gb := bigrams(a), bigrams(b)
	if len(ga)+len(gb) == 0 {
		return 0
	}
	n := 0
	for g := range ga {
		if gb[g] {
			n++
		}
	}
	return 2 * float64(n) / float64(len(ga)+len(gb))
}

func bigrams(s string) map[string]bool {
	m := map[string]bool{}
	s = "_" + s + "_"
	for i := 0; i+1 < len(s); i++ {
		m[s[i:i+2]] = true
	}
	return m
}
