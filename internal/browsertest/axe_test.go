package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core 4.14.1, vendored unmodified (testdata/axe-core/README.md).
//
//go:embed testdata/axe-core/axe.min.js
var axeSource string

// axeViolation is one rule axe-core found broken, with where.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axeRunJS runs axe on the whole document (WCAG 2.x A and AA and best practices) and returns the
// serious and critical violations as JSON.
const axeRunJS = `axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(
	r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => ({
		id: v.id, impact: v.impact, help: v.help,
		nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + (n.failureSummary || "").split("\n").slice(1, 3).join(" ")),
	}))))`

// checkAxe loads axe-core into the page (when the page has not loaded it yet) and fails the test on
// any serious or critical violation.
func checkAxe(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	if !run(t, ctx, "look for axe", chromedp.Evaluate[bool](`typeof window.axe === "object"`)) {
		run(t, ctx, "load axe-core", chromedp.Evaluate[bool](axeSource+";true"))
	}
	// A transition still running (the import's progress line fading out after htmx's swap) would be
	// judged half-transparent: axe reads the page as it stands once every transition has finished.
	// The stylesheet has no endless animation, so this ends.
	run(t, ctx, "wait for the transitions", chromedp.Evaluate[bool](transitionsDoneJS, chromedp.EvalAwaitPromise))
	out := run(t, ctx, "run axe-core", chromedp.Evaluate[string](axeRunJS, chromedp.EvalAwaitPromise))
	var got []axeViolation
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%s: axe answer %q: %v", what, out, err)
	}
	for _, v := range got {
		t.Errorf("%s: axe %s (%s): %s\n  %s", what, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
	}
	if len(got) == 0 {
		t.Logf("%s: axe-core found no serious or critical violation", what)
	}
}

// transitionsDoneJS resolves once every CSS transition and animation of the page has finished.
const transitionsDoneJS = `Promise.all(document.getAnimations().map(a => a.finished.catch(() => null))).then(() => true)`
