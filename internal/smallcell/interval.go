package smallcell

import "sort"

// span is the closed integer interval [lo, hi].
type span struct{ lo, hi int }

// set is a union of disjoint spans, sorted: what a reader knows a hidden cell may hold.
type set []span

// normal sorts and merges spans that touch.
func (s set) normal() set {
	sort.Slice(s, func(i, j int) bool { return s[i].lo < s[j].lo })
	var out set
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

// plus is the set of sums a+b.
func (s set) plus(t set) set {
	var out set
	for _, a := range s {
		for _, b := range t {
			out = append(out, span{a.lo + b.lo, a.hi + b.hi})
		}
	}
	return out.normal()
}

// minusFrom is the set k - v for v in s.
func (s set) minusFrom(k int) set {
	out := make(set, 0, len(s))
	for _, v := range s {
		out = append(out, span{k - v.hi, k - v.lo})
	}
	return out.normal()
}

// shift is the set v + k.
func (s set) shift(k int) set {
	out := make(set, 0, len(s))
	for _, v := range s {
		out = append(out, span{v.lo + k, v.hi + k})
	}
	return out
}

// and is the intersection.
func (s set) and(t set) set {
	var out set
	for _, a := range s {
		for _, b := range t {
			out = append(out, span{max(a.lo, b.lo), min(a.hi, b.hi)})
		}
	}
	return out.normal()
}

// point reports whether the set holds exactly one value.
func (s set) point() bool { return len(s) == 1 && s[0].lo == s[0].hi }

// domain is what a reader knows of a hidden cell from its marker: "<5" is 1..4; "x" is 0 or
// 5..upper.
func domain(c *Cell, upper int) set {
	if c.Value > 0 && c.Value < SmallCell {
		return set{{1, SmallCell - 1}}
	}
	return set{{0, 0}, {SmallCell, max(upper, SmallCell)}}
}

// pinned reports whether a reader can work out a hidden cell of the relation exactly from the
// shown cells and the markers: the relation says the parts sum to its last member, the total.
func pinned(rel []member, upper int) bool {
	last := len(rel) - 1
	total := rel[last].cell
	shownSum := 0
	var hidden []*Cell
	for _, m := range rel[:last] {
		if m.cell.Suppressed {
			hidden = append(hidden, m.cell)
		} else {
			shownSum += m.cell.Value
		}
	}
	if !total.Suppressed && len(hidden) == 0 {
		return false
	}
	// others(i) is the set of sums of the hidden parts other than i.
	others := func(skip int) set {
		sum := set{{0, 0}}
		for j, c := range hidden {
			if j != skip {
				sum = sum.plus(domain(c, upper))
			}
		}
		return sum
	}
	if !total.Suppressed {
		k := total.Value - shownSum
		for i, c := range hidden {
			if domain(c, upper).and(others(i).minusFrom(k)).point() {
				return true
			}
		}
		return false
	}
	// The total is hidden: total = shownSum + the hidden parts.
	dt := domain(total, upper)
	if dt.and(others(-1).shift(shownSum)).point() {
		return true
	}
	for i, c := range hidden {
		// part = total - shownSum - others
		var cand set
		for _, t := range dt.and(others(-1).shift(shownSum)) {
			cand = append(cand, set{t}.shift(-shownSum).plus(others(i).minusFrom(0))...)
		}
		if domain(c, upper).and(cand.normal()).point() {
			return true
		}
	}
	return false
}
