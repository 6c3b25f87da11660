// Package cases holds persons and their cases in a country store: intake, the case list, the case
// view by section, and stage transitions. Every method takes the actor, binds to the actor's store,
// applies the row scope and section checks, and audits in the same transaction.
package cases

import (
	"database/sql/driver"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// Person is a row of persons. Sealed columns hold ciphertext of the store's keyset.
type Person struct {
	ID                 string
	GivenName          string
	FamilyName         string
	Sex                string
	BirthDate          *time.Time
	AgeEstimate        *int
	Nationality        string
	Languages          TextList
	Minor              bool
	DocumentNumberEnc  []byte
	DocumentNumberBidx []byte
	ContactEnc         []byte
	OperationID        *string
	Aliases            TextList
	DocumentsHeld      TextList // kinds, in the order given
	DocumentsMissing   TextList // kinds
	DocumentsEnc       []byte   // sealed JSON of the held documents with a number
	DocumentBidxs      BytesList
	UrgentNeedsEnc     []byte
	MergedInto         *string
	CreatedAt          time.Time
	UpdatedAt          time.Time
	Version            int
}

// Case is a row of cases.
type Case struct {
	ID             string
	Reference      string
	PersonID       string
	OwnerAgencyID  string
	AssignedUserID *string
	Stage          Stage
	// PacketRef is the handover packet a received case was made of (nil for any other case).
	PacketRef *string
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int
}

// StageChange is a row of stage_changes.
type StageChange struct {
	ID          string
	CaseID      string
	FromStage   Stage
	ToStage     Stage
	Reason      string
	ActorUserID string
	At          time.Time
}

// Identity is the identity section of a case, decrypted.
type Identity struct {
	GivenName      string
	FamilyName     string
	Sex            string
	BirthDate      *time.Time
	AgeEstimate    *int
	Nationality    string
	Languages      []string
	Minor          bool
	DocumentNumber string
	Contact        string
	Aliases        []string
	// DocumentsHeld are the documents the person holds, with their numbers where given.
	DocumentsHeld []HeldDocument
	// DocumentsMissing are the kinds of document the person lacks.
	DocumentsMissing []string
	// HasUrgentNeeds tells that urgent needs were recorded; UrgentNeeds holds them only for an actor
	// who may read the medical section (they may be medical), else it is "".
	HasUrgentNeeds bool
	UrgentNeeds    string
}

// DocumentKinds are the kinds of identity document recorded as held or missing.
var DocumentKinds = []string{"passport", "national_id", "birth_certificate", "work_permit", "driving_licence", "other"}

// HeldDocument is a document the person holds: its kind and, where given, its number.
type HeldDocument struct {
	Kind   string `json:"kind"`
	Number string `json:"number,omitempty"`
}

// DocumentRow is one line of the documents table of the case view: a kind held (with its number)
// or missing.
type DocumentRow struct {
	Kind   string
	Number string
	Held   bool
}

// DocumentRows lists the held documents, then the missing ones, for the case view.
func (i *Identity) DocumentRows() []DocumentRow {
	rows := make([]DocumentRow, 0, len(i.DocumentsHeld)+len(i.DocumentsMissing))
	for _, d := range i.DocumentsHeld {
		rows = append(rows, DocumentRow{Kind: d.Kind, Number: d.Number, Held: true})
	}
	for _, k := range i.DocumentsMissing {
		rows = append(rows, DocumentRow{Kind: k})
	}
	return rows
}

// View is a case as one actor may see it: sections the actor may not read are nil.
type View struct {
	Case     Case
	Minor    bool
	Identity *Identity
	History  []StageChange
	// Next lists the stages the actor may move the case to now: Transition accepts each (a move
	// to closed still needs a reason: Stage.NeedsReason).
	Next []Stage
	// Waiting lists the stages the table and the actor's rights allow but that wait for an
	// approved identification decision (decisionGate); they are not offered as moves.
	Waiting []Stage
}

// Summary is one row of the case list.
type Summary struct {
	ID          string    `json:"id"`
	Reference   string    `json:"reference"`
	PersonID    string    `json:"person_id"`
	Stage       Stage     `json:"stage"`
	Version     int       `json:"version"`
	UpdatedAt   time.Time `json:"updated_at"`
	GivenName   string    `json:"given_name"`
	FamilyName  string    `json:"family_name"`
	Nationality string    `json:"nationality"`
	Sex         string    `json:"sex"`
	Minor       bool      `json:"minor"`
}

// Page is one page of the case list.
type Page struct {
	Items      []Summary
	NextCursor string
}

// TextList is a PostgreSQL text[] column.
type TextList []string

var pgTypes = pgtype.NewMap()

// Scan reads a text[] value.
func (l *TextList) Scan(src any) error {
	var out []string
	if err := pgTypes.SQLScanner(&out).Scan(src); err != nil {
		return err
	}
	*l = out
	return nil
}

// Value writes a text[] value.
func (l TextList) Value() (driver.Value, error) {
	if l == nil {
		return "{}", nil
	}
	return pgtype.FlatArray[string](l), nil
}

// BytesList is a PostgreSQL bytea[] column.
type BytesList [][]byte

// Scan reads a bytea[] value.
func (l *BytesList) Scan(src any) error {
	var out [][]byte
	if err := pgTypes.SQLScanner(&out).Scan(src); err != nil {
		return err
	}
	*l = out
	return nil
}

// Value writes a bytea[] value.
func (l BytesList) Value() (driver.Value, error) {
	if l == nil {
		return "{}", nil
	}
	return pgtype.FlatArray[[]byte](l), nil
}

// TableName is persons (GORM would say "people").
func (Person) TableName() string { return "persons" }

// intList is a PostgreSQL integer[] parameter (a plain slice would be expanded into a list).
type intList []int

// Value writes an int8[] value.
func (l intList) Value() (driver.Value, error) {
	out := make(pgtype.FlatArray[int64], len(l))
	for i, v := range l {
		out[i] = int64(v)
	}
	return out, nil
}
