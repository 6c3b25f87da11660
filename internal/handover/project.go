package handover

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/cases"
	"homeward/internal/exchange"
	"homeward/internal/screening"
	"homeward/internal/sealed"
	"homeward/internal/store"
)

// payload is the projection of a person in a handover packet: its JSON names are exactly the
// allow-list of Spec.
type payload struct {
	GivenName      string          `json:"given_name"`
	FamilyName     string          `json:"family_name"`
	Aliases        []string        `json:"aliases"`
	Sex            string          `json:"sex"`
	BirthDate      string          `json:"birth_date"`
	AgeEstimate    *int            `json:"age_estimate"`
	Nationality    string          `json:"nationality"`
	Languages      []string        `json:"languages"`
	Documents      []Document      `json:"documents"`
	Identification *Identification `json:"identification"`
	UrgentNeeds    string          `json:"urgent_needs"`
	Belongings     string          `json:"belongings"`
	Checkpoint     string          `json:"checkpoint"`
	HandoverAt     string          `json:"handover_at"`
}

// Extra keys of a handover draft (exchange.Draft.Extra).
const (
	extraCheckpoint = "checkpoint"
	extraHandoverAt = "handover_at"
	extraBelongings = "belongings"
	extraDocuments  = "documents" // kinds handed over, comma-separated; "" for every held document
	noDocuments     = "none"      // no document handed over
)

// Sealed fields of the person row (internal/cases), opened here for the projection.
const (
	fieldDocumentNumber = "persons.document_number"
	fieldDocuments      = "persons.documents"
	fieldUrgentNeeds    = "persons.urgent_needs"
)

// projected is a case's person with what the projection needs from the sending store.
type projected struct {
	CaseID, OwnerAgencyID string
	cases.Person
}

const projectSQL = `SELECT c.id AS case_id, c.owner_agency_id, p.* FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.id IN ?`

const decisionsSQL = `SELECT DISTINCT ON (d.case_id) d.id, d.case_id, d.decision, d.legal_basis, d.legal_basis_enc, d.decided_at
FROM identification_decisions d WHERE d.case_id IN ? AND d.status = 'approved' ORDER BY d.case_id, d.decided_at DESC, d.id DESC`

