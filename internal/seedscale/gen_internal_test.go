package seedscale

import (
	"path/filepath"
	"testing"
	"time"

	"homeward/internal/audit"
	"homeward/internal/vault"
)

// BenchmarkGenerate is the Go side of a fill alone (no database): drawing, sealing and linking the
// rows of 5,000 persons per op; it reports µs per person.
func BenchmarkGenerate(b *testing.B) {
	path := filepath.Join(b.TempDir(), "master.key")
	if err := vault.GenerateMasterKeyFile(path); err != nil {
		b.Fatal(err)
	}
	m, err := vault.LoadMasterKey(path)
	if err != nil {
		b.Fatal(err)
	}
	w, err := m.NewKeysets("TH")
	if err != nil {
		b.Fatal(err)
	}
	keys, err := m.Open("TH", w)
	if err != nil {
		b.Fatal(err)
	}
	id := "01a25133-ed7c-7e14-9b61-1ceaea0be0a0"
	ag := Agency{ID: id, Workers: []string{id}, Supervisors: []string{id}}
	g := &gen{keys: keys, country: "TH", dir: Directory{Welfare: ag, Police: ag}, groups: groupsTH, now: time.Now(),
		span: 3 * 365 * 24 * time.Hour, total: 1_000_000, refBase: 1, ops: [][16]byte{{1}}}
	for _, gr := range g.groups {
		g.weights += gr.weight
	}
	const n = 5000
	i := 0
	var last []byte
	for b.Loop() {
		c, err := g.chunk(1, i, i*n, n)
		if err != nil {
			b.Fatal(err)
		}
		_, last = audit.Link(0, last, c.audit)
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(i*n), "µs/person")
}
