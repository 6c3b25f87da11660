// Package closure ends and reopens cases (DOMAIN.md "closed"): a caseworker requests closure with a
// reason, a supervisor who is not the requester approves it — the case moves to closed through the
// case's own stage table, and every open packet of the case is revoked — or returns it with a
// comment. A supervisor reopens a closed case with a reason.
package closure

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/exchange"
	"homeward/internal/problem"
	"homeward/internal/services"
	"homeward/internal/store"
)

// Reasons a case is closed for (DOMAIN.md), in the order forms show them.
var Reasons = []string{"reintegrated", "lost_contact", "declined_help", "moved_abroad", "deceased", "transferred"}

// ReopenStages are the stages a closed case may reopen to.
var ReopenStages = []cases.Stage{cases.StageRecovery, cases.StageReintegration}

const maxNoteLen = 2000

// ErrNotFound is a request the actor may not see, or that does not exist.
var ErrNotFound = fmt.Errorf("closure: %w", authz.ErrNotFound)

// Request is a row of closure_requests.
type Request struct {
	ID          string     `json:"id"`
	CaseID      string     `json:"case_id"`
	Reason      string     `json:"reason"`
	Note        string     `json:"note"`
	Status      string     `json:"status"` // requested, approved, returned
	RequestedBy string     `json:"requested_by"`
	RequestedAt time.Time  `json:"requested_at"`
	DecidedBy   *string    `json:"decided_by"`
	DecidedAt   *time.Time `json:"decided_at"`
	Comment     string     `json:"comment"`
	Version     int        `json:"version"`
}

// TableName is closure_requests.
func (Request) TableName() string { return "closure_requests" }

// Status is the closure section of a case: its stage and the requests, newest first.
type Status struct {
	CaseID   string        `json:"case_id"`
	Stage    cases.Stage   `json:"stage"`
	Version  int           `json:"version"` // the case's version
	Pending  *Request      `json:"pending"`
	Requests []Request     `json:"requests"`
	Head     services.Head `json:"-"`
}

// RequestInput asks to close a case.
type RequestInput struct {
	Reason string `json:"reason"`
	Note   string `json:"note"`
}

// ReopenInput reopens a closed case at a stage, with a reason; Version is the case's version.
type ReopenInput struct {
	To      cases.Stage `json:"to"`
	Reason  string      `json:"reason"`
	Version int         `json:"version"`
}

// Service runs closure requests.
type Service struct {
	stores *store.Set
	cases  *cases.Service
	ex     *exchange.Service
	now    func() time.Time
}

// New returns the closure service.
func New(stores *store.Set, cs *cases.Service, ex *exchange.Service) *Service {
	return &Service{stores: stores, cases: cs, ex: ex, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// Get returns the closure section of a case and audits the read.
func (s *Service) Get(ctx context.Context, a *authz.Actor, caseID string) (*Status, error) {
	var out *Status
	err := cases.InCase(ctx, s.stores, a, authz.SectionCases, authz.ActionRead, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		var err error
		if out, err = status(tx, c); err != nil {
			return err
		}
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.ClosureRead, "case", c.ID, nil))
	})
	return out, err
}

func status(tx *gorm.DB, c *cases.Case) (*Status, error) {
	out := &Status{CaseID: c.ID, Stage: c.Stage, Version: c.Version, Requests: []Request{}}
	if err := tx.Where("case_id = ?", c.ID).Order("requested_at DESC, id DESC").Find(&out.Requests).Error; err != nil {
		return nil, fmt.Errorf("read closure requests: %w", err)
	}
	for i := range out.Requests {
		if out.Requests[i].Status == "requested" {
			out.Pending = &out.Requests[i]
		}
	}
	var err error
	out.Head, err = services.CaseHead(tx, c.ID)
	return out, err
}

