package cases

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/personlink"
	"homeward/internal/store"
)

// CreateReceived registers a person received from another country's store (an accepted handover
// packet) and opens their case at stage, owned by the actor's agency, inside tx: a transaction of
// the actor's own store st, opened by the caller (the exchange's accept). The input is validated
// and sealed as at intake; no duplicate check is made. The caller writes the audit row.
func CreateReceived(tx *gorm.DB, st *store.Store, a *authz.Actor, in IntakeInput, stage Stage, now time.Time) (*Person, *Case, error) {
	if err := a.Require(authz.SectionIdentity, authz.ActionWrite); err != nil {
		return nil, nil, err
	}
	if err := a.Require(authz.SectionCases, authz.ActionWrite); err != nil {
		return nil, nil, err
	}
	scope, err := authz.ScopeFor(a)
	if err != nil {
		return nil, nil, err
	}
	if scope.Country != st.Country || !stage.Valid() {
		return nil, nil, fmt.Errorf("cases: received case for store %s at %q: %w", st.Country, stage, authz.ErrNotFound)
	}
	p, err := (&Service{}).preparePerson(st, &in, now)
	if err != nil {
		return nil, nil, err
	}
	var seq int64
	if err := tx.Raw(`SELECT nextval('case_reference_seq')`).Scan(&seq).Error; err != nil {
		return nil, nil, err
	}
	c := &Case{ID: uuid.Must(uuid.NewV7()).String(), Reference: fmt.Sprintf("%s-%d-%06d", scope.Country, now.Year(), seq),
		PersonID: p.ID, OwnerAgencyID: scope.AgencyID, Stage: stage, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := tx.Create(p).Error; err != nil {
		return nil, nil, fmt.Errorf("insert received person: %w", err)
	}
	if err := tx.Create(c).Error; err != nil {
		return nil, nil, fmt.Errorf("insert received case: %w", err)
	}
	if err := personlink.Refresh(tx, st, now, p.ID); err != nil {
		return nil, nil, err
	}
	return p, c, nil
}
