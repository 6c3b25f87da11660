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

// TestDocsFile fails when docs/packets.md differs from the rendered specs of the kinds the
// application registers; -update rewrites it.
func TestDocsFile(t *testing.T) {
	specs := apptest.New(t).App.Exchange.Specs()
	got := exchange.RenderDocs(specs)
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
		t.Errorf("docs/packets.md drifted from the registered kinds; regenerate with: %s", exchange.DocsRegenerate)
	}
	for _, s := range specs {
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

// TestEveryKindRegistered: docs/packets.md lists exactly the kinds the application registers, in
// both its tables, and every kind names its consent purpose, recipients and fields.
func TestEveryKindRegistered(t *testing.T) {
	env := apptest.New(t)
	doc, err := os.ReadFile(docsFile)
	if err != nil {
		t.Fatal(err)
	}
	got := env.App.Exchange.Kinds()
	if len(got) == 0 {
		t.Fatal("no kind registered")
	}
	for _, section := range []string{"## Kinds", "## Replies"} {
		if listed := docKinds(string(doc), section); !slices.Equal(listed, got) {
			t.Errorf("docs/packets.md %s lists %v, registered %v", section, listed, got)
		}
	}
	for _, s := range env.App.Exchange.Specs() {
		if s.Purpose == "" || len(s.RecipientKinds) == 0 || len(s.Fields) == 0 || s.TTL <= 0 {
			t.Errorf("kind %s: incomplete spec %+v", s.Kind, s)
		}
	}
}

// docKinds are the kinds of the table under heading in a rendered docs/packets.md, in order.
func docKinds(doc, heading string) []exchange.Kind {
	_, rest, ok := strings.Cut(doc, "\n"+heading+"\n")
	if !ok {
		return nil
	}
	var out []exchange.Kind
	for _, line := range strings.Split(rest, "\n") {
		if strings.HasPrefix(line, "## ") {
			break
		}
		if k, ok := strings.CutPrefix(line, "| `"); ok {
			k, _, _ = strings.Cut(k, "`")
			out = append(out, exchange.Kind(k))
		}
	}
	return out
}
