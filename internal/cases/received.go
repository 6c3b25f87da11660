package cases

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/personlink"
	"homeward/internal/store"
)

// Received is a person received from another country's store with their new case, and the persons
// of this store they may duplicate (PersonID and Reason), found before they were added.
type Received struct {
	Person     *Person
	Case       *Case
	Duplicates []Duplicate
}

// CreateReceivedMany registers persons received from another country's store (accepted handover
// packets) and opens their cases at stage, owned by the actor's agency, inside tx: a transaction of
// the actor's own store st, opened by the caller (the exchange's accept). The inputs are validated
// and sealed as at intake; each is duplicate-checked against the store as an intake is (document
// blind index, similar names of the same nationality and a close age) and the possible duplicates
// are recorded (received_duplicates) for the receiving agency to see (ReceivedDuplicates). One
// statement per table. Each case keeps the reference of the packet it was made of (packetRefs, in
// order). The caller writes the audit rows.
func CreateReceivedMany(tx *gorm.DB, st *store.Store, a *authz.Actor, ins []IntakeInput, packetRefs []string, stage Stage, now time.Time) ([]Received, error) {
	scope, err := receivingScope(a, st, stage)
	if err != nil || len(ins) == 0 {
		return nil, err
	}
	if len(packetRefs) != len(ins) {
		return nil, fmt.Errorf("cases: %d received persons, %d packet references", len(ins), len(packetRefs))
	}
	persons := make([]*Person, len(ins))
	for i := range ins {
		if persons[i], err = (&Service{}).preparePerson(st, &ins[i], now); err != nil {
			return nil, err
		}
	}
	dups, _, err := storeDuplicates(tx, persons, now)
	if err != nil {
		return nil, fmt.Errorf("cases: received duplicates: %w", err)
	}
	var seqs []int64
	if err := tx.Raw(`SELECT nextval('case_reference_seq') FROM generate_series(1, ?)`, len(ins)).Scan(&seqs).Error; err != nil {
		return nil, err
	}
	slices.Sort(seqs)
	out := make([]Received, len(ins))
	cs := make([]*Case, len(ins))
	for i, p := range persons {
		cs[i] = &Case{ID: uuid.Must(uuid.NewV7()).String(), Reference: fmt.Sprintf("%s-%d-%06d", scope.Country, now.Year(), seqs[i]),
			PersonID: p.ID, OwnerAgencyID: scope.AgencyID, Stage: stage, CreatedAt: now, UpdatedAt: now, Version: 1,
			PacketRef: &packetRefs[i]}
		out[i] = Received{Person: p, Case: cs[i], Duplicates: dups[i]}
	}
	if err := tx.CreateInBatches(persons, 500).Error; err != nil {
		return nil, fmt.Errorf("insert received persons: %w", err)
	}
	if err := tx.CreateInBatches(cs, 500).Error; err != nil {
		return nil, fmt.Errorf("insert received cases: %w", err)
	}
	if err := recordReceivedDuplicates(tx, out, now); err != nil {
		return nil, err
	}
	ids := make([]string, len(persons))
	for i, p := range persons {
		ids[i] = p.ID
	}
	if err := personlink.Refresh(tx, st, now, ids...); err != nil {
		return nil, err
	}
	return out, nil
}

// receivingScope checks that the actor may register persons and open cases in st, at a valid stage.
func receivingScope(a *authz.Actor, st *store.Store, stage Stage) (authz.Scope, error) {
	if err := a.Require(authz.SectionIdentity, authz.ActionWrite); err != nil {
		return authz.Scope{}, err
	}
	if err := a.Require(authz.SectionCases, authz.ActionWrite); err != nil {
		return authz.Scope{}, err
	}
	scope, err := authz.ScopeFor(a)
	if err != nil {
		return authz.Scope{}, err
	}
	if scope.Country != st.Country || !stage.Valid() {
		return authz.Scope{}, fmt.Errorf("cases: received case for store %s at %q: %w", st.Country, stage, authz.ErrNotFound)
	}
	return scope, nil
}
