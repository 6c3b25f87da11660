package auditlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// Chain check statuses.
const (
	ChainNever   = "never" // no check was run from the console
	ChainRunning = "running"
	ChainIntact  = "intact"
	ChainBroken  = "broken"
	ChainFailed  = "failed" // the check itself could not finish (database error, time limit)
)

// VerifyTimeout bounds one chain check; a run older than staleRun is taken as interrupted.
var (
	VerifyTimeout = 30 * time.Minute
	staleRun      = VerifyTimeout + 5*time.Minute
)

// ChainStatus is the last chain check of the store started from the console.
type ChainStatus struct {
	Status     string     `json:"status"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	StartedBy  *UserRef   `json:"started_by,omitempty"`
	Rows       int64      `json:"rows"`      // rows checked (the chain's length in the checked snapshot)
	BrokenID   int64      `json:"broken_id"` // the first bad row when broken
	Reason     string     `json:"reason,omitempty"`
	// Unsealed counts the rows written but not yet sealed into the chain when the check ran (the
	// sealer seals them within seconds; one waiting longer than audit.MaxUnsealedAge is a break).
	Unsealed int64 `json:"unsealed"`
}

type verification struct {
	ID         int64
	StartedAt  time.Time
	StartedBy  string
	FinishedAt *time.Time
	Status     string
	RowsRead   int64
	BrokenID   *int64
	Reason     string
	Unsealed   int64
}

const lastVerification = `SELECT id, started_at, started_by, finished_at, status, rows_read, broken_id, reason, unsealed
FROM audit_verifications ORDER BY id DESC LIMIT 1`

// Chain returns the last chain check of the auditor's store.
func (s *Service) Chain(ctx context.Context, a *authz.Actor) (*ChainStatus, error) {
	st, err := s.bind(a)
	if err != nil {
		return nil, err
	}
	var v verification
	if err := st.DB.WithContext(ctx).Raw(lastVerification).Scan(&v).Error; err != nil {
		return nil, fmt.Errorf("auditlog: chain status: %w", err)
	}
	if v.ID == 0 {
		return &ChainStatus{Status: ChainNever}, nil
	}
	out := &ChainStatus{Status: v.Status, StartedAt: &v.StartedAt, FinishedAt: v.FinishedAt, Rows: v.RowsRead, Reason: v.Reason, Unsealed: v.Unsealed}
	if v.BrokenID != nil {
		out.BrokenID = *v.BrokenID
	}
	if v.Status == ChainRunning && s.now().Sub(v.StartedAt) > staleRun {
		out.Status, out.Reason = ChainFailed, "interrupted"
	}
	users, _, err := s.refs(ctx, []row{{ActorUserID: &v.StartedBy}})
	if err != nil {
		return nil, err
	}
	if u, ok := users[v.StartedBy]; ok {
		out.StartedBy = &u
	}
	return out, nil
}

// StartVerify starts a check of the store's chain in the background (audited) and returns at once;
// Chain reports it running, then its result. While one runs, another start is refused with
// problem.ErrConflict.
func (s *Service) StartVerify(ctx context.Context, a *authz.Actor) error {
	st, err := s.bind(a)
	if err != nil {
		return err
	}
	now := s.now()
	var id int64
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// A run left "running" by a stopped process is closed as interrupted.
		if err := tx.Exec(`UPDATE audit_verifications SET status = 'failed', finished_at = ?, reason = 'interrupted'
			WHERE status = 'running' AND started_at < ?`, now, now.Add(-staleRun)).Error; err != nil {
			return err
		}
		var running int64
		if err := tx.Raw(`SELECT count(*) FROM audit_verifications WHERE status = 'running'`).Scan(&running).Error; err != nil {
			return err
		}
		if running > 0 {
			return problem.ErrConflict
		}
		if err := tx.Raw(`INSERT INTO audit_verifications (started_at, started_by, status) VALUES (?, ?, 'running') RETURNING id`,
			now, a.UserID).Scan(&id).Error; err != nil {
			return err
		}
		return audit.Append(tx, now, audit.ByActor(a, ActionVerify, "audit_log", "", nil))
	})
	if err != nil {
		if errors.Is(err, problem.ErrConflict) || errors.Is(err, gorm.ErrDuplicatedKey) {
			return problem.ErrConflict // another check started meanwhile (the one-running index)
		}
		return fmt.Errorf("auditlog: start verify: %w", err)
	}
	s.runs.Add(1)
	go func() {
		defer s.runs.Done()
		s.verify(st, id)
	}()
	return nil
}

// Wait blocks until the background checks end (tests, shutdown).
func (s *Service) Wait() { s.runs.Wait() }

// verify checks the chain in one read-only snapshot (rows sealed meanwhile are not in it, so they
// cannot look like a broken end) with the heads the hub recorded for it, and records the result
// with the count of rows not yet sealed.
func (s *Service) verify(st *store.Store, id int64) {
	ctx, cancel := context.WithTimeout(context.Background(), VerifyTimeout)
	defer cancel()
	rep, err := s.check(ctx, st)
	status, reason, broken := ChainIntact, "", (*int64)(nil)
	var br *audit.Break
	switch {
	case errors.As(err, &br):
		status, reason, broken = ChainBroken, br.Reason, &br.ID
	case err != nil:
		status, reason = ChainFailed, "error"
		slog.Error("audit chain check", "country", st.Country, "err", err)
	}
	res := st.DB.Exec(`UPDATE audit_verifications SET status = ?, finished_at = ?, rows_read = ?, broken_id = ?, reason = ?, unsealed = ?
		WHERE id = ?`, status, s.now(), rep.Sealed, broken, reason, rep.Unsealed, id)
	if res.Error != nil {
		slog.Error("audit chain check: record result", "country", st.Country, "err", res.Error)
	}
}

// check verifies st's chain; with the ledgers given (Anchored), also against the heads the hub
// recorded for it.
func (s *Service) check(ctx context.Context, st *store.Store) (audit.Report, error) {
	l, ok := s.ledgers[st.Country]
	if !ok {
		return audit.Check(ctx, st.DB, nil, nil)
	}
	anchors, err := audit.AnchorsFor(ctx, s.hub, st.Country)
	if err != nil {
		return audit.Report{}, err
	}
	return audit.Check(ctx, st.DB, anchors, l.Key)
}

// Anchored gives the console the stores' ledgers (their anchor keys), so its chain check also
// checks the heads each store published into the hub.
func (s *Service) Anchored(ledgers ...audit.Ledger) *Service {
	s.ledgers = map[string]audit.Ledger{}
	for _, l := range ledgers {
		s.ledgers[l.Name] = l
	}
	return s
}