// ProjectMany is the exchange.BatchProjector of KindHandover: for each case of a batch, the person's
// identity, the documents handed over with their numbers opened from the store's vault, the approved
// identification decision, urgent needs, belongings, checkpoint and time; one query for the persons
// and one for the decisions, in the sending store's transaction.
func (s *Service) ProjectMany(tx *gorm.DB, st *store.Store, caseIDs []string, drafts []exchange.Draft) ([]exchange.Payload, error) {
	var persons []projected
	if err := tx.Raw(projectSQL, caseIDs).Scan(&persons).Error; err != nil {
		return nil, err
	}
	byCase := make(map[string]*projected, len(persons))
	for i := range persons {
		byCase[persons[i].CaseID] = &persons[i]
	}
	var decs []struct {
		ID, CaseID, Decision, LegalBasis string
		LegalBasisEnc                    []byte
		DecidedAt                        *time.Time
	}
	if err := tx.Raw(decisionsSQL, caseIDs).Scan(&decs).Error; err != nil {
		return nil, err
	}
	decOf := make(map[string]int, len(decs))
	for i := range decs {
		decOf[decs[i].CaseID] = i
	}
	out := make([]exchange.Payload, len(caseIDs))
	for i, caseID := range caseIDs {
		pr, d := byCase[caseID], drafts[i]
		if pr == nil {
			return nil, fmt.Errorf("handover: project case %s: %w", caseID, cases.ErrNotFound)
		}
		p := &pr.Person
		pl := payload{GivenName: p.GivenName, FamilyName: p.FamilyName, Aliases: nonNil(p.Aliases), Sex: p.Sex,
			AgeEstimate: p.AgeEstimate, Nationality: p.Nationality, Languages: nonNil(p.Languages),
			Checkpoint: d.Extra[extraCheckpoint], HandoverAt: d.Extra[extraHandoverAt], Belongings: d.Extra[extraBelongings]}
		if p.BirthDate != nil {
			pl.BirthDate = p.BirthDate.Format(time.DateOnly)
		}
		docs, err := heldDocuments(st, p)
		if err != nil {
			return nil, err
		}
		pl.Documents = handed(docs, d.Extra[extraDocuments])
		if pl.UrgentNeeds, err = st.Keys.OpenString(fieldUrgentNeeds, p.ID, p.UrgentNeedsEnc); err != nil {
			return nil, fmt.Errorf("handover: open urgent needs: %w", err)
		}
		if j, ok := decOf[caseID]; ok && decs[j].Decision != "" {
			dec := decs[j]
			// The legal basis is sealed with the sending store's keys; the receiving store seals its
			// copy with its own (receivedRows).
			basis, err := sealed.Open(st.Keys, screening.FieldLegalBasis, dec.ID, dec.LegalBasisEnc, dec.LegalBasis)
			if err != nil {
				return nil, fmt.Errorf("handover: open legal basis: %w", err)
			}
			pl.Identification = &Identification{Decision: dec.Decision, LegalBasis: basis,
				ApproverAgency: pr.OwnerAgencyID, RecognisedUnder: RecognisedUnder}
			if dec.DecidedAt != nil {
				pl.Identification.DecidedOn = dec.DecidedAt.Format(time.DateOnly)
			}
		}
		if out[i], err = toPayload(pl); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// heldDocuments opens the person's documents: each held kind with its number, and the primary
// document number when it is not one of them (as kind "other").
func heldDocuments(st *store.Store, p *cases.Person) ([]Document, error) {
	var numbered []Document
	if len(p.DocumentsEnc) > 0 {
		text, err := st.Keys.OpenString(fieldDocuments, p.ID, p.DocumentsEnc)
		if err != nil {
			return nil, fmt.Errorf("handover: open documents: %w", err)
		}
		if err := json.Unmarshal([]byte(text), &numbered); err != nil {
			return nil, fmt.Errorf("handover: read documents: %w", err)
		}
	}
	out := make([]Document, 0, len(p.DocumentsHeld)+1)
	seen := map[string]bool{}
	for _, kind := range p.DocumentsHeld {
		d := Document{Kind: kind}
		for i, n := range numbered {
			if n.Kind == kind {
				d.Number = n.Number
				numbered = append(numbered[:i], numbered[i+1:]...)
				break
			}
		}
		seen[d.Number] = true
		out = append(out, d)
	}
	primary, err := st.Keys.OpenString(fieldDocumentNumber, p.ID, p.DocumentNumberEnc)
	if err != nil {
		return nil, fmt.Errorf("handover: open document number: %w", err)
	}
	if primary != "" && !seen[primary] {
		out = append(out, Document{Kind: "other", Number: primary})
	}
	return out, nil
}

// handed keeps the documents of the kinds handed over (a comma-separated list; "" keeps all).
func handed(docs []Document, kinds string) []Document {
	if strings.TrimSpace(kinds) == "" {
		return docs
	}
	want := map[string]bool{}
	if kinds == noDocuments {
		return []Document{}
	}
	for _, k := range strings.Split(kinds, ",") {
		want[strings.TrimSpace(k)] = true
	}
	out := make([]Document, 0, len(docs))
	for _, d := range docs {
		if want[d.Kind] {
			out = append(out, d)
		}
	}
	return out
}

func toPayload(p payload) (exchange.Payload, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	var out exchange.Payload
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func fromPayload(m exchange.Payload) (payload, error) {
	var p payload
	b, err := json.Marshal(m)
	if err != nil {
		return p, err
	}
	err = json.Unmarshal(b, &p)
	return p, err
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// valuesList is n copies of one VALUES row.
func valuesList(one string, n int) string {
	return strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
}

// move is a sending case handed over.
type move struct {
	caseID   string
	original *exchange.Packet
	newRef   string
}

// handOver moves the sending cases from return preparation to "handover" and keeps the packet's
// reference on them (a case moved elsewhere meanwhile keeps only the reference). Each stage change
// is recorded under the supervisor who approved the packet.
func handOver(tx *gorm.DB, moves []move, now time.Time) error {
	if len(moves) == 0 {
		return nil
	}
	args := make([]any, 0, 2*len(moves))
	for _, m := range moves {
		args = append(args, m.caseID, m.original.ID)
	}
	values := valuesList("(?::uuid, ?::uuid)", len(moves))
	var moved []string
	if err := tx.Raw(`UPDATE cases c SET stage = 'handover', packet_ref = v.ref, updated_at = ?, version = c.version + 1
FROM (VALUES `+values+`) v (id, ref) WHERE c.id = v.id AND c.stage = 'return_preparation' RETURNING c.id`,
		append([]any{now}, args...)...).Scan(&moved).Error; err != nil {
		return err
	}
	isMoved := map[string]bool{}
	for _, id := range moved {
		isMoved[id] = true
	}
	var keep []any // cases moved elsewhere meanwhile: only the reference
	for _, m := range moves {
		if !isMoved[m.caseID] {
			keep = append(keep, m.caseID, m.original.ID)
		}
	}
	if len(keep) > 0 {
		if err := tx.Exec(`UPDATE cases c SET packet_ref = v.ref FROM (VALUES `+valuesList("(?::uuid, ?::uuid)", len(keep)/2)+`) v (id, ref)
WHERE c.id = v.id`, keep...).Error; err != nil {
			return err
		}
	}
	if len(moved) == 0 {
		return nil
	}
	changes := make([]cases.StageChange, 0, len(moved))
	for _, m := range moves {
		if !isMoved[m.caseID] {
			continue
		}
		isMoved[m.caseID] = false // once per case
		by := m.original.ApprovedBy
		if _, err := uuid.Parse(by); err != nil {
			by = m.original.AskedBy
		}
		if _, err := uuid.Parse(by); err != nil {
			return errors.New("handover: the packet names no approver")
		}
		reason := "Handed over to the receiving agency"
		if m.newRef != "" {
			reason += "; received as " + m.newRef
		}
		changes = append(changes, cases.StageChange{ID: uuid.Must(uuid.NewV7()).String(), CaseID: m.caseID, FromStage: cases.StageReturnPreparation,
			ToStage: cases.StageHandover, Reason: reason, ActorUserID: by, At: now})
	}
	return tx.CreateInBatches(&changes, 500).Error
}

// sortedFields are a reply's field names (never their values), sorted, for an audit row.
func sortedFields(p exchange.Payload) []string {
	out := make([]string, 0, len(p))
	for k := range p {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}
