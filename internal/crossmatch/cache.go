package crossmatch

import (
	"fmt"
	"sync"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/linkage"
)

// indexCache keeps, per country, the hub's encodings of one key version in a linkage.Index in
// memory, so that matching a round reads only the rows written since the last round (column seq)
// instead of every probed block. A country's rows are written only by its own publisher, one at a
// time (the store's publish lock), so they commit in seq order and none is skipped. A row replaced
// or removed later stays in the index: a match is kept only when it is the token's newest entry and
// the token is still in the table with that seq (checked in the caller's transaction).
type indexCache struct {
	mu sync.Mutex
	by map[string]*hubIndex
}

// hubIndex is one country's index.
type hubIndex struct {
	version uint32
	x       *linkage.Index
	tokens  []uuid.UUID         // index id -> token
	seqs    []int64             // index id -> seq of the row it was read from
	newest  map[uuid.UUID]int32 // token -> its newest index id
	seq     int64               // the highest seq read
}

// The tokens are kept as uuid.UUID, not strings: a million of them and the map hold no pointer
// then, and the garbage collector does not walk them on every cycle (it did, during publish rounds).

// tokenMatch is a candidate of the other country, by token.
type tokenMatch struct {
	linkage.Candidate
	token string
}

// cacheRow is a row of linkage_encodings read into the index.
type cacheRow struct {
	Token    string
	Encoding []byte
	Seq      int64
}

// refresh reads the rows of country written since the last read.
func (h *hubIndex) refresh(htx *gorm.DB, country string) error {
	for {
		var rows []cacheRow
		if err := htx.Raw(`SELECT token::text AS token, encoding, seq FROM linkage_encodings
WHERE country = ? AND key_version = ? AND seq > ? ORDER BY seq LIMIT 100000`, country, int64(h.version), h.seq).Scan(&rows).Error; err != nil {
			return fmt.Errorf("crossmatch: read the %s encodings: %w", country, err)
		}
		for i := range rows {
			var e linkage.Encoding
			if err := e.UnmarshalBinary(rows[i].Encoding); err != nil {
				return fmt.Errorf("crossmatch: stored encoding %s: %w", rows[i].Token, err)
			}
			t, err := uuid.Parse(rows[i].Token)
			if err != nil {
				return fmt.Errorf("crossmatch: stored token %q: %w", rows[i].Token, err)
			}
			id, err := h.x.Add(&e)
			if err != nil {
				return err
			}
			h.tokens, h.seqs = append(h.tokens, t), append(h.seqs, rows[i].Seq)
			h.newest[t] = int32(id)
			h.seq = rows[i].Seq
		}
		if len(rows) < 100000 {
			return nil
		}
	}
}

// match returns, for each of es, the encodings of country (key version version) it may be, best
// first, after bringing the country's index up to date.
func (c *indexCache) match(htx *gorm.DB, country string, version uint32, es []linkage.Encoding) ([][]tokenMatch, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.by == nil {
		c.by = map[string]*hubIndex{}
	}
	h := c.by[country]
	if h == nil || h.version != version {
		h = &hubIndex{version: version, x: linkage.NewIndex(version), newest: map[uuid.UUID]int32{}}
		c.by[country] = h
	}
	if err := h.refresh(htx, country); err != nil {
		delete(c.by, country) // read again from the start next time
		return nil, err
	}
	found := h.x.MatchAll(es, linkage.Threshold, candidateLimit)
	var tokens []string
	seen := map[uuid.UUID]bool{}
	for _, cs := range found {
		for _, m := range cs {
			if t := h.tokens[m.ID]; h.newest[t] == int32(m.ID) && !seen[t] {
				seen[t] = true
				tokens = append(tokens, t.String())
			}
		}
	}
	alive := map[string]int64{}
	if len(tokens) > 0 {
		var rows []cacheRow
		// A join with the list, not token = ANY(list): with thousands of tokens PostgreSQL chose
		// a sequential scan of every encoding for ANY (1.25 s at 1M rows), one index probe per
		// token for the join.
		if err := htx.Raw(`SELECT e.token::text AS token, e.seq FROM unnest(?::uuid[]) AS t(token)
JOIN linkage_encodings e ON e.country = ? AND e.token = t.token`, pgArray(tokens), country).
			Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("crossmatch: check the candidates: %w", err)
		}
		for _, r := range rows {
			alive[r.Token] = r.Seq
		}
	}
	out := make([][]tokenMatch, len(found))
	for i, cs := range found {
		for _, m := range cs {
			t := h.tokens[m.ID]
			if ts := t.String(); h.newest[t] == int32(m.ID) && alive[ts] == h.seqs[m.ID] {
				out[i] = append(out[i], tokenMatch{Candidate: m, token: ts})
			}
		}
	}
	return out, nil
}
