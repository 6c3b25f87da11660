// Package operations records rescue operations (raids on scam compounds) in a country store and
// shows the persons each one brought in. Operations belong to the store, not to an agency: any
// agency of the store with the operations section sees every operation of its store (they carry
// no personal data, and their notes are sealed), but the persons listed under an operation are only
// those whose cases the actor's agency may see. Every read and write is audited in its transaction.
package operations

import (
	"time"

	"homeward/internal/cases"
	"homeward/internal/directory"
)

// Operation is a row of operations. NotesEnc holds the operational notes sealed with the store's
// keyset under the field "operations.notes" (they may name informants).
type Operation struct {
	ID            string
	Name          string
	OperationDate time.Time
	LeadAgencyID  string
	Province      string
	District      string
	Compound      string
	Alias         string
	Latitude      *float64
	Longitude     *float64
	NotesEnc      []byte
	CreatedBy     *string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int
}

// TableName is operations.
func (Operation) TableName() string { return "operations" }

// notesField is the sealed field of the notes.
const notesField = "operations.notes"

// Input is a new operation as typed on the form or sent to the API. The lead agency is named by
// id or, for API clients that know only slugs, by slug.
type Input struct {
	Name           string   `json:"name"`
	OperationDate  string   `json:"operation_date"` // YYYY-MM-DD
	LeadAgencyID   string   `json:"lead_agency_id"`
	LeadAgencySlug string   `json:"lead_agency_slug"`
	Province       string   `json:"province"`
	District       string   `json:"district"`
	Compound       string   `json:"compound"`
	Alias          string   `json:"alias"`
	Latitude       *float64 `json:"latitude"`
	Longitude      *float64 `json:"longitude"`
	Notes          string   `json:"notes"`
}

// Summary is one row of the operation list.
type Summary struct {
	ID            string
	Name          string
	OperationDate time.Time
	LeadAgencyID  string
	Province      string
	District      string
	Compound      string
	Alias         string
	// Persons counts the persons brought in whose cases the actor may see; nil when the actor may
	// not read cases at all.
	Persons *int
	// LeadAgency is the lead agency from the hub directory; nil if the hub no longer has it.
	LeadAgency *directory.Agency `gorm:"-"`
}

// Page is one page of the operation list, newest operation first.
type Page struct {
	Items      []Summary
	NextCursor string
}

// PageQuery asks for one page of a list.
type PageQuery struct {
	Limit  int
	Cursor string
}

// Person is one person an operation brought in, as the actor may see them: a case of the actor's
// scope. Names are filled only for actors who may read the identity section.
type Person struct {
	CaseID      string
	Reference   string
	PersonID    string
	Stage       cases.Stage
	Minor       bool
	Nationality string
	GivenName   string
	FamilyName  string
	CreatedAt   time.Time
}

// View is an operation with its opened notes, its lead agency and one page of the persons it
// brought in that the actor may see.
type View struct {
	Operation  Operation
	Notes      string
	LeadAgency *directory.Agency
	// Persons is nil when the actor may not read cases; PersonsShown says whether it was loaded.
	Persons      []Person
	PersonsShown bool
	// ShowNames says whether the actor may read persons' names (the identity section).
	ShowNames  bool
	NextCursor string
}

// Page sizes of the operation list and of the persons of an operation.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

func (q *PageQuery) clamp() {
	if q.Limit <= 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit > MaxLimit {
		q.Limit = MaxLimit
	}
}
