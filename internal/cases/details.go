package cases

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"homeward/internal/authz"
	"homeward/internal/problem"
	"homeward/internal/store"
	"homeward/internal/vault"
)

// Limits of the person details typed at intake.
const (
	maxAliases     = 10
	maxDocuments   = 10
	maxNameRunes   = 200
	maxDocRunes    = 64
	maxUrgentRunes = 2000
)

// Sealed fields of the person details (the field name is part of the ciphertext's associated data).
const (
	fieldDocuments   = "persons.documents"
	fieldUrgentNeeds = "persons.urgent_needs"
)

// cleanDetails normalises the aliases, documents and urgent needs (NFC, trimmed, empty entries and
// repeated aliases dropped) and records what is invalid in inv.
func (in *IntakeInput) cleanDetails(nfc func(string) string, inv *problem.Invalid) {
	aliases, seen := in.Aliases[:0:0], map[string]bool{strings.ToLower(in.GivenName + " " + in.FamilyName): true}
	for _, al := range in.Aliases {
		al = strings.Join(strings.Fields(nfc(al)), " ")
		if key := strings.ToLower(al); al != "" && !seen[key] {
			seen[key] = true
			aliases = append(aliases, al)
		}
		if utf8.RuneCountInString(al) > maxNameRunes {
			inv.Add("aliases", "form.error.too_long")
		}
	}
	in.Aliases = aliases
	if len(in.Aliases) > maxAliases {
		inv.Add("aliases", "form.error.too_many")
	}

	held := in.DocumentsHeld[:0:0]
	heldKinds := map[string]bool{}
	for _, d := range in.DocumentsHeld {
		d.Kind, d.Number = strings.TrimSpace(d.Kind), nfc(d.Number)
		if d.Kind == "" && d.Number == "" {
			continue
		}
		switch {
		case !oneOf(d.Kind, DocumentKinds):
			inv.Add("documents_held", "intake.error.document_kind")
		case heldKinds[d.Kind] && d.Kind != "other":
			inv.Add("documents_held", "intake.error.document_repeated")
		case utf8.RuneCountInString(d.Number) > maxDocRunes:
			inv.Add("documents_held", "form.error.too_long")
		}
		heldKinds[d.Kind] = true
		held = append(held, d)
	}
	in.DocumentsHeld = held
	if len(held) > maxDocuments {
		inv.Add("documents_held", "form.error.too_many")
	}

	missing, seenMissing := in.DocumentsMissing[:0:0], map[string]bool{}
	for _, k := range in.DocumentsMissing {
		if k = strings.TrimSpace(k); k == "" || seenMissing[k] {
			continue
		}
		seenMissing[k] = true
		missing = append(missing, k)
		switch {
		case !oneOf(k, DocumentKinds):
			inv.Add("documents_missing", "intake.error.document_kind")
		case heldKinds[k] && k != "other":
			inv.Add("documents_missing", "intake.error.document_held_and_missing")
		}
	}
	in.DocumentsMissing = missing

	in.UrgentNeeds = nfc(in.UrgentNeeds)
	if utf8.RuneCountInString(in.UrgentNeeds) > maxUrgentRunes {
		inv.Add("urgent_needs", "form.error.too_long")
	}
}

// sealDetails puts the cleaned details on the new person row: aliases and kinds in clear, the held
// documents' numbers and the urgent needs sealed, every document number's blind index.
func sealDetails(st *store.Store, in *IntakeInput, p *Person) error {
	p.Aliases, p.DocumentsMissing = TextList(in.Aliases), TextList(in.DocumentsMissing)
	p.DocumentsHeld = make(TextList, 0, len(in.DocumentsHeld))
	p.DocumentBidxs = BytesList{}
	if p.DocumentNumberBidx != nil {
		p.DocumentBidxs = append(p.DocumentBidxs, p.DocumentNumberBidx)
	}
	var numbered []HeldDocument
	for _, d := range in.DocumentsHeld {
		p.DocumentsHeld = append(p.DocumentsHeld, d.Kind)
		if d.Number == "" {
			continue
		}
		numbered = append(numbered, d)
		if bidx := st.Keys.BlindIndex(vault.KindDocumentNumber, d.Number); bidx != nil && !containsBidx(p.DocumentBidxs, bidx) {
			p.DocumentBidxs = append(p.DocumentBidxs, bidx)
		}
	}
	if len(numbered) > 0 {
		b, err := json.Marshal(numbered)
		if err != nil {
			return err
		}
		if p.DocumentsEnc, err = st.Keys.SealString(fieldDocuments, p.ID, string(b)); err != nil {
			return err
		}
	}
	var err error
	p.UrgentNeedsEnc, err = st.Keys.SealString(fieldUrgentNeeds, p.ID, in.UrgentNeeds)
	return err
}

// openDetails fills the identity's aliases, documents and urgent needs from the person row. The
// urgent needs are opened only for an actor who may read the medical section; others learn only
// that some were recorded.
func openDetails(st *store.Store, a *authz.Actor, p *Person, idn *Identity) error {
	idn.Aliases = []string(p.Aliases)
	idn.DocumentsMissing = []string(p.DocumentsMissing)
	var numbered []HeldDocument
	if len(p.DocumentsEnc) > 0 {
		text, err := st.Keys.OpenString(fieldDocuments, p.ID, p.DocumentsEnc)
		if err != nil {
			return fmt.Errorf("open documents: %w", err)
		}
		if err := json.Unmarshal([]byte(text), &numbered); err != nil {
			return fmt.Errorf("read documents: %w", err)
		}
	}
	idn.DocumentsHeld = make([]HeldDocument, 0, len(p.DocumentsHeld))
	for _, kind := range p.DocumentsHeld {
		d := HeldDocument{Kind: kind}
		for i, n := range numbered {
			if n.Kind == kind {
				d.Number = n.Number
				numbered = append(numbered[:i], numbered[i+1:]...)
				break
			}
		}
		idn.DocumentsHeld = append(idn.DocumentsHeld, d)
	}
	idn.HasUrgentNeeds = len(p.UrgentNeedsEnc) > 0
	if idn.HasUrgentNeeds && a.Can(authz.SectionMedical, authz.ActionRead) {
		text, err := st.Keys.OpenString(fieldUrgentNeeds, p.ID, p.UrgentNeedsEnc)
		if err != nil {
			return fmt.Errorf("open urgent needs: %w", err)
		}
		idn.UrgentNeeds = text
	}
	return nil
}

func containsBidx(list BytesList, b []byte) bool {
	for _, x := range list {
		if string(x) == string(b) {
			return true
		}
	}
	return false
}
