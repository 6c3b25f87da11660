package crossmatch

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/linkage"
)

// candidateLimit is how many candidates the hub keeps for one new encoding, best first.
const candidateLimit = 10

// newEncoding is an encoding just stored in the hub, with the blocks it is compared with.
type newEncoding struct {
	token string
	enc   linkage.Encoding
}

// storeEncodings upserts the encodings of a round (a generation lower than the hub's is ignored)
// and returns those stored, decoded, with their probes.
func storeEncodings(htx *gorm.DB, country string, rows []pubRow, now time.Time) ([]newEncoding, error) {
	out := make([]newEncoding, 0, len(rows))
	for _, r := range rows {
		var e linkage.Encoding
		if err := e.UnmarshalBinary(r.Encoding); err != nil {
			return nil, fmt.Errorf("crossmatch: encoding of %s: %w", r.Token, err)
		}
		probes, err := parseProbes(r.Probes)
		if err != nil {
			return nil, err
		}
		e.Probes = probes
		res := htx.Exec(`INSERT INTO linkage_encodings (country, token, agency_id, key_version, block, encoding, generation, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (country, token) DO UPDATE SET agency_id = EXCLUDED.agency_id, key_version = EXCLUDED.key_version,
  block = EXCLUDED.block, encoding = EXCLUDED.encoding, generation = EXCLUDED.generation, updated_at = EXCLUDED.updated_at
WHERE linkage_encodings.generation < EXCLUDED.generation`,
			country, r.Token, *r.AgencyID, *r.KeyVersion, int64(e.Block), r.Encoding, r.Generation, now)
		if res.Error != nil {
			return nil, fmt.Errorf("crossmatch: store the encoding: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			out = append(out, newEncoding{token: r.Token, enc: e})
		}
	}
	return out, nil
}

// parseProbes reads a bigint[] in its text form ({1,2,3}).
func parseProbes(s string) ([]uint32, error) {
	s = strings.Trim(s, "{}")
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]uint32, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("crossmatch: probe %q: %w", p, err)
		}
		out[i] = uint32(v)
	}
	return out, nil
}

// storedEnc is an encoding of another country read back for matching.
type storedEnc struct {
	Country  string
	Token    string
	Encoding []byte
}

// match compares the new encodings of country with the other countries' encodings of the same key
// version in the blocks they probe, and records both sides of every candidate. It returns how many
// candidate pairs it recorded.
func (s *Service) match(htx *gorm.DB, country string, news []newEncoding, now time.Time) (int, error) {
	byVersion := map[uint32][]newEncoding{}
	for _, n := range news {
		byVersion[n.enc.KeyVersion] = append(byVersion[n.enc.KeyVersion], n)
	}
	found := 0
	for version, group := range byVersion {
		seen := map[uint32]bool{}
		var blocks []int64
		for _, n := range group {
			for _, p := range n.enc.Probes {
				if !seen[p] {
					seen[p] = true
					blocks = append(blocks, int64(p))
				}
			}
		}
		if len(blocks) == 0 {
			continue
		}
		var others []storedEnc
		if err := htx.Raw(`SELECT country, token, encoding FROM linkage_encodings
WHERE key_version = ? AND country <> ? AND block IN ?`, int64(version), country, blocks).Scan(&others).Error; err != nil {
			return 0, fmt.Errorf("crossmatch: read the other countries' encodings: %w", err)
		}
		if len(others) == 0 {
			continue
		}
		x := linkage.NewIndex(version)
		for i := range others {
			var e linkage.Encoding
			if err := e.UnmarshalBinary(others[i].Encoding); err != nil {
				return 0, fmt.Errorf("crossmatch: stored encoding %s: %w", others[i].Token, err)
			}
			if _, err := x.Add(&e); err != nil {
				return 0, err
			}
		}
		es := make([]linkage.Encoding, len(group))
		for i := range group {
			es[i] = group[i].enc
		}
		for i, cands := range x.MatchAll(es, linkage.Threshold, candidateLimit) {
			for _, c := range cands {
				o := others[c.ID]
				if err := recordPair(htx, country, group[i].token, o.Country, o.Token, c, now); err != nil {
					return 0, err
				}
				found++
			}
		}
	}
	return found, nil
}

// recordPair records a candidate on both sides; a pair already recorded keeps its answers.
func recordPair(htx *gorm.DB, country, token, otherCountry, otherToken string, c linkage.Candidate, now time.Time) error {
	const q = `INSERT INTO linkage_candidates (id, country, token, other_country, other_token, score, document, found_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (country, token, other_country, other_token) DO UPDATE SET score = EXCLUDED.score, document = EXCLUDED.document`
	score := min(c.Score, 1)
	err := htx.Exec(q, uuid.Must(uuid.NewV7()).String(), country, token, otherCountry, otherToken, score, c.Document, now,
		uuid.Must(uuid.NewV7()).String(), otherCountry, otherToken, country, token, score, c.Document, now).Error
	if err != nil {
		return fmt.Errorf("crossmatch: record a candidate: %w", err)
	}
	return nil
}
