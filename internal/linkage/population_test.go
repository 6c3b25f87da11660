package linkage

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkLinkagePopulation runs the hub's matching as it will run: store A holds 20,000
// persons, store B 20,000 of whom 2,000 are also in A (written again, with intake errors); every
// B encoding is matched against A with blocking, threshold and CandidateLimit candidates. It
// prints how many shared persons are found, and how many candidates are other persons: with
// names as repetitive as the generator's (about 2,600 given-family pairs), many candidates are
// namesakes born in the same years, which only a supervisor can tell apart.
func BenchmarkLinkagePopulation(b *testing.B) {
	const n, shared = 20_000, 2_000
	g := generator{r: rand.New(rand.NewPCG(4, 5))}
	people := make([]genPerson, 2*n-shared)
	for i := range people {
		people[i] = g.person()
	}
	a := make([]Person, n)
	for i := range a {
		a[i] = g.record(people[i], false)
	}
	bs := make([]Person, n)
	for i := range bs {
		bs[i] = g.record(people[i+n-shared], true) // B's first `shared` persons are A's last
	}
	ea, eb := encodeAll(b, a), encodeAll(b, bs)
	x := NewIndex(1)
	for i := range ea {
		mustAdd(b, x, &ea[i])
	}
	for b.Loop() {
		for _, limit := range []int{3, 5, 10} {
			if limit != CandidateLimit {
				found, _, _, _ := populationFound(x, eb, shared, n, limit)
				b.Logf("limit %d: %d shared persons found", limit, found)
			}
		}
		found, other, top, withAny := populationFound(x, eb, shared, n, CandidateLimit)
		b.Logf("limit %d: %d shared persons: %d found (%d as the best candidate); %d candidates of other persons for %d B persons; %d B persons with a candidate (best candidate right for %.3f of them)",
			CandidateLimit, shared, found, top, other, n, withAny, float64(top)/float64(max(1, withAny)))
		b.ReportMetric(float64(found)/shared, "recall")
		b.ReportMetric(float64(found)/float64(max(1, found+other)), "precision")
	}
}

// populationFound matches B against A keeping limit candidates each, and counts the shared
// persons found (and found first), the candidates of other persons and the B persons with any.
func populationFound(x *Index, eb []Encoding, shared, n, limit int) (found, other, top, withAny int) {
	{
		for i, cs := range x.MatchAll(eb, Threshold, limit) {
			if len(cs) > 0 {
				withAny++
			}
			for k, c := range cs {
				if i < shared && c.ID == n-shared+i {
					found++
					if k == 0 {
						top++
					}
				} else {
					other++
				}
			}
		}
	}
	return found, other, top, withAny
}
