// Package crossmatch finds the same person in two countries' stores without either showing the
// other a name (issue 15, docs/linkage.md). Each store's encodings (package personlink) are
// published to the hub, which keeps them under an opaque token, compares each new encoding with the
// other countries' (blocks of sex and birth-year band, Dice ≥ linkage.Threshold) and records the
// candidates. A supervisor who may merge persons sees the candidates of the cases in their scope:
// a score, the case reference on their side and the other side's agency, nothing else.
//
// Publishing is one named unit, store first: the store commits the encoding in person_linkage
// (its outbox: generation > published) with the identity change; Publish then writes the hub
// (encodings and candidates in one hub transaction) and marks the rows published, where their
// generation did not move meanwhile. Applying a row twice is a no-op (the hub keeps the highest
// generation).
package crossmatch

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/exchange"
	"homeward/internal/personlink"
	"homeward/internal/store"
	"homeward/internal/vault"
)

// Service publishes encodings, matches them in the hub and shows the candidates.
type Service struct {
	hub    *gorm.DB
	stores *store.Set
	master *vault.MasterKey // wraps the linkage key for each store (RotateKey)
	now    func() time.Time
	cache  indexCache         // the other countries' encodings in memory (cache.go)
	ex     *exchange.Service  // the questions to the other side travel as packets (SendThrough)
	mark   func(phase string) // when set (benchmarks), called as each phase of a publish round ends
}

// phase tells the benchmark's hook, if any, that a phase of a publish round has ended: "outbox"
// (read the store's outbox), "store" (remove and upsert the hub's encodings), "scan" (the index
// brought up to date and matched, the candidates checked), "record" (the candidate rows written),
// "finish" (audit, hub commit, store marked published and committed).
func (s *Service) phase(name string) {
	if s.mark != nil {
		s.mark(name)
	}
}

// New returns the service over the hub and the stores.
func New(hub *gorm.DB, stores *store.Set, master *vault.MasterKey) *Service {
	return &Service{hub: hub, stores: stores, master: master, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// RotateKey gives every store a new linkage key and re-encodes every person (personlink.RotateKey);
// the next publish replaces the hub's encodings, which match nothing across versions meanwhile.
func (s *Service) RotateKey(ctx context.Context) (uint32, map[string]int, error) {
	return personlink.RotateKey(ctx, s.master, s.stores, s.now)
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// publishBatch is how many encodings one publish round carries.
const publishBatch = 2000

// pubRow is a row of person_linkage waiting to be published.
type pubRow struct {
	PersonID   string
	Token      string
	AgencyID   *string
	KeyVersion *int64
	Encoding   []byte
	Probes     string // bigint[] as text
	Generation int64
}

// Publish carries the store's changed encodings to the hub until none is left, and returns how many.
// One publisher per store runs at a time (an advisory lock in the store); a second one returns 0.
func (s *Service) Publish(ctx context.Context, country string) (int, error) {
	st, err := s.stores.For(country)
	if err != nil {
		return 0, err
	}
	total := 0
	for {
		n, err := s.publishRound(ctx, st)
		total += n
		if err != nil || n < publishBatch {
			return total, err
		}
	}
}

// PublishAll publishes every store.
func (s *Service) PublishAll(ctx context.Context) (int, error) {
	total := 0
	for _, cc := range s.stores.Countries() {
		n, err := s.Publish(ctx, cc)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (s *Service) publishRound(ctx context.Context, st *store.Store) (int, error) {
	n := 0
	err := st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var got bool
		if err := tx.Raw(`SELECT pg_try_advisory_xact_lock(hashtext('homeward.linkage.publish'))`).Scan(&got).Error; err != nil || !got {
			return err
		}
		var rows []pubRow
		if err := tx.Raw(`SELECT person_id, token, agency_id, key_version, encoding, probes::text AS probes, generation
FROM person_linkage WHERE published < generation ORDER BY person_id LIMIT ?`, publishBatch).Scan(&rows).Error; err != nil {
			return fmt.Errorf("crossmatch: read the store's outbox: %w", err)
		}
		s.phase("outbox")
		if len(rows) == 0 {
			return nil
		}
		if err := s.applyHub(ctx, st.Country, rows); err != nil {
			return err
		}
		ids, gens := make([]string, len(rows)), make([]string, len(rows))
		for i, r := range rows {
			ids[i], gens[i] = r.PersonID, strconv.FormatInt(r.Generation, 10)
		}
		n = len(rows)
		return tx.Exec(`UPDATE person_linkage l SET published = v.g FROM unnest(?::uuid[], ?::bigint[]) AS v(id, g)
WHERE l.person_id = v.id AND l.generation = v.g`, "{"+strings.Join(ids, ",")+"}", "{"+strings.Join(gens, ",")+"}").Error
	})
	s.phase("finish")
	return n, err
}

// applyHub writes one round in one hub transaction: the removed encodings and their candidates go,
// the others are stored (a lower generation than the hub's is ignored) and matched.
func (s *Service) applyHub(ctx context.Context, country string, rows []pubRow) error {
	now := s.now()
	return s.hub.WithContext(ctx).Transaction(func(htx *gorm.DB) error {
		var gone, changed []string
		var fresh []pubRow
		for _, r := range rows {
			changed = append(changed, r.Token)
			if r.Encoding == nil || r.AgencyID == nil || r.KeyVersion == nil {
				gone = append(gone, r.Token)
			} else {
				fresh = append(fresh, r)
			}
		}
		if len(gone) > 0 {
			if err := htx.Exec(`DELETE FROM linkage_encodings WHERE country = ? AND token = ANY(?::uuid[])`, country, pgArray(gone)).Error; err != nil {
				return fmt.Errorf("crossmatch: drop encodings: %w", err)
			}
			if err := htx.Exec(`DELETE FROM linkage_candidates WHERE (country = ? AND token = ANY(?::uuid[])) OR (other_country = ? AND other_token = ANY(?::uuid[]))`,
				country, pgArray(gone), country, pgArray(gone)).Error; err != nil {
				return fmt.Errorf("crossmatch: drop candidates: %w", err)
			}
		}
		// A changed encoding is matched afresh: its candidates nobody answered or asked about go.
		if err := htx.Exec(`DELETE FROM linkage_candidates WHERE answer IS NULL AND asked_at IS NULL
AND ((country = ? AND token = ANY(?::uuid[])) OR (other_country = ? AND other_token = ANY(?::uuid[])))`,
			country, pgArray(changed), country, pgArray(changed)).Error; err != nil {
			return fmt.Errorf("crossmatch: drop candidates: %w", err)
		}
		stored, err := storeEncodings(htx, country, fresh, now)
		if err != nil {
			return err
		}
		s.phase("store")
		found, err := s.match(htx, country, stored, now)
		if err != nil {
			return err
		}
		return audit.Append(htx, now, audit.Entry{Action: audit.LinkagePublish, Entity: "store", EntityID: country,
			Detail: map[string]any{"stored": len(stored), "removed": len(gone), "candidates": found}})
	})
}
