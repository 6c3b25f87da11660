package cases

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"
)

// TransitionInput asks to move a case to another stage.
type TransitionInput struct {
	To      Stage
	Reason  string
	Version int
}

// Transition moves a case by the stage table. A stale version is problem.ErrConflict; a move the
// table refuses is *problem.Invalid; closing needs closure:approve and reopening closure:reopen.
func (s *Service) Transition(ctx context.Context, a *authz.Actor, id string, in TransitionInput) (*Case, error) {
	st, scope, err := s.bind(a, authz.SectionCases, authz.ActionWrite)
	if err != nil {
		return nil, err
	}
	var out *Case
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		out, err = s.TransitionTx(tx, scope, a, id, in)
		return err
	})
	if err == nil && out.Stage == StageClosed && s.onClosed != nil {
		if _, err := s.onClosed(ctx, a, out.ID, "", "case closed: "+in.Reason); err != nil {
			return out, fmt.Errorf("case closed, revoking its packets: %w", err)
		}
	}
	return out, err
}

// TransitionTx is Transition inside the caller's store transaction, for a service that moves a
// case as part of its own change (closure approval); the caller has bound the actor to the store
// and checked its own section. The same table, rights and decision gate apply.
func (s *Service) TransitionTx(tx *gorm.DB, scope authz.Scope, a *authz.Actor, id string, in TransitionInput) (*Case, error) {
	if err := a.Require(authz.SectionCases, authz.ActionWrite); err != nil {
		return nil, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	var out *Case
	err := func() error {
		c, _, err := findCase(tx, scope, id)
		if err != nil {
			return err
		}
		inv := &problem.Invalid{}
		switch {
		case !in.To.Valid():
			inv.Add("to", "case.error.stage_unknown")
		case !CanMove(c.Stage, in.To):
			inv.Add("to", "case.error.transition_refused")
		case !mayMove(a, c.Stage, in.To):
			inv.Add("to", "case.error.transition_needs_supervisor")
		default:
			ok, err := decided(tx, c, in.To)
			if err != nil {
				return err
			}
			if !ok {
				inv.Add("to", "case.error.decision_required")
			}
		}
		if in.To.NeedsReason() && in.Reason == "" {
			inv.Add("reason", "case.error.reason_required")
		}
		if len(in.Reason) > 2000 {
			inv.Add("reason", "form.error.too_long")
		}
		if err := inv.Err(); err != nil {
			return err
		}
		now := s.now()
		res := tx.Model(&Case{}).Where("id = ? AND version = ?", c.ID, in.Version).
			Updates(map[string]any{"stage": in.To, "updated_at": now, "version": gorm.Expr("version + 1")})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return problem.ErrConflict
		}
		change := StageChange{ID: uuid.Must(uuid.NewV7()).String(), CaseID: c.ID, FromStage: c.Stage, ToStage: in.To,
			Reason: in.Reason, ActorUserID: a.UserID, At: now}
		if err := tx.Create(&change).Error; err != nil {
			return err
		}
		if err := audit.Append(tx, now, entry(a, audit.CaseTransition, "case", c.ID,
			map[string]any{"from": c.Stage, "to": in.To, "version": in.Version})); err != nil {
			return err
		}
		c.Stage, c.UpdatedAt, c.Version = in.To, now, c.Version+1
		out = c
		return nil
	}()
	return out, err
}

// decisionGate lists, for a move out of identification, the identification decisions that allow it:
// recovery needs an approved "identified", closing an approved "not_identified" or "undetermined".
var decisionGate = map[Stage][]string{
	StageRecovery: {"identified"},
	StageClosed:   {"not_identified", "undetermined"},
}

// lastApprovedSQL tells whether the case's latest approved identification decision is one of a list.
const lastApprovedSQL = `SELECT EXISTS (SELECT 1 FROM (SELECT d.decision FROM identification_decisions d
	WHERE d.case_id = ? AND d.status = 'approved' ORDER BY d.decided_at DESC, d.id DESC LIMIT 1) last
	WHERE last.decision IN ?)`

// decided reports whether the move of c to "to" has the approved decision it needs (only an
// approved decision moves a case on from identification); other moves need none.
func decided(tx *gorm.DB, c *Case, to Stage) (bool, error) {
	want, gated := decisionGate[to]
	if c.Stage != StageIdentification || !gated {
		return true, nil
	}
	var ok bool
	if err := tx.Raw(lastApprovedSQL, c.ID, want).Scan(&ok).Error; err != nil {
		return false, fmt.Errorf("check identification decision: %w", err)
	}
	return ok, nil
}
