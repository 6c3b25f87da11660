package investigation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// sealedNote is the vault field of the warrant note; the row is the case id.
const sealedNote = "legal_status.warrant_note"

// Service reads and writes the investigation section.
type Service struct {
	stores *store.Set
	now    func() time.Time
}

// New returns the investigation service over the stores.
func New(stores *store.Set) *Service {
	return &Service{stores: stores, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// Get returns the investigation section of a case, opened, and audits the read. A case without a
// record gives a Record with Version 0. Without the investigation section, or for a case outside
// the actor's scope, it is not found.
func (s *Service) Get(ctx context.Context, a *authz.Actor, caseID string) (*Record, error) {
	var out *Record
	err := cases.InCase(ctx, s.stores, a, authz.SectionInvestigation, authz.ActionRead, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		r, err := load(tx, c.ID)
		if err != nil {
			return err
		}
		if out, err = open(st, c.ID, r); err != nil {
			return err
		}
		if out.Head, err = head(tx, c.ID); err != nil {
			return err
		}
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.InvestigationRead, "case", c.ID,
			map[string]any{"exists": r != nil}))
	})
	return out, err
}

// Presence tells a role with the legal-status section whether the case has an investigation
// record and when it last changed, and audits the read. It never opens the record.
func (s *Service) Presence(ctx context.Context, a *authz.Actor, caseID string) (*Presence, error) {
	out := &Presence{}
	err := cases.InCase(ctx, s.stores, a, authz.SectionLegalStatus, authz.ActionRead, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		var at []time.Time
		if err := tx.Model(&row{}).Where("case_id = ?", c.ID).Pluck("updated_at", &at).Error; err != nil {
			return fmt.Errorf("legal status presence: %w", err)
		}
		if len(at) > 0 {
			out.Exists, out.UpdatedAt = true, &at[0]
		}
		var err error
		if out.Head, err = head(tx, c.ID); err != nil {
			return err
		}
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.LegalStatusRead, "case", c.ID,
			map[string]any{"exists": out.Exists}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Save creates (in.Version 0) or updates (in.Version = the record's version) the investigation
// section. A stale version, or a create when another investigator created it first, is
// problem.ErrConflict; invalid input is *problem.Invalid.
func (s *Service) Save(ctx context.Context, a *authz.Actor, caseID string, in Input) (*Record, error) {
	var out *Record
	err := cases.InCase(ctx, s.stores, a, authz.SectionInvestigation, authz.ActionWrite, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		// Validated after the case is found, so an unseen case stays not found whatever the input.
		if err := in.clean(); err != nil {
			return err
		}
		now := s.now()
		note, err := st.Keys.SealString(sealedNote, c.ID, in.WarrantNote)
		if err != nil {
			return err
		}
		r := row{CaseID: c.ID, Status: in.Status, WarrantCheck: in.WarrantCheck, WarrantNoteEnc: note,
			NonPunishment: in.NonPunishment, WillingToTestify: in.WillingToTestify, UpdatedBy: a.UserID,
			UpdatedAt: now, Version: in.Version + 1}
		if err := write(tx, r, in.Version); err != nil {
			return err
		}
		if out, err = open(st, c.ID, &r); err != nil {
			return err
		}
		if out.Head, err = head(tx, c.ID); err != nil {
			return err
		}
		action := audit.InvestigationUpdate
		if in.Version == 0 {
			action = audit.InvestigationCreate
		}
		// The values stay out of the audit detail: the log is read by supervisors and auditors
		// who may not see the investigation section.
		return audit.Append(tx, now, audit.ByActor(a, action, "case", c.ID, map[string]any{"version": r.Version}))
	})
	return out, err
}

const insertSQL = `INSERT INTO legal_status (case_id, status, warrant_check, warrant_note_enc, non_punishment,
	willing_to_testify, updated_by, updated_at, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (case_id) DO NOTHING`

// write inserts the first record (from 0) or updates the record at version from; no row written is
// a conflict.
func write(tx *gorm.DB, r row, from int) error {
	var res *gorm.DB
	if from == 0 {
		res = tx.Exec(insertSQL, r.CaseID, r.Status, r.WarrantCheck, r.WarrantNoteEnc, r.NonPunishment,
			r.WillingToTestify, r.UpdatedBy, r.UpdatedAt)
	} else {
		res = tx.Model(&row{}).Where("case_id = ? AND version = ?", r.CaseID, from).
			Select("status", "warrant_check", "warrant_note_enc", "non_punishment", "willing_to_testify",
				"updated_by", "updated_at", "version").
			Updates(map[string]any{"status": r.Status, "warrant_check": r.WarrantCheck,
				"warrant_note_enc": r.WarrantNoteEnc, "non_punishment": r.NonPunishment,
				"willing_to_testify": r.WillingToTestify, "updated_by": r.UpdatedBy, "updated_at": r.UpdatedAt,
				"version": gorm.Expr("version + 1")})
	}
	if res.Error != nil {
		return fmt.Errorf("write legal status: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return problem.ErrConflict
	}
	return nil
}

// load reads the record of a case; nil when there is none.
func load(tx *gorm.DB, caseID string) (*row, error) {
	var r row
	err := tx.Where("case_id = ?", caseID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read legal status: %w", err)
	}
	return &r, nil
}

// open turns a row into a Record, opening the warrant note; nil r is the empty record of the case.
func open(st *store.Store, caseID string, r *row) (*Record, error) {
	if r == nil {
		return &Record{CaseID: caseID}, nil
	}
	note, err := st.Keys.OpenString(sealedNote, r.CaseID, r.WarrantNoteEnc)
	if err != nil {
		return nil, fmt.Errorf("open warrant note: %w", err)
	}
	at := r.UpdatedAt
	return &Record{CaseID: r.CaseID, Status: r.Status, WarrantCheck: r.WarrantCheck, WarrantNote: note,
		NonPunishment: r.NonPunishment, WillingToTestify: r.WillingToTestify, UpdatedBy: r.UpdatedBy,
		UpdatedAt: &at, Version: r.Version}, nil
}
