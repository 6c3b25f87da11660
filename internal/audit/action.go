package audit

import (
	"fmt"
	"slices"
	"sort"
	"sync"

	"homeward/internal/authz"
)

// Action is a kind of audit row: its name and the section its detail is about. The code that writes
// a row names its Action, so what a reader of the audit trail may see follows from that code, not
// from a guess at the name. Actions are declared once, at package level, with Define; the zero
// Action (no name, no section) is refused by Append.
type Action struct {
	name    string
	section authz.Section
	// also lists the other sections a row of this action may be written in (In); nil for most.
	also []authz.Section
}

// Name is the action's name as stored, e.g. "case.read".
func (a Action) Name() string { return a.name }

// Section is the section the action's rows belong to.
func (a Action) Section() authz.Section { return a.section }

// Sections lists every section a row of this action can carry: Section, then the ones of In.
func (a Action) Sections() []authz.Section {
	return append([]authz.Section{a.section}, a.also...)
}

// In is the action written in section s, one of the sections it was declared with (a note's row
// carries its class's section). Any other section gives an Action Append refuses, so a row never
// lands in a section nobody declared.
func (a Action) In(s authz.Section) Action {
	if s == a.section || slices.Contains(a.also, s) {
		return Action{name: a.name, section: s, also: a.also}
	}
	return Action{name: a.name}
}

func (a Action) valid() bool { return a.name != "" && a.section != "" }

var (
	registryMu sync.Mutex
	registry   = map[string]Action{}
)

// Define declares an action named name whose rows belong to section, and, for an action whose
// rows depend on what they are about, the other sections In may pick. It panics on an empty name
// or section, a section outside the matrix, or a name declared twice: call it in a package-level
// var, so a mistake stops the program at start.
func Define(name string, section authz.Section, also ...authz.Section) Action {
	for _, s := range append([]authz.Section{section}, also...) {
		if !slices.Contains(authz.AllSections, s) {
			panic(fmt.Sprintf("audit: action %q in unknown section %q", name, s))
		}
	}
	if name == "" {
		panic("audit: action without a name")
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic(fmt.Sprintf("audit: action %q declared twice", name))
	}
	a := Action{name: name, section: section, also: also}
	registry[name] = a
	return a
}

// Actions lists every declared action, by name.
func Actions() []Action {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := make([]Action, 0, len(registry))
	for _, a := range registry {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}
