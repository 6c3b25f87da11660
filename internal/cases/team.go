package cases

import (
	"context"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"
)

// Team is who works on a case: the owner agency, the agencies added to its case team, and the
// caseworker of the owner agency it is assigned to.
type Team struct {
	CaseID         string
	Reference      string
	Minor          bool
	OwnerAgencyID  string
	AssignedUserID *string
	Version        int
	Members        []TeamMember
}

// TeamMember is a row of case_team: an agency added to the case team.
type TeamMember struct {
	CaseID   string
	AgencyID string
	AddedAt  time.Time
}

// TableName is case_team.
func (TeamMember) TableName() string { return "case_team" }

// TeamAgency is an agency offered for the case team, as the web layer found it in the directory
// (the hub, which this package cannot reach). A zero TeamAgency is an agency that does not exist.
type TeamAgency struct {
	ID      string
	Kind    string // police, social_welfare, embassy, ngo
	Country string // its store; "" for agencies without one
}

// CaseworkerCheck reports whether userID holds a caseworker membership in agencyID. The web layer
// answers it from the directory.
type CaseworkerCheck func(ctx context.Context, agencyID, userID string) (bool, error)

// AssignInput assigns a case to a caseworker; UserID "" takes the assignment away.
type AssignInput struct {
	UserID  string `json:"user_id"`
	Version int    `json:"version"`
}

// Team returns the case team and audits the read. Everyone who sees the case sees its team.
func (s *Service) Team(ctx context.Context, a *authz.Actor, caseID string) (*Team, error) {
	st, scope, err := s.bind(a, authz.SectionCases, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	var out *Team
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, p, err := findCase(tx, scope, caseID)
		if err != nil {
			return err
		}
		t := &Team{CaseID: c.ID, Reference: c.Reference, Minor: p.Minor, OwnerAgencyID: c.OwnerAgencyID,
			AssignedUserID: c.AssignedUserID, Version: c.Version}
		if err := tx.Where("case_id = ?", c.ID).Order("added_at, agency_id").Find(&t.Members).Error; err != nil {
			return err
		}
		out = t
		return audit.Append(tx, s.now(), entry(a, audit.CaseTeamRead, "case", c.ID, nil))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// managedCase loads a case whose team the actor may manage: the case is in scope (else not found)
// and the actor's agency owns it (a team agency sees the case but does not manage it: forbidden).
func managedCase(tx *gorm.DB, scope authz.Scope, caseID string) (*Case, error) {
	c, _, err := findCase(tx, scope, caseID)
	if err != nil {
		return nil, err
	}
	if c.OwnerAgencyID != scope.AgencyID {
		return nil, problem.ErrForbidden
	}
	return c, nil
}

// Assign assigns the case to a caseworker of its owner agency, checked with isCaseworker, or takes
// the assignment away (UserID ""). A stale version is problem.ErrConflict.
func (s *Service) Assign(ctx context.Context, a *authz.Actor, caseID string, in AssignInput, isCaseworker CaseworkerCheck) (*Case, error) {
	st, scope, err := s.bind(a, authz.SectionTeam, authz.ActionWrite)
	if err != nil {
		return nil, err
	}
	var out *Case
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := managedCase(tx, scope, caseID)
		if err != nil {
			return err
		}
		var assigned any // NULL unless a user is named
		if in.UserID != "" {
			if !validUUID(in.UserID) || isCaseworker == nil {
				return &problem.Invalid{Fields: map[string]string{"user_id": "team.error.not_caseworker"}}
			}
			ok, err := isCaseworker(ctx, c.OwnerAgencyID, in.UserID)
			if err != nil {
				return err
			}
			if !ok {
				return &problem.Invalid{Fields: map[string]string{"user_id": "team.error.not_caseworker"}}
			}
			assigned = in.UserID
		}
		now := s.now()
		res := tx.Model(&Case{}).Where("id = ? AND version = ?", c.ID, in.Version).
			Updates(map[string]any{"assigned_user_id": assigned, "updated_at": now, "version": gorm.Expr("version + 1")})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return problem.ErrConflict
		}
		detail := map[string]any{"user_id": in.UserID, "previous": c.AssignedUserID, "version": in.Version}
		if err := audit.Append(tx, now, entry(a, audit.CaseAssign, "case", c.ID, detail)); err != nil {
			return err
		}
		c.AssignedUserID, c.UpdatedAt, c.Version = nil, now, c.Version+1
		if in.UserID != "" {
			c.AssignedUserID = &in.UserID
		}
		out = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AddTeamAgency adds a police or social-welfare agency of the actor's own store to the case team.
func (s *Service) AddTeamAgency(ctx context.Context, a *authz.Actor, caseID string, ag TeamAgency) error {
	st, scope, err := s.bind(a, authz.SectionTeam, authz.ActionWrite)
	if err != nil {
		return err
	}
	return st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := managedCase(tx, scope, caseID)
		if err != nil {
			return err
		}
		switch {
		case ag.ID == "" || !validUUID(ag.ID):
			return invalidAgency("team.error.agency_unknown")
		case ag.Country != scope.Country:
			return invalidAgency("team.error.other_store")
		case ag.Kind != "police" && ag.Kind != "social_welfare":
			return invalidAgency("team.error.agency_kind")
		case ag.ID == c.OwnerAgencyID:
			return invalidAgency("team.error.owner")
		}
		now := s.now()
		res := tx.Exec(`INSERT INTO case_team (case_id, agency_id, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, c.ID, ag.ID, now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return invalidAgency("team.error.already")
		}
		return audit.Append(tx, now, entry(a, audit.CaseTeamAdd, "case", c.ID, map[string]any{"agency_id": ag.ID}))
	})
}

// RemoveTeamAgency takes an agency off the case team; an agency not on it is not found.
func (s *Service) RemoveTeamAgency(ctx context.Context, a *authz.Actor, caseID, agencyID string) error {
	st, scope, err := s.bind(a, authz.SectionTeam, authz.ActionWrite)
	if err != nil {
		return err
	}
	return st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := managedCase(tx, scope, caseID)
		if err != nil {
			return err
		}
		if !validUUID(agencyID) {
			return ErrNotFound
		}
		res := tx.Where("case_id = ? AND agency_id = ?", c.ID, agencyID).Delete(&TeamMember{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		return audit.Append(tx, s.now(), entry(a, audit.CaseTeamRemove, "case", c.ID, map[string]any{"agency_id": agencyID}))
	})
}

func invalidAgency(key string) error {
	return &problem.Invalid{Fields: map[string]string{"agency": key}}
}
