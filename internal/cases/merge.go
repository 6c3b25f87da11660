package cases

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/personlink"
	"homeward/internal/problem"
	"homeward/internal/sealed"
	"homeward/internal/store"
)

// MergeInput asks to merge a person into another: Into is the person kept.
type MergeInput struct {
	Into   string `json:"into"`
	Reason string `json:"reason"`
}

// CaseMergeInput asks, from a case page, to merge the case's person into the person of another
// case, named by its reference or id. Version is the case's version as the form showed it.
type CaseMergeInput struct {
	IntoCase string
	Reason   string
	Version  int
}

// MergeResult tells what a merge did.
type MergeResult struct {
	KeptPersonID   string   `json:"kept_person_id"`
	MergedPersonID string   `json:"merged_person_id"`
	MovedCaseIDs   []string `json:"moved_case_ids"`
}

// PersonMerge is a row of person_merges. Reason is the opened reason_enc (the reason often names
// the person or their documents), else the clear reason of a row not sealed yet.
type PersonMerge struct {
	ID             string
	KeptPersonID   string
	MergedPersonID string
	CaseIDs        TextList
	ActorUserID    string
	At             time.Time
	ClearReason    string `gorm:"column:reason"` // '' once sealed
	ReasonEnc      []byte

	Reason string `gorm:"-"`
}

// FieldMergeReason is the vault field of a merge's reason; the row is the merge id.
const FieldMergeReason = "person_merges.reason"

// LegacyMerges is the reason column sealed by migration 00018: sealed.Legacy seals the reasons
// that earlier versions stored in clear.
var LegacyMerges = []sealed.Column{{Table: "person_merges", Key: "id", Clear: "reason", Sealed: "reason_enc", Field: FieldMergeReason}}

// MergeReason opens the reason of a merge read from the store.
func MergeReason(st *store.Store, m *PersonMerge) (string, error) {
	return sealed.Open(st.Keys, FieldMergeReason, m.ID, m.ReasonEnc, m.ClearReason)
}

// TableName is person_merges.
func (PersonMerge) TableName() string { return "person_merges" }

// Merge merges person id into person in.Into, by an actor with persons:merge: the merged person's
// cases move to the kept person, the merged row stays with merged_into set, and the kept person
// gains the merged person's names as aliases (and the minor flag, if either had it). Case
// histories (stage changes, audit) stay on their cases. Both persons must have a case the actor may
// see, and every case of the merged person must be within the actor's scope: a merge never moves
// another agency's case. The merge is recorded in person_merges and audited.
func (s *Service) Merge(ctx context.Context, a *authz.Actor, id string, in MergeInput) (*MergeResult, error) {
	st, scope, err := s.bindMerge(a)
	if err != nil {
		return nil, err
	}
	if !validUUID(id) {
		return nil, ErrNotFound
	}
	var out *MergeResult
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		out, err = s.merge(tx, st, a, scope, id, strings.TrimSpace(in.Into), in.Reason)
		return err
	})
	return out, err
}

// MergeCase merges the person of case caseID into the person of the case in.IntoCase (reference or
// id), as Merge does. A stale in.Version of the case is problem.ErrConflict.
func (s *Service) MergeCase(ctx context.Context, a *authz.Actor, caseID string, in CaseMergeInput) (*MergeResult, error) {
	st, scope, err := s.bindMerge(a)
	if err != nil {
		return nil, err
	}
	var out *MergeResult
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, _, err := findCase(tx, scope, caseID)
		if err != nil {
			return err
		}
		if in.Version != c.Version {
			return problem.ErrConflict
		}
		into := ""
		if ref := strings.TrimSpace(in.IntoCase); ref != "" {
			cond, args := scope.CaseFilter("c")
			by, key := "c.reference = ?", strings.ToUpper(ref)
			if validUUID(ref) {
				by, key = "c.id = ?", strings.ToLower(ref)
			}
			var ids []string
			err := tx.Raw(`SELECT c.person_id FROM cases c WHERE `+by+` AND `+cond, append([]any{key}, args...)...).Scan(&ids).Error
			if err != nil {
				return err
			}
			into = "-" // named but not found: reported as unknown
			if len(ids) == 1 {
				into = ids[0]
			}
		}
		out, err = s.merge(tx, st, a, scope, c.PersonID, into, in.Reason)
		return err
	})
	return out, err
}

