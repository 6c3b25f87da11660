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
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Version        int
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
}

// View is a case as one actor may see it: sections the actor may not read are nil.
type View struct {
	Case     Case
	Minor    bool
	Identity *Identity
	History  []StageChange
	// Next lists the stages the actor may move the case to.
	Next []Stage
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

// ListQuery filters the case list.
type ListQuery struct {
	Stage  Stage
	Q      string // name (partial, any script) or exact document number
	Limit  int
	Cursor string
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

// TableName is persons (GORM would say "people").
func (Person) TableName() string { return "persons" }
