package cases

import (
	"encoding/json"
	"fmt"
	"strings"

	"homeward/internal/store"
	"homeward/internal/vault"
)

// mergeSealed carries the merged person's sealed identity over to the kept person, re-sealed for
// the kept row (a ciphertext opens only for the row it was written for): the contact details and
// urgent needs are joined, the primary document number is taken when the kept person has none, and
// the numbered documents are joined. It returns the column updates of the kept person.
func mergeSealed(st *store.Store, merged, kept *Person) (map[string]any, error) {
	updates := map[string]any{}
	join := func(field string, keptEnc, mergedEnc []byte, column string) error {
		k, err := st.Keys.OpenString(field, kept.ID, keptEnc)
		if err != nil {
			return fmt.Errorf("open %s: %w", field, err)
		}
		m, err := st.Keys.OpenString(field, merged.ID, mergedEnc)
		if err != nil {
			return fmt.Errorf("open %s: %w", field, err)
		}
		if m == "" || strings.Contains(k, m) {
			return nil
		}
		joined := m
		if k != "" {
			joined = k + "\n" + m
		}
		enc, err := st.Keys.SealString(field, kept.ID, joined)
		updates[column] = enc
		return err
	}
	if err := join("persons.contact", kept.ContactEnc, merged.ContactEnc, "contact_enc"); err != nil {
		return nil, err
	}
	if err := join(fieldUrgentNeeds, kept.UrgentNeedsEnc, merged.UrgentNeedsEnc, "urgent_needs_enc"); err != nil {
		return nil, err
	}
	if len(kept.DocumentNumberEnc) == 0 && len(merged.DocumentNumberEnc) > 0 {
		doc, err := st.Keys.OpenString("persons.document_number", merged.ID, merged.DocumentNumberEnc)
		if err != nil {
			return nil, fmt.Errorf("open document number: %w", err)
		}
		if updates["document_number_enc"], err = st.Keys.SealString("persons.document_number", kept.ID, doc); err != nil {
			return nil, err
		}
		updates["document_number_bidx"] = st.Keys.BlindIndex(vault.KindDocumentNumber, doc)
	}
	var docs []HeldDocument
	for _, p := range []*Person{kept, merged} {
		if len(p.DocumentsEnc) == 0 {
			continue
		}
		text, err := st.Keys.OpenString(fieldDocuments, p.ID, p.DocumentsEnc)
		if err != nil {
			return nil, fmt.Errorf("open documents: %w", err)
		}
		var list []HeldDocument
		if err := json.Unmarshal([]byte(text), &list); err != nil {
			return nil, fmt.Errorf("read documents: %w", err)
		}
		docs = append(docs, list...)
	}
	if len(merged.DocumentsEnc) > 0 {
		b, err := json.Marshal(docs)
		if err != nil {
			return nil, err
		}
		if updates["documents_enc"], err = st.Keys.SealString(fieldDocuments, kept.ID, string(b)); err != nil {
			return nil, err
		}
		held := append(TextList{}, kept.DocumentsHeld...)
		for _, k := range merged.DocumentsHeld {
			held = append(held, k)
		}
		updates["documents_held"] = held
	}
	return updates, nil
}