// bindMerge binds an actor who may merge persons (persons:merge) and write cases and identity.
func (s *Service) bindMerge(a *authz.Actor) (*store.Store, authz.Scope, error) {
	if err := a.Require(authz.SectionIdentity, authz.ActionWrite); err != nil {
		return nil, authz.Scope{}, err
	}
	if err := a.Require(authz.SectionCases, authz.ActionWrite); err != nil {
		return nil, authz.Scope{}, err
	}
	return s.bind(a, authz.SectionPersons, authz.ActionMerge)
}

// merge does the merge inside tx; mergedID is a person the actor must see (else not found).
func (s *Service) merge(tx *gorm.DB, st *store.Store, a *authz.Actor, scope authz.Scope, mergedID, keptID, reason string) (*MergeResult, error) {
	reason = strings.TrimSpace(reason)
	inv := &problem.Invalid{}
	switch {
	case keptID == "":
		inv.Add("into", "form.error.required")
	case keptID == mergedID:
		inv.Add("into", "intake.error.merge_same")
	case !validUUID(keptID):
		inv.Add("into", "intake.error.merge_into_unknown")
	}
	if reason == "" {
		inv.Add("reason", "intake.error.merge_reason")
	} else if utf8.RuneCountInString(reason) > 2000 {
		inv.Add("reason", "form.error.too_long")
	}
	// Lock both rows in id order, so two merges of the same pair cannot interleave or deadlock.
	var locked []Person
	ids := []string{mergedID}
	if validUUID(keptID) && keptID != mergedID {
		ids = append(ids, keptID)
	}
	if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id IN ?", ids).Order("id").Find(&locked).Error; err != nil {
		return nil, err
	}
	var merged, kept *Person
	for i := range locked {
		switch locked[i].ID {
		case mergedID:
			merged = &locked[i]
		case keptID:
			kept = &locked[i]
		}
	}
	if merged == nil || merged.MergedInto != nil {
		return nil, ErrNotFound
	}
	if ok, err := personVisible(tx, scope, mergedID); err != nil {
		return nil, err
	} else if !ok {
		return nil, ErrNotFound
	}
	if len(inv.Fields) == 0 {
		ok, err := personVisible(tx, scope, keptID)
		if err != nil {
			return nil, err
		}
		if kept == nil || kept.MergedInto != nil || !ok {
			inv.Add("into", "intake.error.merge_into_unknown")
		}
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	cond, args := scope.CaseFilter("c")
	var outside int64
	if err := tx.Raw(`SELECT count(*) FROM cases c WHERE c.person_id = ? AND NOT `+cond,
		append([]any{mergedID}, args...)...).Scan(&outside).Error; err != nil {
		return nil, err
	}
	if outside > 0 {
		return nil, &problem.Invalid{Fields: map[string]string{"into": "intake.error.merge_other_agency"}}
	}
	return s.applyMerge(tx, st, a, merged, kept, reason)
}

