package web_test

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The attacker of the small-cell tests: it knows every published figure, what the markers mean
// ("<5" is 1 to 4, "x" is 0 or at least 5), which figures add up to which, and any order the
// rows are listed in, and narrows what each hidden cell may hold until nothing changes.

// span is the closed interval [lo, hi]; spans is a sorted union of disjoint spans.
type span struct{ lo, hi int }
type spans []span

func (s spans) norm() spans {
	sort.Slice(s, func(i, j int) bool { return s[i].lo < s[j].lo })
	var out spans
	for _, v := range s {
		if v.lo > v.hi {
			continue
		}
		if n := len(out); n > 0 && v.lo <= out[n-1].hi+1 {
			out[n-1].hi = max(out[n-1].hi, v.hi)
			continue
		}
		out = append(out, v)
	}
	return out
}

func (s spans) plus(t spans) spans {
	var out spans
	for _, a := range s {
		for _, b := range t {
			out = append(out, span{a.lo + b.lo, a.hi + b.hi})
		}
	}
	return out.norm()
}

func (s spans) neg() spans {
	out := make(spans, 0, len(s))
	for _, v := range s {
		out = append(out, span{-v.hi, -v.lo})
	}
	return out.norm()
}

func (s spans) and(t spans) spans {
	var out spans
	for _, a := range s {
		for _, b := range t {
			out = append(out, span{max(a.lo, b.lo), min(a.hi, b.hi)})
		}
	}
	return out.norm()
}

func (s spans) equal(t spans) bool {
	if len(s) != len(t) {
		return false
	}
	for i := range s {
		if s[i] != t[i] {
			return false
		}
	}
	return true
}

// term is coef × a figure.
type term struct {
	id   string
	coef int
}

// disclosure is what a reader learns: every figure (shown: a point; hidden: a marker's domain),
// equalities Σ coef·figure = 0, and orders first ≥ second.
type disclosure struct {
	upper  int
	dom    map[string]spans
	hidden map[string]string // id → the marker shown
	eqs    [][]term
	orders [][2]string
}

func newDisclosure(upper int) *disclosure {
	return &disclosure{upper: upper, dom: map[string]spans{}, hidden: map[string]string{}}
}

// figure records a published figure under id: a number, "<5" or "x". A figure seen twice (the same
// cell on two pages) must read the same.
func (d *disclosure) figure(id, shown string) error {
	var s spans
	switch shown {
	case "<5":
		s = spans{{1, 4}}
		d.hidden[id] = shown
	case "x":
		s = spans{{0, 0}, {5, d.upper}}
		d.hidden[id] = shown
	default:
		n, err := strconv.Atoi(shown)
		if err != nil {
			return fmt.Errorf("figure %s: %q is neither a count nor a marker", id, shown)
		}
		s = spans{{n, n}}
	}
	if old, ok := d.dom[id]; ok && !old.equal(s) {
		return fmt.Errorf("figure %s shown as %v and %q", id, old, shown)
	}
	d.dom[id] = s
	return nil
}

// sum records that the parts add up to total.
func (d *disclosure) sum(total string, parts ...string) {
	eq := []term{{total, -1}}
	for _, p := range parts {
		eq = append(eq, term{p, 1})
	}
	d.eqs = append(d.eqs, eq)
}

// same records that two figures are one number.
func (d *disclosure) same(a, b string) { d.eqs = append(d.eqs, []term{{a, 1}, {b, -1}}) }

// atLeast records first ≥ second.
func (d *disclosure) atLeast(first, second string) {
	d.orders = append(d.orders, [2]string{first, second})
}

