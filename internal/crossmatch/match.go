package crossmatch

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/linkage"
)

// candidateLimit is how many candidates the hub keeps for one new encoding, best first (see
// linkage.CandidateLimit for why).
const candidateLimit = linkage.CandidateLimit

// newEncoding is an encoding just stored in the hub, with the blocks it is compared with.
type newEncoding struct {
	token string
	enc   linkage.Encoding
}

// storeEncodings upserts the encodings of a round in one statement (a generation lower than the
// hub's is ignored) and returns those stored, decoded, with their probes.
func storeEncodings(htx *gorm.DB, country string, rows []pubRow, now time.Time) ([]newEncoding, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	decoded := make(map[string]newEncoding, len(rows))
	tokens, agencies, versions, blocks, encs, gens := make([]string, len(rows)), make([]string, len(rows)),
		make([]string, len(rows)), make([]string, len(rows)), make([]string, len(rows)), make([]string, len(rows))
	for i, r := range rows {
		var e linkage.Encoding
		if err := e.UnmarshalBinary(r.Encoding); err != nil {
			return nil, fmt.Errorf("crossmatch: encoding of %s: %w", r.Token, err)
		}
		probes, err := parseProbes(r.Probes)
		if err != nil {
			return nil, err
		}
		e.Probes = probes
		decoded[r.Token] = newEncoding{token: r.Token, enc: e}
		tokens[i], agencies[i], versions[i] = r.Token, *r.AgencyID, strconv.FormatInt(*r.KeyVersion, 10)
		blocks[i], encs[i], gens[i] = strconv.FormatUint(uint64(e.Block), 10), hex.EncodeToString(r.Encoding), strconv.FormatInt(r.Generation, 10)
	}
	var stored []string
	err := htx.Raw(`INSERT INTO linkage_encodings (country, token, agency_id, key_version, block, encoding, generation, updated_at)
SELECT ?, v.token, v.agency, v.version, v.block, decode(v.enc, 'hex'), v.gen, ?
FROM unnest(?::uuid[], ?::uuid[], ?::bigint[], ?::bigint[], ?::text[], ?::bigint[]) AS v(token, agency, version, block, enc, gen)
ON CONFLICT (country, token) DO UPDATE SET agency_id = EXCLUDED.agency_id, key_version = EXCLUDED.key_version,
  block = EXCLUDED.block, encoding = EXCLUDED.encoding, generation = EXCLUDED.generation, updated_at = EXCLUDED.updated_at,
  seq = nextval('linkage_encodings_seq')
WHERE linkage_encodings.generation < EXCLUDED.generation
RETURNING token::text`, country, now, pgArray(tokens), pgArray(agencies), pgArray(versions), pgArray(blocks), pgArray(encs), pgArray(gens)).
		Scan(&stored).Error
	if err != nil {
		return nil, fmt.Errorf("crossmatch: store the encodings: %w", err)
	}
	out := make([]newEncoding, 0, len(stored))
	for _, t := range stored {
		out = append(out, decoded[t])
	}
	return out, nil
}

// pgArray writes a PostgreSQL array literal of plain elements (uuids, numbers, hex: nothing to
// quote), cast by the statement.
func pgArray(xs []string) string { return "{" + strings.Join(xs, ",") + "}" }

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

// match compares the new encodings of country with the other countries' encodings of the same key
// version in the blocks they probe (the in-memory index of each, cache.go), and records both sides
// of every candidate. It returns how many candidate pairs it recorded.
func (s *Service) match(htx *gorm.DB, country string, news []newEncoding, now time.Time) (int, error) {
	byVersion := map[uint32][]newEncoding{}
	for _, n := range news {
		byVersion[n.enc.KeyVersion] = append(byVersion[n.enc.KeyVersion], n)
	}
	found := 0
	for version, group := range byVersion {
		es := make([]linkage.Encoding, len(group))
		for i := range group {
			es[i] = group[i].enc
		}
		var pairs candidatePairs
		for _, other := range s.stores.Countries() {
			if other == country {
				continue
			}
			matches, err := s.cache.match(htx, other, version, es)
			if err != nil {
				return 0, err
			}
			s.phase("scan")
			for i, ms := range matches {
				for _, m := range ms {
					pairs.add(country, group[i].token, other, m.token, m.Candidate)
					pairs.add(other, m.token, country, group[i].token, m.Candidate)
					found++
				}
			}
		}
		if err := pairs.record(htx, now); err != nil {
			return 0, err
		}
		s.phase("record")
	}
	return found, nil
}

// candidatePairs are the candidate rows of a round, both sides of each pair, as columns.
type candidatePairs struct {
	ids, countries, tokens, otherCountries, otherTokens, scores, documents []string
}

func (p *candidatePairs) add(country, token, otherCountry, otherToken string, c linkage.Candidate) {
	p.ids = append(p.ids, uuid.Must(uuid.NewV7()).String())
	p.countries, p.tokens = append(p.countries, country), append(p.tokens, token)
	p.otherCountries, p.otherTokens = append(p.otherCountries, otherCountry), append(p.otherTokens, otherToken)
	p.scores = append(p.scores, strconv.FormatFloat(min(c.Score, 1), 'f', 6, 64))
	p.documents = append(p.documents, strconv.FormatBool(c.Document))
}

// record inserts the rows in one statement; a pair already recorded keeps its answers.
func (p *candidatePairs) record(htx *gorm.DB, now time.Time) error {
	if len(p.ids) == 0 {
		return nil
	}
	err := htx.Exec(`INSERT INTO linkage_candidates (id, country, token, other_country, other_token, score, document, found_at)
SELECT v.id, v.country, v.token, v.other_country, v.other_token, v.score, v.document, ?
FROM unnest(?::uuid[], ?::text[], ?::uuid[], ?::text[], ?::uuid[], ?::real[], ?::boolean[])
  AS v(id, country, token, other_country, other_token, score, document)
ON CONFLICT (country, token, other_country, other_token) DO UPDATE SET score = EXCLUDED.score, document = EXCLUDED.document`,
		now, pgArray(p.ids), pgArray(p.countries), pgArray(p.tokens), pgArray(p.otherCountries), pgArray(p.otherTokens),
		pgArray(p.scores), pgArray(p.documents)).Error
	if err != nil {
		return fmt.Errorf("crossmatch: record the candidates: %w", err)
	}
	return nil
}