// applyMerge moves the cases, marks the merged person, updates the kept one, records and audits.
func (s *Service) applyMerge(tx *gorm.DB, st *store.Store, a *authz.Actor, merged, kept *Person, reason string) (*MergeResult, error) {
	now := s.now()
	var moved []string
	if err := tx.Raw(`UPDATE cases SET person_id = ?, updated_at = ?, version = version + 1 WHERE person_id = ? RETURNING id`,
		kept.ID, now, merged.ID).Scan(&moved).Error; err != nil {
		return nil, fmt.Errorf("move cases: %w", err)
	}
	if err := tx.Exec(`UPDATE persons SET merged_into = ?, updated_at = ?, version = version + 1 WHERE id = ? OR merged_into = ?`,
		kept.ID, now, merged.ID, merged.ID).Error; err != nil {
		return nil, fmt.Errorf("mark merged: %w", err)
	}
	aliases := append(TextList{}, kept.Aliases...)
	seen := map[string]bool{strings.ToLower(kept.GivenName + " " + kept.FamilyName): true}
	for _, al := range aliases {
		seen[strings.ToLower(al)] = true
	}
	for _, n := range append([]string{strings.TrimSpace(merged.GivenName + " " + merged.FamilyName)}, merged.Aliases...) {
		if key := strings.ToLower(n); n != "" && !seen[key] && len(aliases) < maxAliases*2 {
			seen[key], aliases = true, append(aliases, n)
		}
	}
	bidxs := append(BytesList{}, kept.DocumentBidxs...)
	for _, b := range merged.DocumentBidxs {
		if !containsBidx(bidxs, b) {
			bidxs = append(bidxs, b)
		}
	}
	updates, err := mergeSealed(st, merged, kept)
	if err != nil {
		return nil, err
	}
	updates["aliases"], updates["document_bidxs"], updates["minor"] = aliases, bidxs, kept.Minor || merged.Minor
	updates["updated_at"], updates["version"] = now, gorm.Expr("version + 1")
	res := tx.Model(&Person{}).Where("id = ? AND version = ?", kept.ID, kept.Version).Updates(updates)
	if res.Error != nil {
		return nil, fmt.Errorf("update kept person: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return nil, problem.ErrConflict
	}
	if moved == nil {
		moved = []string{}
	}
	rec := PersonMerge{ID: uuid.Must(uuid.NewV7()).String(), KeptPersonID: kept.ID, MergedPersonID: merged.ID,
		CaseIDs: moved, ActorUserID: a.UserID, At: now, Reason: reason}
	if rec.ReasonEnc, err = st.Keys.SealString(FieldMergeReason, rec.ID, reason); err != nil {
		return nil, err
	}
	if err := tx.Create(&rec).Error; err != nil {
		return nil, fmt.Errorf("record merge: %w", err)
	}
	entries := []audit.Entry{entry(a, audit.PersonMerge, "person", merged.ID,
		map[string]any{"into": kept.ID, "merge_id": rec.ID, "cases": moved})}
	for _, id := range moved {
		entries = append(entries, entry(a, audit.CasePersonMerged, "case", id,
			map[string]any{"from_person": merged.ID, "to_person": kept.ID, "merge_id": rec.ID}))
	}
	if err := audit.AppendMany(tx, now, entries); err != nil {
		return nil, err
	}
	// The merged person's encoding goes; the kept one's now holds both persons' names and documents.
	if err := personlink.Refresh(tx, st, now, merged.ID, kept.ID); err != nil {
		return nil, err
	}
	return &MergeResult{KeptPersonID: kept.ID, MergedPersonID: merged.ID, MovedCaseIDs: moved}, nil
}

// personVisible reports whether the person has a case within the scope.
func personVisible(tx *gorm.DB, scope authz.Scope, personID string) (bool, error) {
	if !validUUID(personID) {
		return false, nil
	}
	cond, args := scope.CaseFilter("c")
	var ok bool
	err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM cases c WHERE c.person_id = ? AND `+cond+`)`,
		append([]any{personID}, args...)...).Scan(&ok).Error
	return ok, err
}

// LinkCase opens a case at reception for a person already in the store whom the actor may see
// (the intake form's "same person" answer), owned by the actor's agency. When the agency already
// has an open case of the person, that case is returned and created is false.
func (s *Service) LinkCase(ctx context.Context, a *authz.Actor, personID string) (c *Case, created bool, err error) {
	st, scope, err := s.bindIntake(a)
	if err != nil {
		return nil, false, err
	}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ok, err := personVisible(tx, scope, personID)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotFound
		}
		var open []Case
		if err := tx.Where("person_id = ? AND owner_agency_id = ? AND stage <> ?", personID, scope.AgencyID, StageClosed).
			Order("created_at DESC").Limit(1).Find(&open).Error; err != nil {
			return err
		}
		now := s.now()
		if len(open) == 1 {
			c = &open[0]
			return audit.Append(tx, now, entry(a, audit.CaseLink, "case", c.ID, map[string]any{"person_id": personID, "existing": true}))
		}
		var seq int64
		if err := tx.Raw(`SELECT nextval('case_reference_seq')`).Scan(&seq).Error; err != nil {
			return err
		}
		c = &Case{ID: uuid.Must(uuid.NewV7()).String(), Reference: fmt.Sprintf("%s-%d-%06d", scope.Country, now.Year(), seq),
			PersonID: personID, OwnerAgencyID: scope.AgencyID, Stage: StageReception, CreatedAt: now, UpdatedAt: now, Version: 1}
		if err := tx.Create(c).Error; err != nil {
			return fmt.Errorf("insert case: %w", err)
		}
		created = true
		if err := personlink.Refresh(tx, st, now, personID); err != nil {
			return err
		}
		return audit.Append(tx, now, entry(a, audit.CaseIntake, "case", c.ID,
			map[string]any{"person_id": personID, "reference": c.Reference, "linked": true}))
	})
	if err != nil {
		return nil, false, err
	}
	return c, created, nil
}
