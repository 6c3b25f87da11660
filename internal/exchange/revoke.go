package exchange

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/consent"
	"homeward/internal/failpoint"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// Revoke withdraws a packet of the actor's agency and erases its payload: an outstanding one, or
// an accepted one whose payload the recipient still holds (a repatriation or referral before its
// expiry). A packet accepted through a Receiver (a handover: its payload was erased at accept and
// its data lives in the other store) or already final is a conflict (409). The hub commits the
// revocation with its audit row and an outbox row carrying the sending store's audit row (relayed).
func (s *Service) Revoke(ctx context.Context, a *authz.Actor, packetID, reason string) (*Packet, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionPackets, authz.ActionWrite)
	if err != nil {
		return nil, err
	}
	if !validID(packetID) {
		return nil, errNoPacket
	}
	reason = clean(reason)
	inv := &problem.Invalid{}
	if reason == "" {
		inv.Add("reason", "form.error.required")
	} else if utf8.RuneCountInString(reason) > maxText {
		inv.Add("reason", "form.error.too_long")
	}
	caseID, err := caseInScope(ctx, st, scope, packetID)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	var r *row
	err = s.hub.WithContext(ctx).Transaction(func(htx *gorm.DB) error {
		if r, err = load(htx, true, "p.id = ? AND p.sender_agency_id = ?", packetID, a.AgencyID); err != nil {
			return err
		}
		if err := inv.Err(); err != nil {
			return err
		}
		if !revocable(r) {
			return problem.ErrConflict
		}
		from := r.Status
		if err := erase(htx, r, StatusRevoked, "revoked", now); err != nil {
			return err
		}
		own := audit.ByActor(a, audit.PacketRevoke, "case", caseID,
			map[string]any{"packet_id": r.ID, "kind": r.Kind, "recipient": r.RecipientSlug, "reason": reason, "from": from})
		if err := s.enqueueAudit(htx, st.Country, "revoke", []string{r.ID}, []audit.Entry{own}, false, now); err != nil {
			return err
		}
		return audit.Append(htx, now, audit.ByActor(a, audit.PacketRevoke, "packet", r.ID, detail(r, map[string]any{"from": from})))
	})
	if err != nil {
		return nil, err
	}
	if err := failpoint.Hit(ctx, FailRevoke); err != nil {
		return nil, err
	}
	s.kick(ctx, hubTarget)
	return r.envelope(), nil
}

// caseInScope is the case of the actor's store a packet was sent from, in the actor's scope.
func caseInScope(ctx context.Context, st *store.Store, scope authz.Scope, packetID string) (string, error) {
	var caseID string
	err := st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if caseID, err = caseOfPacket(tx, packetID); err != nil {
			return err
		}
		if caseID == "" {
			return errNoPacket
		}
		_, err = cases.Find(tx, scope, caseID)
		return err
	})
	return caseID, err
}

// erase sets a packet's final status and erases its payload.
func erase(htx *gorm.DB, r *row, status Status, reason string, now time.Time) error {
	err := htx.Exec(`UPDATE packets SET status = ?, sealed_payload = NULL, reason = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
		string(status), reason, now, r.ID).Error
	if err != nil {
		return fmt.Errorf("exchange: erase packet: %w", err)
	}
	r.Status, r.SealedPayload, r.Reason, r.UpdatedAt, r.Version = string(status), nil, reason, now, r.Version+1
	return nil
}

// RevokeForCase revokes the packets of a case of the actor's store that the recipient can still
// read (outstanding, or accepted with the payload still held: see Revoke): those relying on one
// consent purpose (purpose != ""), or all of them (closing a case). Withdrawing or refusing
// notify_home_country revokes the packets going to the person's home country. Any actor who may
// see the case may do it: revoking only ever protects the person. The hub commits the revocations
// with an outbox row carrying the store's audit row (relayed). The worker's reconciliation (reconcile) catches up on a revocation that
// failed after its consent answer or close was saved.
func (s *Service) RevokeForCase(ctx context.Context, a *authz.Actor, caseID, purpose, reason string) (int, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionCases, authz.ActionRead)
	if err != nil {
		return 0, err
	}
	now := s.clock()
	code := "case_closed"
	if purpose != "" {
		code = "consent_withdrawn"
	}
	c, ids, home, err := casePackets(ctx, st, scope, caseID, purpose)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	var revoked []string
	err = s.hub.WithContext(ctx).Transaction(func(htx *gorm.DB) error {
		var entries []audit.Entry
		if revoked, entries, err = s.revokeRows(htx, a, ids, home, code, purpose, now); err != nil || len(revoked) == 0 {
			return err
		}
		own := audit.ByActor(a, audit.PacketRevokeForCase, "case", c.ID, map[string]any{"packets": revoked, "purpose": purpose, "reason": reason})
		if err := s.enqueueAudit(htx, st.Country, "revoke_for_case", revoked, []audit.Entry{own}, false, now); err != nil {
			return err
		}
		return audit.AppendMany(htx, now, entries)
	})
	if err != nil {
		return 0, err
	}
	if len(revoked) > 0 {
		if err := failpoint.Hit(ctx, FailRevoke); err != nil {
			return 0, err
		}
		s.kick(ctx, hubTarget)
	}
	return len(revoked), nil
}

// casePackets reads a case of the actor's scope and the packets sent from it relying on purpose
// (all when ""), with the person's nationality when the purpose is notify_home_country.
func casePackets(ctx context.Context, st *store.Store, scope authz.Scope, caseID, purpose string) (*cases.Case, []string, string, error) {
	var c *cases.Case
	var ids []string
	home := ""
	err := st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if c, err = cases.Find(tx, scope, caseID); err != nil {
			return err
		}
		q := `SELECT packet_id FROM case_packets WHERE case_id = ? AND direction = 'out'`
		args := []any{c.ID}
		switch {
		case purpose == string(consent.PurposeNotifyHomeCountry):
			if home, err = personNationality(tx, c); err != nil {
				return err
			}
		case purpose != "":
			q += ` AND purpose = ?`
			args = append(args, purpose)
		}
		return tx.Raw(q, args...).Scan(&ids).Error
	})
	return c, ids, home, err
}

// revokeRows revokes, locked in htx, the readable packets among ids (only those to the person's
// home country when home is set) and returns them with their hub audit rows.
func (s *Service) revokeRows(htx *gorm.DB, a *authz.Actor, ids []string, home, code, purpose string, now time.Time) ([]string, []audit.Entry, error) {
	var rows []row
	if err := htx.Raw(selectPacket+`WHERE p.id IN ? AND `+revocableSQL+` ORDER BY p.id FOR UPDATE OF p`, ids).Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	var revoked []string
	var entries []audit.Entry
	for i := range rows {
		r := &rows[i]
		if home != "" {
			rc, err := s.agencyBy(htx, "id", r.RecipientAgencyID)
			if err != nil {
				return nil, nil, err
			}
			if !rc.home(home) {
				continue
			}
		}
		from := r.Status
		if err := erase(htx, r, StatusRevoked, code, now); err != nil {
			return nil, nil, err
		}
		revoked = append(revoked, r.ID)
		entries = append(entries, audit.ByActor(a, audit.PacketRevoke, "packet", r.ID, detail(r, map[string]any{"reason": code, "purpose": purpose, "from": from})))
	}
	return revoked, entries, nil
}
