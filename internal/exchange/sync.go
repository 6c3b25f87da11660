package exchange

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/cases"
	"homeward/internal/failpoint"
	"homeward/internal/store"
)

// syncBatch is how many replies (and how many status changes of sent packets) one Sync round takes.
const syncBatch = 500

// syncRounds bounds the rounds of one Sync (syncBatch replies each).
const syncRounds = 20

// Sync applies the replies waiting for agencies of one country's store to that store (Appliers),
// then erases their payloads. It first revokes what that store's consent answers and closed cases
// say should no longer be readable (reconcile). It runs in that store's own context: a worker, or a recipient's read.
// It also audits, in that store, what happened to the packets it sent (opened, accepted, declined,
// expired), so that every step is audited at the sending end too.
//
// A round is one hub transaction holding the country's advisory lock (so two Syncs never apply or
// audit the same reply or step twice) and one store transaction for every reply of the round. When
// another Sync holds the lock, Sync waits for it to finish (its caller then sees its result).
func (s *Service) Sync(ctx context.Context, country string) (int, error) {
	return s.sync(ctx, country, true)
}

// sync runs rounds until nothing is left; wait tells whether to wait for a Sync of the same
// country running elsewhere, or to leave the work to it (the worker).
func (s *Service) sync(ctx context.Context, country string, wait bool) (int, error) {
	st, err := s.stores.For(country)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	// First catch up on revocations that failed after a consent answer or a close was saved.
	if k, err := s.reconcile(ctx, st); err != nil {
		errs = append(errs, err)
	} else if k > 0 {
		s.kick(ctx, hubTarget)
	}
	skip := []string{} // replies that could not be applied in this Sync: they stay waiting
	for round := 0; round < syncRounds; round++ {
		res, err := s.syncRound(ctx, st, wait, skip)
		if err != nil {
			return n, errors.Join(append(errs, err)...)
		}
		n += res.applied
		for id, err := range res.failed {
			// One reply that cannot be applied must not hold back the others: it stays waiting.
			errs = append(errs, fmt.Errorf("reply %s: %w", id, err))
			skip = append(skip, id)
		}
		if res.busy || !res.more {
			break
		}
	}
	return n, errors.Join(errs...)
}

// syncQuiet runs Sync for a read and logs, rather than fails on, what it could not apply.
func (s *Service) syncQuiet(ctx context.Context, country string) {
	if _, err := s.Sync(ctx, country); err != nil && !errors.Is(err, store.ErrNoStore) {
		slog.Warn("exchange: sync", "country", country, "err", err)
	}
}

// roundResult is what one Sync round did.
type roundResult struct {
	applied int
	failed  map[string]error // reply id -> why it stays waiting
	more    bool             // a full round: there may be more
	busy    bool             // another Sync holds the lock (and wait was false)
}

// errApplier marks an Applier's failure in a round run without savepoints: the round is run again
// with one savepoint per reply.
type errApplier struct {
	id  string
	err error
}

func (e *errApplier) Error() string { return fmt.Sprintf("reply %s: %v", e.id, e.err) }

// syncLock takes the country's Sync lock in the hub transaction: false when another Sync holds it
// and wait is false.
func syncLock(htx *gorm.DB, country string, wait bool) (bool, error) {
	var got bool
	if err := htx.Raw(`SELECT pg_try_advisory_xact_lock(hashtext('homeward.exchange.sync'), hashtext(?))`, country).Scan(&got).Error; err != nil {
		return false, fmt.Errorf("exchange: sync lock: %w", err)
	}
	if got || !wait {
		return got, nil
	}
	if err := htx.Exec(`SELECT pg_advisory_xact_lock(hashtext('homeward.exchange.sync'), hashtext(?))`, country).Error; err != nil {
		return false, fmt.Errorf("exchange: sync lock: %w", err)
	}
	return true, nil
}