// RequestClosure asks a supervisor to close a case. One request waits at a time (a second is a
// conflict); a closed case is not closed again.
func (s *Service) RequestClosure(ctx context.Context, a *authz.Actor, caseID string, in RequestInput) (*Request, error) {
	var out *Request
	err := cases.InCase(ctx, s.stores, a, authz.SectionCases, authz.ActionWrite, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		inv := &problem.Invalid{}
		in.Reason = strings.TrimSpace(in.Reason)
		if !slices.Contains(Reasons, in.Reason) {
			inv.Add("reason", "form.error.choose")
		}
		services.CleanText(inv, "note", &in.Note, maxNoteLen)
		if !cases.CanMove(c.Stage, cases.StageClosed) {
			inv.Add("", "closure.error.not_open")
		}
		if err := inv.Err(); err != nil {
			return err
		}
		now := s.now()
		r := Request{ID: uuid.Must(uuid.NewV7()).String(), CaseID: c.ID, Reason: in.Reason, Note: in.Note,
			Status: "requested", RequestedBy: a.UserID, RequestedAt: now, Version: 1}
		res := tx.Exec(`INSERT INTO closure_requests (id, case_id, reason, note, status, requested_by, requested_at, version)
			VALUES (?, ?, ?, ?, 'requested', ?, ?, 1) ON CONFLICT (case_id) WHERE status = 'requested' DO NOTHING`,
			r.ID, r.CaseID, r.Reason, r.Note, r.RequestedBy, r.RequestedAt)
		if res.Error != nil {
			return fmt.Errorf("request closure: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return problem.ErrConflict // another request waits
		}
		out = &r
		return audit.Append(tx, now, audit.ByActor(a, audit.ClosureRequest, "case", c.ID,
			map[string]any{"request": r.ID, "reason": r.Reason}))
	})
	return out, err
}

// pending loads a waiting request within the scope for a decision by a supervisor who did not ask.
func pending(tx *gorm.DB, scope authz.Scope, a *authz.Actor, requestID string) (*Request, *cases.Case, error) {
	if _, err := uuid.Parse(requestID); err != nil {
		return nil, nil, ErrNotFound
	}
	var r Request
	if err := tx.Where("id = ?", requestID).Take(&r).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil, ErrNotFound
		}
		return nil, nil, err
	}
	c, err := cases.Find(tx, scope, r.CaseID)
	if err != nil {
		return nil, nil, err
	}
	if r.Status != "requested" {
		return nil, nil, problem.ErrConflict // decided already
	}
	if r.RequestedBy == a.UserID {
		return nil, nil, fmt.Errorf("closure: the requester cannot decide: %w", problem.ErrForbidden)
	}
	return &r, c, nil
}

// Approve closes the case of a waiting request: a supervisor other than the requester. Every open
// packet of the case is revoked first (a closed case shares nothing), then the request is approved
// and the case moves to closed in one store transaction, then whatever was sent meanwhile is
// revoked too.
func (s *Service) Approve(ctx context.Context, a *authz.Actor, requestID, comment string) (*Request, int, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionClosure, authz.ActionApprove)
	if err != nil {
		return nil, 0, err
	}
	inv := &problem.Invalid{}
	services.CleanText(inv, "comment", &comment, maxNoteLen)
	if err := inv.Err(); err != nil {
		return nil, 0, err
	}
	var r *Request
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, _, err = pending(tx, scope, a, requestID)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	revoked, err := s.ex.RevokeForCase(ctx, a, r.CaseID, "", "case closed: "+r.Reason)
	if err != nil {
		return nil, 0, fmt.Errorf("revoke the packets of a closing case: %w", err)
	}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var c *cases.Case
		if r, c, err = pending(tx, scope, a, requestID); err != nil {
			return err
		}
		now := s.now()
		res := tx.Model(&Request{}).Where("id = ? AND status = 'requested'", r.ID).
			Select("status", "decided_by", "decided_at", "comment", "version").
			Updates(map[string]any{"status": "approved", "decided_by": a.UserID, "decided_at": now, "comment": comment,
				"version": gorm.Expr("version + 1")})
		if res.Error != nil {
			return fmt.Errorf("approve closure: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return problem.ErrConflict
		}
		reason := r.Reason
		if r.Note != "" {
			reason += ": " + r.Note
		}
		if _, err := s.cases.TransitionTx(tx, scope, a, c.ID, cases.TransitionInput{To: cases.StageClosed,
			Reason: reason, Version: c.Version}); err != nil {
			return err
		}
		r.Status, r.DecidedBy, r.DecidedAt, r.Comment, r.Version = "approved", &a.UserID, &now, comment, r.Version+1
		return audit.Append(tx, now, audit.ByActor(a, audit.ClosureApprove, "case", c.ID,
			map[string]any{"request": r.ID, "reason": r.Reason, "packets_revoked": revoked}))
	})
	if err != nil {
		return nil, revoked, err
	}
	// Again once the case is closed: a packet approved between the first revocation and the close
	// must not stay outstanding.
	more, err := s.ex.RevokeForCase(ctx, a, r.CaseID, "", "case closed: "+r.Reason)
	if err != nil {
		return r, revoked, fmt.Errorf("case closed, revoking its packets: %w", err)
	}
	return r, revoked + more, nil
}

