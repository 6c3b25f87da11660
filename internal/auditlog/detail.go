package auditlog

import (
	"encoding/json"
	"net"
	"regexp"
	"sort"
	"strconv"
)

// DetailItem is one field of an audit row's detail: its key always, its value only when it is a
// short code under a key known to hold codes (Value then set, Shown true).
type DetailItem struct {
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
	Shown bool   `json:"shown"`
}

// codeKeys are the detail keys whose values are codes, counts, flags or addresses, never text typed
// about a person. Any other key is shown without its value.
var codeKeys = map[string]bool{
	"from": true, "to": true, "stage": true, "status": true, "class": true, "purpose": true, "kind": true,
	"format": true, "rows": true, "count": true, "paged": true, "sections": true, "sheet": true, "role": true,
	"addr": true, "capped": true, "filters": true, "decision": true, "per_hour": true, "result": true,
	"lang": true, "version": true,
}

// codeValue is a lowercase code ("return_preparation", "case.read"), a number or a flag.
var codeValue = regexp.MustCompile(`^([a-z][a-z0-9_.-]{0,39}|-?[0-9]{1,12}(\.[0-9]+)?)$`)

// routeValue is a route pattern ("/cases/:id/notes").
var routeValue = regexp.MustCompile(`^/[a-z0-9/:_.-]{0,80}$`)

// Summarize reduces a stored detail (JSON) to its keys, with the values that are safe to show: a
// value is shown only under a key of codeKeys and only when it is a code, a number, a flag, an IP
// address or a list of codes. Names, narratives and anything else typed by a person are never
// shown, whatever key they were written under. A detail that is not a JSON object shows nothing.
func Summarize(detail string) []DetailItem {
	if detail == "" {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(detail), &m); err != nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		if keyPattern.MatchString(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([]DetailItem, 0, len(keys))
	for _, k := range keys {
		it := DetailItem{Key: k}
		switch {
		case k == "route":
			var r string
			if json.Unmarshal(m[k], &r) == nil && routeValue.MatchString(r) {
				it.Value, it.Shown = r, true
			}
		case codeKeys[k]:
			it.Value, it.Shown = codeOf(m[k])
		}
		out = append(out, it)
	}
	return out
}

// keyPattern is a detail key the console names; other keys (which could carry text) are left out.
var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// codeOf returns a value as text when it is safe to show.
func codeOf(raw json.RawMessage) (string, bool) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", false
	}
	switch x := v.(type) {
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case string:
		if codeValue.MatchString(x) || net.ParseIP(x) != nil {
			return x, true
		}
	case []any:
		s := ""
		for i, e := range x {
			str, ok := e.(string)
			if !ok || !codeValue.MatchString(str) || i >= 20 {
				return "", false
			}
			if i > 0 {
				s += ","
			}
			s += str
		}
		return s, true
	}
	return "", false
}
