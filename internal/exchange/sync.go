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
// packets, skipping the replies in skip: one hub transaction holding the country's lock (load,
// then mark) around one store transaction (apply, audit).
func (s *Service) syncRound(ctx context.Context, st *store.Store, wait bool, skip []string) (roundResult, error) {
	rd := &round{s: s, st: st, res: roundResult{failed: map[string]error{}}, matched: map[string]bool{}}
	err := s.hub.WithContext(ctx).Transaction(func(htx *gorm.DB) error {
		got, err := syncLock(htx, st.Country, wait)
		if err != nil || !got {
			rd.res.busy = !got
			return err
		}
		if err := rd.load(ctx, htx, skip); err != nil || (len(rd.replies) == 0 && len(rd.seen) == 0) {
			return err
		}
		rd.now = s.clock()
		err = rd.applyStore(ctx, false)
		var ea *errApplier
		if errors.As(err, &ea) {
			err = rd.applyStore(ctx, true) // one Applier failed: again, each reply under its own savepoint
		}
		if err != nil {
			return err
		}
		if err := failpoint.Hit(ctx, FailSync); err != nil {
			return err
		}
		return rd.markHub(htx)
	})
	return rd.res, err
}

// round is one Sync round's state.
type round struct {
	s         *Service
	st        *store.Store
	res       roundResult
	replies   []row           // replies waiting for this store
	seen      []row           // sent packets whose steps at the other end the store has not audited yet
	originals map[string]*row // the packets the replies answer
	payloads  []Payload
	matched   map[string]bool // replies for a case of this store
	now       time.Time
}

// load reads the waiting replies (locked), the unseen steps, the originals, and opens the
// payloads: a reply that cannot be read stays waiting.
func (rd *round) load(ctx context.Context, htx *gorm.DB, skip []string) error {
	q := selectPacket + `WHERE p.kind = 'reply' AND p.status IN ('sent', 'opened') AND r.country = ?`
	args := []any{rd.st.Country}
	if len(skip) > 0 {
		q += ` AND p.id NOT IN ?`
		args = append(args, skip)
	}
	if err := htx.Raw(q+` ORDER BY p.created_at, p.id LIMIT ? FOR UPDATE OF p SKIP LOCKED`, append(args, syncBatch)...).Scan(&rd.replies).Error; err != nil {
		return fmt.Errorf("exchange: sync %s: %w", rd.st.Country, err)
	}
	if err := htx.Raw(selectPacket+`WHERE p.sender_country = ? AND p.kind <> 'reply'
AND p.status IN ('opened', 'accepted', 'declined', 'expired') AND p.sender_seen_status <> p.status
ORDER BY p.updated_at, p.id LIMIT ?`, rd.st.Country, syncBatch).Scan(&rd.seen).Error; err != nil {
		return fmt.Errorf("exchange: sender side %s: %w", rd.st.Country, err)
	}
	rd.res.more = len(rd.replies) == syncBatch || len(rd.seen) == syncBatch
	rd.originals = map[string]*row{}
	if len(rd.replies) > 0 {
		var rows []row
		if err := htx.Raw(selectPacket+`WHERE p.id IN ?`, rd.origIDs()).Scan(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			rd.originals[rows[i].ID] = &rows[i]
		}
	}
	rd.payloads = make([]Payload, len(rd.replies))
	for i := range rd.replies {
		r := &rd.replies[i]
		if rd.orig(i) == nil {
			rd.res.failed[r.ID] = errNoPacket
			continue
		}
		var err error
		if rd.payloads[i], err = rd.s.open(ctx, r); err != nil {
			rd.res.failed[r.ID] = err
		}
	}
	return nil
}

func (rd *round) origIDs() []string {
	out := make([]string, 0, len(rd.replies))
	for i := range rd.replies {
		out = append(out, deref(rd.replies[i].ReplyTo))
	}
	return out
}

func (rd *round) orig(i int) *row { return rd.originals[deref(rd.replies[i].ReplyTo)] }

// applyStore applies the replies and audits the seen steps in one store transaction: all at once
// (a kind's BatchApplier once), or each reply under its own savepoint.
func (rd *round) applyStore(ctx context.Context, savepoints bool) error {
	clear(rd.matched)
	return rd.st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ids := rd.origIDs()
		for i := range rd.replies {
			ids = append(ids, rd.replies[i].ID)
		}
		for i := range rd.seen {
			ids = append(ids, rd.seen[i].ID)
		}
		linked, err := links(tx, ids)
		if err != nil {
			return err
		}
		todo := rd.todo(linked)
		if savepoints {
			err = rd.applyEach(tx, todo, linked)
		} else {
			err = rd.applyAll(tx, todo, linked)
		}
		if err != nil {
			return err
		}
		return rd.storeAudit(tx, todo, linked)
	})
}

// todo are the replies to apply to a case of this store (a reply for no case of it only updates
// the hub; one linked already was applied before the hub heard of it).
func (rd *round) todo(linked map[string]string) []int {
	var todo []int
	for i := range rd.replies {
		r := &rd.replies[i]
		if rd.res.failed[r.ID] != nil || linked[rd.orig(i).ID] == "" {
			continue
		}
		rd.matched[r.ID] = true
		if linked[r.ID] == "" {
			todo = append(todo, i)
		}
	}
	return todo
}

