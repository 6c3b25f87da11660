package exchange_test

import (
	"flag"
	"os"
	"slices"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/exchange"
	"homeward/internal/failpoint"
)

var update = flag.Bool("update", false, "rewrite docs/packets.md from the specs")

const docsFile = "../../docs/packets.md"

// TestDocsFile fails when docs/packets.md differs from the rendered specs; -update rewrites it.
func TestDocsFile(t *testing.T) {
	got := exchange.RenderDocs()
	if *update {
		if err := os.WriteFile(docsFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(docsFile)
	if err != nil {
		t.Fatalf("read %s: %v; regenerate with: %s", docsFile, err, exchange.DocsRegenerate)
	}
	if string(want) != got {
		t.Errorf("docs/packets.md drifted from internal/exchange/spec.go; regenerate with: %s", exchange.DocsRegenerate)
	}
	for _, s := range exchange.Specs {
		for _, f := range s.Fields {
			if !strings.Contains(got, "`"+f+"`") {
				t.Errorf("field %s of %s not rendered", f, s.Kind)
			}
		}
	}
}

// TestDocsFailpoints: the failpoints docs/packets.md lists are exactly the registered ones, each
// with where it sits.
func TestDocsFailpoints(t *testing.T) {
	doc, err := os.ReadFile(docsFile)
	if err != nil {
		t.Fatal(err)
	}
	got, want := exchange.DocFailpoints(string(doc)), failpoint.Names()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("docs/packets.md lists failpoints %v, registered %v", got, want)
	}
	for _, n := range want {
		if !strings.Contains(string(doc), "- `"+n+"`: ") || strings.Contains(string(doc), "- `"+n+"`: \n") {
			t.Errorf("failpoint %s is not described", n)
		}
	}
}

// TestEveryKindRegistered: the application registers one plugin for each declared kind, and the
// docs name each one.
func TestEveryKindRegistered(t *testing.T) {
	env := apptest.New(t)
	var want []exchange.Kind
	for k := range exchange.Specs {
		want = append(want, k)
	}
	slices.Sort(want)
	if got := env.App.Exchange.Kinds(); !slices.Equal(got, want) {
		t.Errorf("registered kinds %v, declared %v", got, want)
	}
}
