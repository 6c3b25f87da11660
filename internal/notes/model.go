// Package notes holds free-text case notes by class. Each class is gated by its own section —
// general by authz.SectionNotes, psychosocial by SectionPsychosocial, medical by SectionMedical,
// investigation by SectionInvestigation — read to see, write to add or edit; a class the actor may
// not read is never loaded. Bodies are sealed with the store's keyset.
package notes

import (
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"homeward/internal/authz"
	"homeward/internal/problem"
)

// Class is the class of a note.
type Class string

// Classes of notes.
const (
	General       Class = "general"
	Psychosocial  Class = "psychosocial"
	Medical       Class = "medical"
	Investigation Class = "investigation"
)

// Classes lists every class, in the order pages show them.
var Classes = []Class{General, Psychosocial, Medical, Investigation}

// Section is the section that gates the class; "" for an unknown class.
func (c Class) Section() authz.Section {
	switch c {
	case General:
		return authz.SectionNotes
	case Psychosocial:
		return authz.SectionPsychosocial
	case Medical:
		return authz.SectionMedical
	case Investigation:
		return authz.SectionInvestigation
	}
	return ""
}

// Valid reports whether c is a known class.
func (c Class) Valid() bool { return c.Section() != "" }

// ClassesFor lists the classes the actor may take act on, in the order of Classes.
func ClassesFor(a *authz.Actor, act authz.Action) []Class {
	var out []Class
	for _, c := range Classes {
		if a.Can(c.Section(), act) {
			out = append(out, c)
		}
	}
	return out
}

// MaxBody is the longest note, in characters.
const MaxBody = 20000

// sealedBody is the vault field of a note's body; the row is the note id.
const sealedBody = "notes.body"

// row is a row of notes; the body is sealed.
type row struct {
	ID        string
	CaseID    string
	Class     Class
	BodyEnc   []byte
	AuthorID  string
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int
}

// TableName is notes.
func (row) TableName() string { return "notes" }

// Note is a note, opened.
type Note struct {
	ID        string    `json:"id"`
	CaseID    string    `json:"case_id"`
	Class     Class     `json:"class"`
	Body      string    `json:"body"`
	AuthorID  string    `json:"author_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`
}

// List is the notes of a case the actor may read, newest first within each class.
type List struct {
	CaseID string
	Head   Head
	// Readable and Writable are the classes the actor may read and add to, in the order of Classes.
	Readable, Writable []Class
	Notes              []Note
}

// Of returns the notes of one class, newest first.
func (l *List) Of(c Class) []Note {
	var out []Note
	for _, n := range l.Notes {
		if n.Class == c {
			out = append(out, n)
		}
	}
	return out
}

// Input is a new note (Class, Body) or an edit (Body, Version, and optionally CaseID: the case the
// note must belong to, else it is not found).
type Input struct {
	Class   Class  `json:"class"`
	Body    string `json:"body"`
	Version int    `json:"version"`
	CaseID  string `json:"-"`
}

// cleanBody normalises the body and validates it.
func (in *Input) cleanBody(inv *problem.Invalid) {
	in.Body = strings.TrimSpace(norm.NFC.String(in.Body))
	switch {
	case !utf8.ValidString(in.Body):
		inv.Add("body", "form.error.invalid")
	case in.Body == "":
		inv.Add("body", "form.error.required")
	case utf8.RuneCountInString(in.Body) > MaxBody:
		inv.Add("body", "form.error.too_long")
	}
}
