package linkage

import (
	"fmt"
	"math/rand/v2"
)

// genPerson is a person of the generated test set, before any store writes it down.
type genPerson struct {
	khmer         bool
	given, family spelled
	sex           string
	year          int
	doc           string
}

// labelledPair is two store records and whether they are the same person.
type labelledPair struct {
	a, b  Person
	match bool
}

type generator struct{ r *rand.Rand }

func (g generator) pick(s []spelled) spelled { return s[g.r.IntN(len(s))] }

func (g generator) person() genPerson {
	p := genPerson{khmer: g.r.IntN(2) == 0, year: 1966 + g.r.IntN(45)}
	p.sex = []string{"female", "male"}[g.r.IntN(2)]
	if p.khmer {
		p.given, p.family = g.pick(khmerGiven), g.pick(khmerFamily)
	} else {
		p.given, p.family = g.pick(thaiGiven), g.pick(thaiFamily)
	}
	p.doc = fmt.Sprintf("%c%c%07d", 'A'+g.r.IntN(26), 'A'+g.r.IntN(26), g.r.IntN(10_000_000))
	return p
}

// similar returns a different person whose name shares a part with p, of the same sex and
// nationality, born within two years: the hard non-matches.
func (g generator) similar(p genPerson) genPerson {
	for {
		q := g.person()
		q.khmer, q.sex = p.khmer, p.sex
		q.year = p.year - 2 + g.r.IntN(5)
		given, family := khmerGiven, khmerFamily
		if !p.khmer {
			given, family = thaiGiven, thaiFamily
		}
		q.given, q.family = g.pick(given), g.pick(family)
		switch g.r.IntN(10) {
		case 0, 1, 2, 3, 4:
			q.family = p.family
		case 5, 6, 7:
			q.given = p.given
		}
		if q.given.script != p.given.script || q.family.script != p.family.script {
			return q
		}
	}
}

// record writes a person as one store would: in its script or a Latin spelling, with the
// errors of intake (typos, swapped or missing parts, a wrong or estimated birth year).
func (g generator) record(p genPerson, noisy bool) Person {
	write := func(s spelled) string {
		if g.r.IntN(2) == 0 {
			return s.script
		}
		w := s.latin[g.r.IntN(len(s.latin))]
		if noisy && g.r.IntN(5) == 0 {
			w = g.typo(w)
		}
		return w
	}
	rec := Person{GivenName: write(p.given), FamilyName: write(p.family), Sex: p.sex, BirthYear: p.year}
	if !noisy {
		if g.r.IntN(4) == 0 {
			rec.DocumentNumbers = []string{p.doc}
		}
		return rec
	}
	if g.r.IntN(7) == 0 {
		rec.GivenName, rec.FamilyName = rec.FamilyName, rec.GivenName
	}
	if g.r.IntN(10) == 0 {
		rec.FamilyName = ""
	}
	switch x := g.r.IntN(100); {
	case x < 15:
		rec.BirthYear += []int{-1, 1}[g.r.IntN(2)]
	case x < 20:
		rec.BirthYear += []int{-3, -2, 2, 3}[g.r.IntN(4)]
	case x < 23:
		rec.BirthYear = 0
	}
	if g.r.IntN(100) == 0 {
		rec.Sex = ""
	}
	if g.r.IntN(4) == 0 {
		rec.DocumentNumbers = []string{p.doc}
	}
	return rec
}

// typo inserts, deletes, replaces or swaps one letter.
func (g generator) typo(w string) string {
	b := []byte(w)
	if len(b) < 3 {
		return w
	}
	i := 1 + g.r.IntN(len(b)-2)
	c := byte('a' + g.r.IntN(26))
	switch g.r.IntN(4) {
	case 0:
		return string(b[:i]) + string(c) + string(b[i:])
	case 1:
		return string(b[:i]) + string(b[i+1:])
	case 2:
		b[i] = c
	default:
		b[i], b[i-1] = b[i-1], b[i]
	}
	return string(b)
}

// labelledSet generates n matching and n non-matching pairs on a fixed seed.
func labelledSet(seed uint64, n int) []labelledPair {
	g := generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	out := make([]labelledPair, 0, 2*n)
	for range n {
		p := g.person()
		out = append(out, labelledPair{a: g.record(p, false), b: g.record(p, true), match: true})
		q := g.similar(p)
		out = append(out, labelledPair{a: g.record(p, false), b: g.record(q, true)})
	}
	return out
}
