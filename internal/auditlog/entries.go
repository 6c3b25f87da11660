package auditlog

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// entries turns rows into entries: actor and agency from the hub, the case reference from the
// store (tx), the detail reduced to keys and short codes.
func (s *Service) entries(ctx context.Context, tx *gorm.DB, rows []row) ([]Entry, error) {
	users, agencies, err := s.refs(ctx, rows)
	if err != nil {
		return nil, err
	}
	refs, err := caseRefs(tx, rows)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(rows))
	for _, r := range rows {
		e := Entry{ID: r.ID, At: r.At, Action: r.Action, Entity: r.Entity, EntityID: r.EntityID,
			CaseRef: refs[r.EntityID], Detail: Summarize(r.Detail)}
		if r.ActorUserID != nil {
			u, ok := users[*r.ActorUserID]
			if !ok {
				u = UserRef{ID: *r.ActorUserID}
			}
			e.Actor = &u
		}
		if r.ActorAgencyID != nil {
			ag, ok := agencies[*r.ActorAgencyID]
			if !ok {
				ag = AgencyRef{ID: *r.ActorAgencyID}
			}
			e.Agency = &ag
		}
		out = append(out, e)
	}
	return out, nil
}

// refs loads the users and agencies the rows name, from the hub.
func (s *Service) refs(ctx context.Context, rows []row) (map[string]UserRef, map[string]AgencyRef, error) {
	var userIDs, agencyIDs []string
	for _, r := range rows {
		if r.ActorUserID != nil {
			userIDs = append(userIDs, *r.ActorUserID)
		}
		if r.ActorAgencyID != nil {
			agencyIDs = append(agencyIDs, *r.ActorAgencyID)
		}
	}
	users, agencies := map[string]UserRef{}, map[string]AgencyRef{}
	if len(userIDs) > 0 {
		var us []UserRef
		if err := s.hub.WithContext(ctx).Raw(`SELECT id, name, email FROM users WHERE id IN ?`, userIDs).Scan(&us).Error; err != nil {
			return nil, nil, fmt.Errorf("auditlog: users: %w", err)
		}
		for _, u := range us {
			users[u.ID] = u
		}
	}
	if len(agencyIDs) > 0 {
		var as []AgencyRef
		if err := s.hub.WithContext(ctx).Raw(`SELECT id, slug, name_en, name_th, name_km FROM agencies WHERE id IN ?`, agencyIDs).Scan(&as).Error; err != nil {
			return nil, nil, fmt.Errorf("auditlog: agencies: %w", err)
		}
		for _, a := range as {
			agencies[a.ID] = a
		}
	}
	return users, agencies, nil
}

// caseRefs maps the entity ids that are a case's or its person's id to the case's reference.
func caseRefs(tx *gorm.DB, rows []row) (map[string]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, r := range rows {
		if _, err := uuid.Parse(r.EntityID); err == nil && !seen[r.EntityID] {
			seen[r.EntityID] = true
			ids = append(ids, r.EntityID)
		}
	}
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var cs []struct{ ID, PersonID, Reference string }
	err := tx.Raw(`SELECT id, person_id, reference FROM cases WHERE id IN ? OR person_id IN ?`, ids, ids).Scan(&cs).Error
	if err != nil {
		return nil, fmt.Errorf("auditlog: case references: %w", err)
	}
	for _, c := range cs {
		out[c.ID] = c.Reference
		if seen[c.PersonID] {
			out[c.PersonID] = c.Reference
		}
	}
	return out, nil
}
