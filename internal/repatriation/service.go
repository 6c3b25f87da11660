package repatriation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/exchange"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// EmbassyFinder returns the slug of the embassy serving a nationality, preferring one that works in
// the given country; "" when there is none.
type EmbassyFinder func(ctx context.Context, nationality, country string) (string, error)

// Service reads and writes the repatriation section, lists overdue steps, requests the embassy's
// help and applies its replies.
type Service struct {
	stores    *store.Set
	exchange  *exchange.Service
	embassyOf EmbassyFinder
	now       func() time.Time
}

// New returns the repatriation service over the stores, the exchange its requests go through and
// the lookup of the embassy serving a nationality.
func New(stores *store.Set, ex *exchange.Service, embassyOf EmbassyFinder) *Service {
	return &Service{stores: stores, exchange: ex, embassyOf: embassyOf,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// Get returns the repatriation section of a case, opened, with its steps' deadlines as of today, and
// audits the read. A case without a section gives a Record with Version 0 and the default deadlines
// counted from today. Without the section, or for a case outside the actor's scope, it is not found.
func (s *Service) Get(ctx context.Context, a *authz.Actor, caseID string) (*Record, error) {
	var out *Record
	err := cases.InCase(ctx, s.stores, a, authz.SectionRepatriation, authz.ActionRead, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		r, steps, err := load(tx, c.ID, false)
		if err != nil {
			return err
		}
		now := s.now()
		if out, err = open(st, c.ID, r, steps, now); err != nil {
			return err
		}
		if out.Head, err = head(tx, c.ID); err != nil {
			return err
		}
		return audit.Append(tx, now, audit.ByActor(a, audit.RepatriationRead, "case", c.ID,
			map[string]any{"exists": r != nil}))
	})
	return out, err
}

// Save creates (in.Version 0) or updates (in.Version = the section's version) the repatriation
// section and its deadlines. A stale version, or a create when someone created it first, is
// problem.ErrConflict; invalid input is *problem.Invalid.
func (s *Service) Save(ctx context.Context, a *authz.Actor, caseID string, in Input) (*Record, error) {
	var out *Record
	err := cases.InCase(ctx, s.stores, a, authz.SectionRepatriation, authz.ActionWrite, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		stored, _, err := load(tx, c.ID, true)
		if err != nil {
			return err
		}
		// Validated after the case is found, so an unseen case stays not found whatever the input.
		now := s.now()
		cl, err := in.clean(now, stored)
		if err != nil {
			return err
		}
		if (stored == nil) != (in.Version == 0) || (stored != nil && stored.Version != in.Version) {
			return problem.ErrConflict
		}
		r := &row{CaseID: c.ID, OpenedOn: today(now)}
		if stored != nil {
			keep := *stored
			r = &keep
		}
		if err := fill(st, r, cl); err != nil {
			return err
		}
		r.UpdatedBy, r.UpdatedAt = &a.UserID, now
		steps := computeSteps(r, cl.deadlines)
		if err := write(tx, r, in.Version, steps); err != nil {
			return err
		}
		if out, err = open(st, c.ID, r, steps, now); err != nil {
			return err
		}
		if out.Head, err = head(tx, c.ID); err != nil {
			return err
		}
		action := audit.RepatriationUpdate
		if in.Version == 0 {
			action = audit.RepatriationCreate
		}
		// Values stay out of the audit detail: the log is read by auditors without the section.
		return audit.Append(tx, now, audit.ByActor(a, action, "case", c.ID, map[string]any{"version": r.Version}))
	})
	return out, err
}

// fill puts a cleaned input on the row, sealing the number, the family location and the flight.
func fill(st *store.Store, r *row, cl *cleaned) error {
	var err error
	r.NationalityStatus, r.NationalityRequestedOn, r.NationalityDecidedOn = cl.NationalityStatus, cl.nationalityRequestedOn, cl.nationalityDecidedOn
	r.TravelDocumentType, r.TravelDocumentStatus = cl.TravelDocumentType, cl.TravelDocumentStatus
	r.TravelDocumentRequestedOn, r.TravelDocumentIssuedOn, r.TravelDocumentValidUntil = cl.documentRequestedOn, cl.documentIssuedOn, cl.documentValidUntil
	r.FamilyTracingStatus, r.RiskLevel, r.RiskAssessedBy, r.RiskAssessedOn = cl.FamilyTracingStatus, cl.RiskLevel, cl.RiskAssessedBy, cl.riskAssessedOn
	r.Route, r.EscortName, r.EscortAgency, r.PlannedDate = cl.Route, cl.EscortName, cl.EscortAgency, cl.plannedDate
	if r.TravelDocumentNumberEnc, err = seal(st, sealedNumber, r.CaseID, cl.TravelDocumentNumber); err != nil {
		return err
	}
	if r.FamilyLocationEnc, err = seal(st, sealedLocation, r.CaseID, cl.FamilyLocation); err != nil {
		return err
	}
	r.FlightDetailsEnc, err = seal(st, sealedFlight, r.CaseID, cl.FlightDetails)
	return err
}

// seal seals a non-empty value; "" is stored as NULL.
func seal(st *store.Store, field, caseID, v string) ([]byte, error) {
	if v == "" {
		return nil, nil
	}
	return st.Keys.SealString(field, caseID, v)
}

// unseal opens a sealed value; NULL is "".
func unseal(st *store.Store, field, caseID string, b []byte) (string, error) {
	if len(b) == 0 {
		return "", nil
	}
	v, err := st.Keys.OpenString(field, caseID, b)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", field, err)
	}
	return v, nil
}

