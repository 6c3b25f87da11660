package imports

import (
	"crypto/sha256"
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"

	"homeward/internal/cases"
	"homeward/internal/vault"
)

// repeats finds the persons a file holds twice for certain, a row at a time: the same row twice, or
// the same identity-document number on two rows. It keeps a 128-bit digest of each row and each
// document number, never the rows. Likely repeats (similar names of the same age and nationality)
// are the case service's to find, with the store's: they are warnings (see duplicates).
type repeats struct {
	rows, docs map[[16]byte]int32 // digest -> first spreadsheet row
}

// check records r and reports it as an error when an earlier row is the same or holds one of its
// document numbers.
func (x *repeats) check(p *Parsed, r Row) {
	if x.rows == nil {
		x.rows, x.docs = map[[16]byte]int32{}, map[[16]byte]int32{}
	}
	in := r.Input
	key := digest(rowKey(in))
	if first, ok := x.rows[key]; ok {
		p.cellError(r.Num, p.head.index(fGivenName), "imports.error.duplicate_row", "Row", int(first))
		return
	}
	x.rows[key] = int32(r.Num)
	for _, d := range documentNumbers(in) {
		key := digest(d.number)
		if first, ok := x.docs[key]; ok && int(first) != r.Num {
			p.cellError(r.Num, p.head.index(d.field), "imports.error.duplicate_document", "Row", int(first))
			break
		}
		x.docs[key] = int32(r.Num)
	}
}

// digest is the first 128 bits of the SHA-256 of s: a key that two different texts do not share.
func digest(s string) [16]byte {
	sum := sha256.Sum256([]byte(s))
	return [16]byte(sum[:16])
}

type docNumber struct{ field, number string }

// documentNumbers are the row's document numbers, normalised as the blind index is.
func documentNumbers(in cases.IntakeInput) []docNumber {
	var out []docNumber
	if n := vault.NormalizeDocumentNumber(in.DocumentNumber); n != "" {
		out = append(out, docNumber{fDocumentNumber, n})
	}
	for _, d := range in.DocumentsHeld {
		if n := vault.NormalizeDocumentNumber(d.Number); n != "" {
			out = append(out, docNumber{fDocumentsHeld, n})
		}
	}
	return out
}

// fold is the comparison form of a text: NFC, lower case, single spaces.
func fold(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(norm.NFC.String(s)), " "))
}

// rowKey is everything a row says about the person.
func rowKey(in cases.IntakeInput) string {
	age := ""
	if in.AgeEstimate != nil {
		age = fmt.Sprint(*in.AgeEstimate)
	}
	return strings.Join([]string{fold(in.GivenName), fold(in.FamilyName), fold(strings.Join(in.Aliases, ";")), in.Sex,
		in.BirthDate, age, in.Nationality, fold(strings.Join(in.Languages, ",")), vault.NormalizeDocumentNumber(in.DocumentNumber),
		fmt.Sprint(in.DocumentsHeld), fmt.Sprint(in.DocumentsMissing), fold(in.Contact), fold(in.UrgentNeeds), fmt.Sprint(in.Minor)}, "\x1f")
}
