package problem

import "errors"

// Conflict is a step that was already taken (409), with the message that says which: Field names
// what it is about, Key is the i18n message key. errors.Is(err, ErrConflict) holds for it.
type Conflict struct {
	Field, Key string
}

// Error names the message key.
func (e *Conflict) Error() string { return "conflict: " + e.Key }

// Is makes a Conflict an ErrConflict.
func (e *Conflict) Is(target error) bool { return target == ErrConflict }

// ConflictOf returns the *Conflict inside err, if any.
func ConflictOf(err error) (*Conflict, bool) {
	var c *Conflict
	ok := errors.As(err, &c)
	return c, ok
}