var rowColumns = []string{"opened_on", "nationality_status", "nationality_requested_on", "nationality_decided_on",
	"travel_document_type", "travel_document_status", "travel_document_number_enc", "travel_document_requested_on",
	"travel_document_issued_on", "travel_document_valid_until", "family_tracing_status", "risk_level",
	"risk_assessed_by", "risk_assessed_on", "family_location_enc", "route", "flight_details_enc", "escort_name",
	"escort_agency", "planned_date", "embassy_packet_id", "embassy_replied_at", "embassy_decision", "embassy_note_enc", "updated_by",
	"updated_at", "version"}

// write inserts the section (from 0) or updates it at version from, then replaces its steps; no row
// written is a conflict. r.Version becomes the new version.
func write(tx *gorm.DB, r *row, from int, steps []stepRow) error {
	r.Version = from + 1
	var res *gorm.DB
	if from == 0 {
		res = tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "case_id"}}, DoNothing: true}).Create(r)
	} else {
		res = tx.Model(&row{}).Where("case_id = ? AND version = ?", r.CaseID, from).Select(rowColumns).Updates(r)
	}
	if res.Error != nil {
		return fmt.Errorf("write repatriation: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return problem.ErrConflict
	}
	if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "case_id"}, {Name: "step"}},
		DoUpdates: clause.AssignmentColumns([]string{"due_on", "overridden", "done"})}).Create(&steps).Error; err != nil {
		return fmt.Errorf("write repatriation steps: %w", err)
	}
	if err := tx.Exec(activeSQL, r.CaseID).Error; err != nil {
		return fmt.Errorf("write repatriation steps: %w", err)
	}
	return nil
}

// activeSQL copies onto a case's steps whether the case is in recovery or return preparation, and
// its owner (a trigger on cases keeps them so when the case moves).
const activeSQL = `UPDATE repatriation_steps s SET active = (c.stage IN ('recovery', 'return_preparation')),
	owner_agency_id = c.owner_agency_id
FROM cases c WHERE c.id = s.case_id AND s.case_id = ?`

// load reads the section of a case and its steps; nil when there is none. lock takes the row lock.
func load(tx *gorm.DB, caseID string, lock bool) (*row, []stepRow, error) {
	var r row
	q := tx.Where("case_id = ?", caseID)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read repatriation: %w", err)
	}
	var steps []stepRow
	if err := tx.Where("case_id = ?", caseID).Find(&steps).Error; err != nil {
		return nil, nil, fmt.Errorf("read repatriation steps: %w", err)
	}
	return &r, steps, nil
}

// open turns a row into a Record, opening its sealed fields; nil r is the empty section of the case
// with the default deadlines counted from today.
func open(st *store.Store, caseID string, r *row, steps []stepRow, now time.Time) (*Record, error) {
	day := today(now)
	if r == nil {
		empty := &row{CaseID: caseID, OpenedOn: day, TravelDocumentStatus: "none", FamilyTracingStatus: "not_started"}
		return &Record{CaseID: caseID, TravelDocumentStatus: "none", FamilyTracingStatus: "not_started",
			Steps: stateOf(computeSteps(empty, nil), day)}, nil
	}
	out := &Record{CaseID: r.CaseID, OpenedOn: r.OpenedOn.Format(time.DateOnly), NationalityStatus: r.NationalityStatus,
		NationalityRequestedOn: dateString(r.NationalityRequestedOn), NationalityDecidedOn: dateString(r.NationalityDecidedOn),
		TravelDocumentType: r.TravelDocumentType, TravelDocumentStatus: r.TravelDocumentStatus,
		TravelDocumentRequestedOn: dateString(r.TravelDocumentRequestedOn), TravelDocumentIssuedOn: dateString(r.TravelDocumentIssuedOn),
		TravelDocumentValidUntil: dateString(r.TravelDocumentValidUntil), FamilyTracingStatus: r.FamilyTracingStatus,
		RiskLevel: r.RiskLevel, RiskAssessedBy: r.RiskAssessedBy, RiskAssessedOn: dateString(r.RiskAssessedOn),
		Route: r.Route, EscortName: r.EscortName, EscortAgency: r.EscortAgency, PlannedDate: dateString(r.PlannedDate),
		Steps: stateOf(steps, day), Version: r.Version}
	at := r.UpdatedAt
	out.UpdatedAt = &at
	if r.UpdatedBy != nil {
		out.UpdatedBy = *r.UpdatedBy
	}
	var err error
	if out.TravelDocumentNumber, err = unseal(st, sealedNumber, r.CaseID, r.TravelDocumentNumberEnc); err != nil {
		return nil, err
	}
	if out.FamilyLocation, err = unseal(st, sealedLocation, r.CaseID, r.FamilyLocationEnc); err != nil {
		return nil, err
	}
	if out.FlightDetails, err = unseal(st, sealedFlight, r.CaseID, r.FlightDetailsEnc); err != nil {
		return nil, err
	}
	if r.EmbassyPacketID != nil && r.EmbassyRepliedAt != nil {
		note, err := unseal(st, sealedNote, r.CaseID, r.EmbassyNoteEnc)
		if err != nil {
			return nil, err
		}
		out.Embassy = &EmbassyReply{PacketID: *r.EmbassyPacketID, RepliedAt: *r.EmbassyRepliedAt, Decision: r.EmbassyDecision, Note: note}
	}
	return out, nil
}

const headSQL = `SELECT c.reference, c.stage, p.minor, p.nationality FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.id = ?`

// head reads the head of a case already found within the scope.
func head(tx *gorm.DB, caseID string) (Head, error) {
	var h Head
	if err := tx.Raw(headSQL, caseID).Scan(&h).Error; err != nil {
		return Head{}, fmt.Errorf("case head: %w", err)
	}
	return h, nil
}