// Return sends a waiting request back to the caseworker with a comment (required).
func (s *Service) Return(ctx context.Context, a *authz.Actor, requestID, comment string) (*Request, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionClosure, authz.ActionApprove)
	if err != nil {
		return nil, err
	}
	var r *Request
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var c *cases.Case
		if r, c, err = pending(tx, scope, a, requestID); err != nil {
			return err
		}
		inv := &problem.Invalid{}
		services.CleanText(inv, "comment", &comment, maxNoteLen)
		if comment == "" {
			inv.Add("comment", "form.error.required")
		}
		if err := inv.Err(); err != nil {
			return err
		}
		now := s.now()
		res := tx.Model(&Request{}).Where("id = ? AND status = 'requested'", r.ID).
			Select("status", "decided_by", "decided_at", "comment", "version").
			Updates(map[string]any{"status": "returned", "decided_by": a.UserID, "decided_at": now, "comment": comment,
				"version": gorm.Expr("version + 1")})
		if res.Error != nil {
			return fmt.Errorf("return closure: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return problem.ErrConflict
		}
		r.Status, r.DecidedBy, r.DecidedAt, r.Comment, r.Version = "returned", &a.UserID, &now, comment, r.Version+1
		return audit.Append(tx, now, audit.ByActor(a, audit.ClosureReturn, "case", c.ID, map[string]any{"request": r.ID}))
	})
	return r, err
}

// Reopen moves a closed case back to recovery or reintegration with a reason (closure:reopen).
func (s *Service) Reopen(ctx context.Context, a *authz.Actor, caseID string, in ReopenInput) (*cases.Case, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionClosure, authz.ActionReopen)
	if err != nil {
		return nil, err
	}
	var out *cases.Case
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := cases.Find(tx, scope, caseID)
		if err != nil {
			return err
		}
		inv := &problem.Invalid{}
		if c.Stage != cases.StageClosed {
			inv.Add("", "closure.error.not_closed")
		}
		if !slices.Contains(ReopenStages, in.To) {
			inv.Add("to", "form.error.choose")
		}
		services.CleanText(inv, "reason", &in.Reason, maxNoteLen)
		if in.Reason == "" {
			inv.Add("reason", "form.error.required")
		}
		if err := inv.Err(); err != nil {
			return err
		}
		if out, err = s.cases.TransitionTx(tx, scope, a, c.ID, cases.TransitionInput{To: in.To, Reason: in.Reason,
			Version: in.Version}); err != nil {
			return err
		}
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.ClosureReopen, "case", c.ID, map[string]any{"to": in.To}))
	})
	return out, err
}
