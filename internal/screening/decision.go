package screening

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// ErrOwnProposal refuses a supervisor's approval or return of their own proposal: a decision needs
// two people. It is problem.ErrForbidden (403): the decision is visible, the action is not allowed.
var ErrOwnProposal = fmt.Errorf("screening: the proposer cannot approve or return their own proposal: %w", problem.ErrForbidden)

// ProposeDecision proposes an identification decision for a case in screening or identification
// whose screening is recorded. At most one proposal waits for approval at a time.
func (s *Service) ProposeDecision(ctx context.Context, a *authz.Actor, caseID string, in ProposalInput) (*Decision, error) {
	now := s.now()
	var out *Decision
	err := cases.InCase(ctx, s.stores, a, authz.SectionScreening, authz.ActionWrite, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		if err := in.clean(); err != nil {
			return err
		}
		if !open(c.Stage) {
			return &problem.Invalid{Fields: map[string]string{"": "screening.error.not_open"}}
		}
		var state struct{ Recorded, Pending bool }
		if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM screenings WHERE case_id = ?) AS recorded,
			EXISTS (SELECT 1 FROM identification_decisions WHERE case_id = ? AND status = 'proposed') AS pending`,
			c.ID, c.ID).Scan(&state).Error; err != nil {
			return fmt.Errorf("read screening state: %w", err)
		}
		switch {
		case !state.Recorded:
			return &problem.Invalid{Fields: map[string]string{"": "identification.error.no_screening"}}
		case state.Pending:
			return &problem.Invalid{Fields: map[string]string{"": "identification.error.pending"}}
		}
		d := Decision{ID: uuid.Must(uuid.NewV7()).String(), CaseID: c.ID, Decision: in.Decision, LegalBasis: in.LegalBasis,
			Status: StatusProposed, ProposedBy: a.UserID, ProposedAt: now, Version: 1}
		var err error
		if d.LegalBasisEnc, err = st.Keys.SealString(FieldLegalBasis, d.ID, in.LegalBasis); err != nil {
			return err
		}
		if err := tx.Create(&d).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return &problem.Invalid{Fields: map[string]string{"": "identification.error.pending"}}
			}
			return fmt.Errorf("insert decision: %w", err)
		}
		out = &d
		return audit.Append(tx, now, audit.ByActor(a, audit.IdentificationPropose, "case", c.ID,
			map[string]any{"decision_id": d.ID, "decision": d.Decision}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Approve approves a proposal at in.Version. The approver holds identification:approve and is not the
// proposer; a proposal already approved or returned, or a stale version, is problem.ErrConflict.
func (s *Service) Approve(ctx context.Context, a *authz.Actor, decisionID string, in ReviewInput) (*Decision, error) {
	return s.review(ctx, a, decisionID, in, StatusApproved)
}

// Return sends a proposal back to the caseworker with a comment (required); as Approve otherwise.
func (s *Service) Return(ctx context.Context, a *authz.Actor, decisionID string, in ReviewInput) (*Decision, error) {
	return s.review(ctx, a, decisionID, in, StatusReturned)
}

func (s *Service) review(ctx context.Context, a *authz.Actor, decisionID string, in ReviewInput, to string) (*Decision, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionIdentification, authz.ActionApprove)
	if err != nil {
		return nil, err
	}
	if _, err := uuid.Parse(decisionID); err != nil || len(decisionID) != 36 {
		return nil, fmt.Errorf("screening: decision %q: %w", decisionID, authz.ErrNotFound)
	}
	in.Comment = nfc(in.Comment)
	now := s.now()
	var out *Decision
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var d Decision
		if err := tx.Where("id = ?", decisionID).Take(&d).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("screening: decision %s: %w", decisionID, authz.ErrNotFound)
			}
			return fmt.Errorf("read decision: %w", err)
		}
		// The decision's case must be in the approver's scope, or the decision is not found.
		if _, err := cases.Find(tx, scope, d.CaseID); err != nil {
			return err
		}
		if err := openDecision(st, &d); err != nil {
			return err
		}
		if d.ProposedBy == a.UserID {
			return ErrOwnProposal
		}
		inv := &problem.Invalid{}
		if to == StatusReturned && in.Comment == "" {
			inv.Add("comment", "identification.error.comment_required")
		}
		if tooLong(in.Comment, maxComment) {
			inv.Add("comment", "form.error.too_long")
		}
		if err := inv.Err(); err != nil {
			return err
		}
		if d.Status != StatusProposed || d.Version != in.Version {
			return problem.ErrConflict
		}
		comment, err := st.Keys.SealString(FieldComment, d.ID, in.Comment)
		if err != nil {
			return err
		}
		res := tx.Model(&Decision{}).Where("id = ? AND version = ? AND status = ?", d.ID, in.Version, StatusProposed).
			Updates(map[string]any{"status": to, "decided_by": a.UserID, "decided_at": now, "comment": "", "comment_enc": comment,
				"version": gorm.Expr("version + 1")})
		if res.Error != nil {
			return fmt.Errorf("update decision: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return problem.ErrConflict
		}
		uid, at := a.UserID, now
		d.Status, d.DecidedBy, d.DecidedAt, d.Comment, d.Version = to, &uid, &at, in.Comment, d.Version+1
		d.ClearComment, d.CommentEnc = "", comment
		out = &d
		action := audit.IdentificationApprove
		if to == StatusReturned {
			action = audit.IdentificationReturn
		}
		return audit.Append(tx, now, audit.ByActor(a, action, "case", d.CaseID,
			map[string]any{"decision_id": d.ID, "decision": d.Decision, "version": d.Version}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
