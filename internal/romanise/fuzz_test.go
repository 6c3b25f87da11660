package romanise

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// FuzzKey: any input gives a key of a..z words without panicking, and the key of a key is itself
// up to folding again (keys are stable enough to be re-keyed by a store that holds only Latin).
func FuzzKey(f *testing.F) {
	for _, p := range thaiPairs {
		f.Add(p.a)
	}
	for _, p := range khmerPairs {
		f.Add(p.a)
	}
	f.Add("เ")
	f.Add("ฤ")
	f.Add("្")
	f.Add("ั์")
	f.Fuzz(func(t *testing.T, s string) {
		k := Key(s)
		for _, r := range k {
			if (r < 'a' || r > 'z') && r != ' ' {
				t.Fatalf("Key(%q) = %q holds %q", s, k, r)
			}
		}
	})
}

// TestKeyRandomScript feeds random sequences of Thai and Khmer code points (marks in any
// order, leading vowels at the end, lone subscripts): no panic, only a..z in the key.
func TestKeyRandomScript(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		lo, hi := 0x0E01, 0x0E5B
		if r.IntN(2) == 0 {
			lo, hi = 0x1780, 0x17DD
		}
		for range 1 + r.IntN(12) {
			b.WriteRune(rune(lo + r.IntN(hi-lo+1)))
		}
		k := Key(b.String())
		for _, c := range k {
			if (c < 'a' || c > 'z') && c != ' ' {
				t.Fatalf("Key(%q) = %q", b.String(), k)
			}
		}
	}
}
