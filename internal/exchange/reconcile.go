package exchange

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/consent"
	"homeward/internal/store"
)

// reconcileWindow bounds the packets reconciliation looks at: a packet older than the longest
// expiry (366 days) has been expired, its payload erased, whatever happened to its case.
const reconcileWindow = 367 * 24 * time.Hour

// staleLink is a packet sent from a case of the store that may no longer be readable by its
// recipient: the case's latest answer for the packet's purpose (or for notify_home_country) is
// not "given", or the case is closed.
type staleLink struct {
	PacketID    string
	CaseID      string
	Purpose     string     // the answer's purpose; "" for a closed case
	RecordedAt  *time.Time // when that answer was recorded
	Nationality string
	Closed      bool
}

const staleSQL = `SELECT cp.packet_id, cp.case_id, h.purpose, h.recorded_at, p.nationality, false AS closed
FROM consents h
JOIN case_packets cp ON cp.case_id = h.case_id AND cp.direction = 'out' AND cp.kind <> 'reply'
  AND (cp.purpose = h.purpose OR h.purpose = ?)
JOIN cases c ON c.id = cp.case_id
JOIN persons p ON p.id = c.person_id
WHERE h.answer <> 'given' AND cp.created_at > ?
  AND NOT EXISTS (SELECT 1 FROM consents n WHERE n.supersedes = h.id)
UNION ALL
SELECT cp.packet_id, cp.case_id, '', NULL, '', true
FROM case_packets cp JOIN cases c ON c.id = cp.case_id
WHERE c.stage = 'closed' AND cp.direction = 'out' AND cp.kind <> 'reply' AND cp.created_at > ?`