// solve narrows every domain to a fixed point and returns what a reader recovers: hidden figures
// left with one possible value, and figures left with none (the markers contradict the totals).
func (d *disclosure) solve() []string {
	for range 200 {
		changed := false
		narrow := func(id string, s spans) {
			if n := d.dom[id].and(s); !n.equal(d.dom[id]) {
				d.dom[id], changed = n, true
			}
		}
		for _, eq := range d.eqs {
			for i, t := range eq {
				others := spans{{0, 0}}
				for j, u := range eq {
					if j == i {
						continue
					}
					v := d.dom[u.id]
					if u.coef < 0 {
						v = v.neg()
					}
					others = others.plus(v)
				}
				// coef·x = -others
				if t.coef > 0 {
					narrow(t.id, others.neg())
				} else {
					narrow(t.id, others)
				}
			}
		}
		for _, o := range d.orders {
			a, b := d.dom[o[0]], d.dom[o[1]]
			if len(a) == 0 || len(b) == 0 {
				continue
			}
			narrow(o[0], spans{{b[0].lo, 1 << 40}})
			narrow(o[1], spans{{-1 << 40, a[len(a)-1].hi}})
		}
		if !changed {
			for _, eq := range d.eqs {
				changed = d.enumerate(eq) || changed
			}
		}
		if !changed {
			break
		}
	}
	var out []string
	for id, marker := range d.hidden {
		s := d.dom[id]
		switch {
		case len(s) == 0:
			out = append(out, fmt.Sprintf("%s (%s): no value fits the published figures", id, marker))
		case len(s) == 1 && s[0].lo == s[0].hi:
			out = append(out, fmt.Sprintf("%s (%s) recovered as %d", id, marker, s[0].lo))
		}
	}
	sort.Strings(out)
	return out
}

// enumerate tries every assignment of the figures of one equation (when there are few) against
// the equation and every order between them, and keeps in each domain only the values of some
// solution: interval reasoning alone misses that VN ≥ MM and VN + MM = 3 give VN = 2.
func (d *disclosure) enumerate(eq []term) bool {
	vals := make([][]int, len(eq))
	size := 1
	for i, t := range eq {
		for _, sp := range d.dom[t.id] {
			for v := sp.lo; v <= sp.hi && len(vals[i]) <= 2000; v++ {
				vals[i] = append(vals[i], v)
			}
		}
		size *= max(len(vals[i]), 1)
		if size > 200000 || len(vals[i]) > 2000 {
			return false
		}
	}
	pos := map[string]int{}
	for i, t := range eq {
		pos[t.id] = i
	}
	var orders [][2]int
	for _, o := range d.orders {
		a, okA := pos[o[0]]
		b, okB := pos[o[1]]
		if okA && okB {
			orders = append(orders, [2]int{a, b})
		}
	}
	seen := make([]map[int]bool, len(eq))
	for i := range seen {
		seen[i] = map[int]bool{}
	}
	cur := make([]int, len(eq))
	var walk func(i, sum int)
	walk = func(i, sum int) {
		if i == len(eq) {
			if sum != 0 {
				return
			}
			for _, o := range orders {
				if cur[o[0]] < cur[o[1]] {
					return
				}
			}
			for j, v := range cur {
				seen[j][v] = true
			}
			return
		}
		for _, v := range vals[i] {
			cur[i] = v
			walk(i+1, sum+eq[i].coef*v)
		}
	}
	walk(0, 0)
	changed := false
	for i, t := range eq {
		var s spans
		for v := range seen[i] {
			s = append(s, span{v, v})
		}
		s = s.norm()
		if !s.equal(d.dom[t.id]) {
			d.dom[t.id], changed = s, true
		}
	}
	return changed
}

// listedOrder adds what the order of a listing tells. Rows shown first by count (largest first,
// then by key) and hidden rows after them by key say nothing of a hidden count; any other order
// is taken as an order by count, each row at least the next.
func (d *disclosure) listedOrder(keys, ids []string) {
	hiddenSeen := false
	safe := true
	prevHiddenKey := ""
	for i, id := range ids {
		_, h := d.hidden[id]
		switch {
		case h:
			if hiddenSeen && keys[i] < prevHiddenKey {
				safe = false
			}
			hiddenSeen, prevHiddenKey = true, keys[i]
		case hiddenSeen:
			safe = false
		}
	}
	if safe {
		return
	}
	for i := 1; i < len(ids); i++ {
		d.atLeast(ids[i-1], ids[i])
	}
}

func id(parts ...string) string { return strings.Join(parts, "/") }
