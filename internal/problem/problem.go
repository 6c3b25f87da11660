// Package problem holds the error kinds every service returns and the web layer maps to statuses:
// not found (authz.ErrNotFound), invalid input, a stale version, and a refused operation.
package problem

import (
	"errors"
	"sort"
	"strings"
)

// ErrConflict is a stale edit: the row's version moved on.
var ErrConflict = errors.New("conflict: the record was changed by someone else")

// ErrForbidden is an operation refused on a record the actor may see (never used to hide records).
var ErrForbidden = errors.New("forbidden")

// Invalid is invalid input: field name -> i18n message key. A key "" holds a form-wide message.
type Invalid struct {
	Fields map[string]string
}

// Error lists the fields.
func (e *Invalid) Error() string {
	names := make([]string, 0, len(e.Fields))
	for k, v := range e.Fields {
		names = append(names, k+": "+v)
	}
	sort.Strings(names)
	return "invalid: " + strings.Join(names, ", ")
}

// Add records a message for a field, keeping the first one.
func (e *Invalid) Add(field, key string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = key
	}
}

// Err returns e when it has fields, else nil.
func (e *Invalid) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// AsInvalid returns the *Invalid inside err, if any.
func AsInvalid(err error) (*Invalid, bool) {
	var inv *Invalid
	ok := errors.As(err, &inv)
	return inv, ok
}