// syncRound applies up to syncBatch waiting replies and audits up to syncBatch steps of sent
// packets, skipping the replies in skip.
func (s *Service) syncRound(ctx context.Context, st *store.Store, wait bool, skip []string) (roundResult, error) {
	res := roundResult{failed: map[string]error{}}
	err := s.hub.WithContext(ctx).Transaction(func(htx *gorm.DB) error {
		got, err := syncLock(htx, st.Country, wait)
		if err != nil || !got {
			res.busy = !got
			return err
		}
		q := selectPacket + `WHERE p.kind = 'reply' AND p.status IN ('sent', 'opened') AND r.country = ?`
		args := []any{st.Country}
		if len(skip) > 0 {
			q += ` AND p.id NOT IN ?`
			args = append(args, skip)
		}
		var replies []row
		if err := htx.Raw(q+` ORDER BY p.created_at, p.id LIMIT ? FOR UPDATE OF p SKIP LOCKED`, append(args, syncBatch)...).Scan(&replies).Error; err != nil {
			return fmt.Errorf("exchange: sync %s: %w", st.Country, err)
		}
		var seen []row // sent packets whose steps at the other end the store has not audited yet
		if err := htx.Raw(selectPacket+`WHERE p.sender_country = ? AND p.kind <> 'reply'
AND p.status IN ('opened', 'accepted', 'declined', 'expired') AND p.sender_seen_status <> p.status
ORDER BY p.updated_at, p.id LIMIT ?`, st.Country, syncBatch).Scan(&seen).Error; err != nil {
			return fmt.Errorf("exchange: sender side %s: %w", st.Country, err)
		}
		res.more = len(replies) == syncBatch || len(seen) == syncBatch
		if len(replies) == 0 && len(seen) == 0 {
			return nil
		}
		origIDs := make([]string, 0, len(replies))
		for i := range replies {
			origIDs = append(origIDs, deref(replies[i].ReplyTo))
		}
		originals := map[string]*row{}
		if len(origIDs) > 0 {
			var rows []row
			if err := htx.Raw(selectPacket+`WHERE p.id IN ?`, origIDs).Scan(&rows).Error; err != nil {
				return err
			}
			for i := range rows {
				originals[rows[i].ID] = &rows[i]
			}
		}
		// Payloads are opened first: one that cannot be read stays waiting.
		payloads := make([]Payload, len(replies))
		for i := range replies {
			r := &replies[i]
			if originals[deref(r.ReplyTo)] == nil {
				res.failed[r.ID] = errNoPacket
				continue
			}
			if payloads[i], err = s.open(ctx, r); err != nil {
				res.failed[r.ID] = err
			}
		}
		now := s.clock()
		matched := map[string]bool{}
		apply := func(savepoints bool) error {
			clear(matched)
			return st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				ids := append([]string{}, origIDs...)
				for i := range replies {
					ids = append(ids, replies[i].ID)
				}
				for i := range seen {
					ids = append(ids, seen[i].ID)
				}
				linked, err := links(tx, ids)
				if err != nil {
					return err
				}
				var todo []int // replies to apply to a case of this store
				for i := range replies {
					r := &replies[i]
					if res.failed[r.ID] != nil {
						continue
					}
					orig := originals[deref(r.ReplyTo)]
					if linked[orig.ID] == "" {
						continue // a reply for no case of this store: only the hub is updated
					}
					matched[r.ID] = true
					if linked[r.ID] != "" {
						continue // applied before the hub heard of it: only the hub is left to update
					}
					todo = append(todo, i)
				}
				item := func(i int) ReplyItem {
					orig := originals[deref(replies[i].ReplyTo)]
					return ReplyItem{CaseID: linked[orig.ID], Original: orig.envelope(), Reply: payloads[i]}
				}
				kindOf := func(i int) Kind { return Kind(originals[deref(replies[i].ReplyTo)].Kind) }
				if !savepoints {
					// All at once: a kind's BatchApplier once for all its replies.
					byKind := map[Kind][]int{}
					for _, i := range todo {
						byKind[kindOf(i)] = append(byKind[kindOf(i)], i)
					}
					for k, is := range byKind {
						if f := s.batchAppliers[k]; f != nil {
							items := make([]ReplyItem, len(is))
							for x, i := range is {
								items[x] = item(i)
							}
							if err := f(tx, st, items); err != nil {
								return &errApplier{id: replies[is[0]].ID, err: err}
							}
							continue
						}
						for _, i := range is {
							if err := s.applyOne(tx, st, k, item(i)); err != nil {
								return &errApplier{id: replies[i].ID, err: err}
							}
						}
					}
				} else {
					// One by one, each under its own savepoint: a reply that fails stays waiting.
					for _, i := range todo {
						if !s.hasApplier(kindOf(i)) {
							continue
						}
						if err := tx.SavePoint("reply").Error; err != nil {
							return err
						}
						if err := s.applyOne(tx, st, kindOf(i), item(i)); err != nil {
							if rerr := tx.RollbackTo("reply").Error; rerr != nil {
								return rerr
							}
							res.failed[replies[i].ID] = err
							delete(matched, replies[i].ID)
						}
					}
				}
				var ls []caseLink
				var entries []audit.Entry
				for _, i := range todo {
					r := &replies[i]
					if res.failed[r.ID] != nil {
						continue
					}
					orig := originals[deref(r.ReplyTo)]
					caseID := linked[orig.ID]
					ls = append(ls, caseLink{PacketID: r.ID, CaseID: caseID, Kind: KindReply, Direction: "in"})
					entries = append(entries, audit.Entry{ActorAgencyID: r.RecipientAgencyID, Action: audit.PacketReplyApplied,
						Entity: "case", EntityID: caseID, Detail: map[string]any{"packet_id": r.ID, "reply_to": orig.ID,
							"sender": r.SenderSlug, "kind": orig.Kind, "fields": []string(r.Fields)}})
				}
				if len(ls) > 0 {
					if err := recordCasePackets(tx, ls, now); err != nil {
						return err
					}
				}
				fresh, err := claimSeen(tx, seen, now)
				if err != nil {
					return err
				}
				entries = append(entries, senderSideEntries(fresh, linked)...)
				return audit.AppendMany(tx, now, entries)
			})
		}
		err = apply(false)
		var ea *errApplier
		if errors.As(err, &ea) {
			err = apply(true) // one Applier failed: again, each reply under its own savepoint
		}
		if err != nil {
			return err
		}
		if err := failpoint.Hit(ctx, FailSync); err != nil {
			return err
		}
		var applied []*row
		for i := range replies {
			if r := &replies[i]; res.failed[r.ID] == nil {
				applied = append(applied, r)
			}
		}
		if len(applied) > 0 {
			if err := htx.Exec(`UPDATE packets SET status = 'accepted', sealed_payload = NULL, reason = 'applied', decided_at = ?,
  updated_at = ?, version = version + 1 WHERE id IN ?`, now, now, idsOf(applied)).Error; err != nil {
				return err
			}
		}
		entries := make([]audit.Entry, len(applied))
		for i, r := range applied {
			r.Status = string(StatusAccepted)
			entries[i] = audit.Entry{ActorAgencyID: r.RecipientAgencyID, Action: audit.PacketReplyApplied,
				Entity: "packet", EntityID: r.ID, Detail: detail(r, map[string]any{"reply_to": deref(r.ReplyTo), "matched_case": matched[r.ID]})}
		}
		if err := audit.AppendMany(htx, now, entries); err != nil {
			return err
		}
		res.applied = len(applied)
		// The steps audited in the store are marked seen (unless the packet moved on meanwhile:
		// the next Sync audits that step).
		byStatus := map[string][]string{}
		for i := range seen {
			byStatus[seen[i].Status] = append(byStatus[seen[i].Status], seen[i].ID)
		}
		for status, ids := range byStatus {
			if err := htx.Exec(`UPDATE packets SET sender_seen_status = ? WHERE id IN ? AND status = ?`, status, ids, status).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}

// senderSideEntries are the sending store's audit rows of the steps its packets took at the other end.
func senderSideEntries(seen []row, linked map[string]string) []audit.Entry {
	var entries []audit.Entry
	for i := range seen {
		r := &seen[i]
		entity, id := "case", linked[r.ID]
		if id == "" {
			entity, id = "packet", r.ID
		}
		if r.OpenedAt != nil && r.Status != string(StatusOpened) && r.SenderSeenStatus != string(StatusOpened) {
			// Opened and decided between two syncs: the opening is audited too.
			entries = append(entries, audit.Entry{ActorAgencyID: r.SenderAgencyID, Action: audit.PacketOpened,
				Entity: entity, EntityID: id, Detail: map[string]any{"packet_id": r.ID, "kind": r.Kind,
					"recipient": r.RecipientSlug, "status": string(StatusOpened), "at": r.OpenedAt}})
		}
		entries = append(entries, audit.Entry{ActorAgencyID: r.SenderAgencyID, Action: audit.PacketSeen(r.Status),
			Entity: entity, EntityID: id, Detail: map[string]any{"packet_id": r.ID, "kind": r.Kind,
				"recipient": r.RecipientSlug, "status": r.Status, "at": r.UpdatedAt}})
	}
	return entries
}

// claimSeen records, in the sending store's applied_steps, the steps of its packets it is about to
// audit (packet, status) and returns those not audited before: a Sync whose hub commit was lost
// audits them once only.
func claimSeen(tx *gorm.DB, seen []row, now time.Time) ([]row, error) {
	if len(seen) == 0 {
		return nil, nil
	}
	keys := make([]string, len(seen))
	for i := range seen {
		keys[i] = stepKey(seen[i].ID, "seen."+seen[i].Status, "local", "")
	}
	var got []string
	if err := tx.Raw(`INSERT INTO applied_steps (key, applied_at) SELECT k, ? FROM unnest(?::text[]) k
ON CONFLICT (key) DO NOTHING RETURNING key`, now, cases.TextList(keys)).Scan(&got).Error; err != nil {
		return nil, fmt.Errorf("exchange: seen steps: %w", err)
	}
	fresh := make([]row, 0, len(got))
	for i := range seen {
		if slices.Contains(got, keys[i]) {
			fresh = append(fresh, seen[i])
		}
	}
	return fresh, nil
}