func (rd *round) item(i int, linked map[string]string) ReplyItem {
	o := rd.orig(i)
	return ReplyItem{CaseID: linked[o.ID], Original: o.envelope(), Reply: rd.payloads[i]}
}

// applyAll applies the replies by kind, a kind's BatchApplier once for all its replies.
func (rd *round) applyAll(tx *gorm.DB, todo []int, linked map[string]string) error {
	byKind := map[Kind][]int{}
	for _, i := range todo {
		k := Kind(rd.orig(i).Kind)
		byKind[k] = append(byKind[k], i)
	}
	for k, is := range byKind {
		f := rd.s.kinds[k].Apply
		if f == nil {
			continue
		}
		items := make([]ReplyItem, len(is))
		for x, i := range is {
			items[x] = rd.item(i, linked)
		}
		if err := f(tx, rd.st, items); err != nil {
			return &errApplier{id: rd.replies[is[0]].ID, err: err}
		}
	}
	return nil
}

// applyEach applies the replies one by one, each under its own savepoint: one that fails stays waiting.
func (rd *round) applyEach(tx *gorm.DB, todo []int, linked map[string]string) error {
	for _, i := range todo {
		k := Kind(rd.orig(i).Kind)
		if !rd.s.hasApplier(k) {
			continue
		}
		if err := tx.SavePoint("reply").Error; err != nil {
			return err
		}
		if err := rd.s.applyOne(tx, rd.st, k, rd.item(i, linked)); err != nil {
			if rerr := tx.RollbackTo("reply").Error; rerr != nil {
				return rerr
			}
			rd.res.failed[rd.replies[i].ID] = err
			delete(rd.matched, rd.replies[i].ID)
		}
	}
	return nil
}

// storeAudit links the applied replies to their cases and writes the store's audit rows: the
// replies applied, and the steps seen that were not audited before (claimSeen).
func (rd *round) storeAudit(tx *gorm.DB, todo []int, linked map[string]string) error {
	var ls []caseLink
	var entries []audit.Entry
	for _, i := range todo {
		r := &rd.replies[i]
		if rd.res.failed[r.ID] != nil {
			continue
		}
		o := rd.orig(i)
		caseID := linked[o.ID]
		ls = append(ls, caseLink{PacketID: r.ID, CaseID: caseID, Kind: KindReply, Direction: "in"})
		entries = append(entries, audit.Entry{ActorAgencyID: r.RecipientAgencyID, Action: audit.PacketReplyApplied,
			Entity: "case", EntityID: caseID, Detail: map[string]any{"packet_id": r.ID, "reply_to": o.ID,
				"sender": r.SenderSlug, "kind": o.Kind, "fields": []string(r.Fields)}})
	}
	if len(ls) > 0 {
		if err := recordCasePackets(tx, ls, rd.now); err != nil {
			return err
		}
	}
	fresh, err := claimSeen(tx, rd.seen, rd.now)
	if err != nil {
		return err
	}
	entries = append(entries, senderSideEntries(fresh, linked)...)
	return audit.AppendMany(tx, rd.now, entries)
}

// markHub marks the applied replies accepted (payload erased) with their hub audit rows, and the
// steps audited in the store as seen (unless the packet moved on meanwhile: the next Sync audits it).
func (rd *round) markHub(htx *gorm.DB) error {
	var applied []*row
	for i := range rd.replies {
		if r := &rd.replies[i]; rd.res.failed[r.ID] == nil {
			applied = append(applied, r)
		}
	}
	if len(applied) > 0 {
		if err := htx.Exec(`UPDATE packets SET status = 'accepted', sealed_payload = NULL, reason = 'applied', decided_at = ?,
  updated_at = ?, version = version + 1 WHERE id IN ?`, rd.now, rd.now, idsOf(applied)).Error; err != nil {
			return err
		}
	}
	entries := make([]audit.Entry, len(applied))
	for i, r := range applied {
		r.Status = string(StatusAccepted)
		entries[i] = audit.Entry{ActorAgencyID: r.RecipientAgencyID, Action: audit.PacketReplyApplied,
			Entity: "packet", EntityID: r.ID, Detail: detail(r, map[string]any{"reply_to": deref(r.ReplyTo), "matched_case": rd.matched[r.ID]})}
	}
	if err := audit.AppendMany(htx, rd.now, entries); err != nil {
		return err
	}
	rd.res.applied = len(applied)
	byStatus := map[string][]string{}
	for i := range rd.seen {
		byStatus[rd.seen[i].Status] = append(byStatus[rd.seen[i].Status], rd.seen[i].ID)
	}
	for status, ids := range byStatus {
		if err := htx.Exec(`UPDATE packets SET sender_seen_status = ? WHERE id IN ? AND status = ?`, status, ids, status).Error; err != nil {
			return err
		}
	}
	return nil
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
