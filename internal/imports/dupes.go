package imports

import (
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"

	"homeward/internal/cases"
	"homeward/internal/vault"
)

// findRepeats reports persons the file holds twice for certain: the same row twice, or the same
// identity-document number on two rows. Likely repeats (similar names of the same age and
// nationality) are the case service's to find, with the store's: they are warnings (see duplicates).
func (p *Parsed) findRepeats() {
	rows, docs := map[string]int{}, map[string]int{}
	givenCol := p.head.index(fGivenName)
	for _, r := range p.Rows {
		in := r.Input
		if first, ok := rows[rowKey(in)]; ok {
			p.cellError(r.Num, givenCol, "imports.error.duplicate_row", "Row", first)
			continue
		}
		rows[rowKey(in)] = r.Num
		for _, d := range documentNumbers(in) {
			if first, ok := docs[d.number]; ok && first != r.Num {
				p.cellError(r.Num, p.head.index(d.field), "imports.error.duplicate_document", "Row", first)
				break
			}
			docs[d.number] = r.Num
		}
	}
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