// reconcile revokes, as the system, the packets of the store's cases that should have been revoked
// and were not (the revocation runs after the consent answer or the close commits, and can fail):
//   - a packet relying on a purpose whose latest answer is not "given": always when it relied on a
//     consent row (its consent_ref), and when overridden only if the answer came after it (a
//     supervisor's override made after a refusal stands, as Prepare allowed it);
//   - a packet to the person's home country after notify_home_country was refused or withdrawn;
//   - any packet of a closed case.
//
// Only packets the recipient can still read (revocable) are touched, so it is idempotent. Each is
// audited in the hub (packet.revoke, "reconciled"); the store's rows (packet.revoke_for_case on the
// case) travel in the outbox row committed with the revocations. It runs at the start of every
// Sync (the worker's tick, and the reads that sync).
func (s *Service) reconcile(ctx context.Context, st *store.Store) (int, error) {
	now := s.clock()
	byPacket, ids, err := s.staleLinks(ctx, st, now)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	n := 0
	err = s.hub.WithContext(ctx).Transaction(func(htx *gorm.DB) error {
		var rows []row
		if err := htx.Raw(selectPacket+`WHERE p.id IN ? AND `+revocableSQL+` ORDER BY p.id FOR UPDATE OF p SKIP LOCKED`, ids).
			Scan(&rows).Error; err != nil {
			return fmt.Errorf("exchange: reconcile: %w", err)
		}
		rcIDs := []string{}
		for i := range rows {
			rcIDs = append(rcIDs, rows[i].RecipientAgencyID)
		}
		rcs, err := s.agenciesBy(htx, "id", rcIDs)
		if err != nil {
			return err
		}
		rv := &reconciled{byCase: map[string]*caseRevoked{}}
		for i := range rows {
			if err := rv.revoke(htx, &rows[i], byPacket[rows[i].ID], rcs, now); err != nil {
				return err
			}
		}
		if n = len(rv.hub); n == 0 {
			return nil
		}
		if err := audit.AppendMany(htx, now, rv.hub); err != nil {
			return err
		}
		// The store's rows travel in the outbox row committed with the revocations.
		return s.enqueueAudit(htx, st.Country, "reconcile", rv.packets, rv.storeEntries(), false, now)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// staleLinks reads the store's links that may need a revocation, by packet, and tells (without a
// lock) whether the hub still holds any of them readable; ids is empty when nothing is due.
func (s *Service) staleLinks(ctx context.Context, st *store.Store, now time.Time) (map[string][]staleLink, []string, error) {
	since := now.Add(-reconcileWindow)
	var links []staleLink
	if err := st.DB.WithContext(ctx).Raw(staleSQL, string(consent.PurposeNotifyHomeCountry), since, since).
		Scan(&links).Error; err != nil {
		return nil, nil, fmt.Errorf("exchange: reconcile %s: %w", st.Country, err)
	}
	if len(links) == 0 {
		return nil, nil, nil
	}
	byPacket := map[string][]staleLink{}
	ids := []string{}
	for _, l := range links {
		if _, ok := byPacket[l.PacketID]; !ok {
			ids = append(ids, l.PacketID)
		}
		byPacket[l.PacketID] = append(byPacket[l.PacketID], l)
	}
	// Most calls find every such packet revoked already: check without transactions or locks first.
	var due bool
	if err := s.hub.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM packets p WHERE p.id IN ? AND `+revocableSQL+`)`, ids).
		Scan(&due).Error; err != nil {
		return nil, nil, fmt.Errorf("exchange: reconcile %s: %w", st.Country, err)
	}
	if !due {
		return nil, nil, nil
	}
	return byPacket, ids, nil
}

// caseRevoked is what reconciliation revoked of one case.
type caseRevoked struct {
	agency   string
	packets  []string
	purposes []string
}

// reconciled collects a reconciliation's revocations: hub audit rows, and packets by case.
type reconciled struct {
	hub     []audit.Entry
	byCase  map[string]*caseRevoked
	order   []string
	packets []string
}

// revoke revokes one packet when one of its stale links says so.
func (rv *reconciled) revoke(htx *gorm.DB, r *row, links []staleLink, rcs map[string]*agency, now time.Time) error {
	code, purpose := staleCode(r, links, rcs)
	if code == "" {
		return nil
	}
	from := r.Status
	if err := erase(htx, r, StatusRevoked, code, now); err != nil {
		return err
	}
	rv.hub = append(rv.hub, audit.Entry{ActorAgencyID: r.SenderAgencyID, Action: audit.PacketRevoke, Entity: "packet",
		EntityID: r.ID, Detail: detail(r, map[string]any{"reason": code, "purpose": purpose, "from": from, "reconciled": true})})
	caseID := links[0].CaseID
	cr := rv.byCase[caseID]
	if cr == nil {
		cr = &caseRevoked{agency: r.SenderAgencyID}
		rv.byCase[caseID] = cr
		rv.order = append(rv.order, caseID)
	}
	cr.packets, cr.purposes = append(cr.packets, r.ID), append(cr.purposes, purpose)
	rv.packets = append(rv.packets, r.ID)
	return nil
}

// staleCode is why a packet is revoked ("" when none of its links calls for it) and the purpose.
func staleCode(r *row, links []staleLink, rcs map[string]*agency) (string, string) {
	code, purpose := "", ""
	for _, l := range links {
		if l.Closed {
			return "case_closed", ""
		}
		if code != "" {
			continue
		}
		if l.Purpose == string(consent.PurposeNotifyHomeCountry) {
			if rc := rcs[r.RecipientAgencyID]; rc != nil && rc.home(l.Nationality) {
				code, purpose = "consent_withdrawn", l.Purpose
			}
		} else if r.ConsentRef != "" || (l.RecordedAt != nil && r.CreatedAt.Before(*l.RecordedAt)) {
			code, purpose = "consent_withdrawn", l.Purpose
		}
	}
	return code, purpose
}

// storeEntries are the store's audit rows of the revocations, one per case.
func (rv *reconciled) storeEntries() []audit.Entry {
	out := make([]audit.Entry, 0, len(rv.order))
	for _, caseID := range rv.order {
		cr := rv.byCase[caseID]
		out = append(out, audit.Entry{ActorAgencyID: cr.agency, Action: audit.PacketRevokeForCase, Entity: "case",
			EntityID: caseID, Detail: map[string]any{"packets": cr.packets, "purposes": cr.purposes, "reconciled": true,
				"reason": "consent no longer in force or case closed; caught up by the exchange"}})
	}
	return out
}
