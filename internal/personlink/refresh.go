package personlink

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"gorm.io/gorm"

	"homeward/internal/linkage"
	"homeward/internal/store"
	"homeward/internal/vault"
)

// personSQL reads what an encoding is made of, for the persons among ids: the identity, the owner
// agency of the person's newest case, and whether the person objects to home-country notice (the
// current notify_home_country answer of one of their cases is refused or withdrawn) with no
// linkage override recorded on that case after the objection.
const personSQL = `SELECT p.id, p.given_name, p.family_name, p.aliases::text AS aliases, p.sex, p.birth_date,
  p.age_estimate, p.created_at, p.document_number_enc, p.documents_enc, p.merged_into IS NOT NULL AS merged,
  (SELECT c.owner_agency_id FROM cases c WHERE c.person_id = p.id ORDER BY c.created_at DESC, c.id DESC LIMIT 1) AS agency_id,
  EXISTS (SELECT 1 FROM cases c JOIN consents k ON k.case_id = c.id
    WHERE c.person_id = p.id AND k.purpose = 'notify_home_country' AND k.answer IN ('refused', 'withdrawn')
      AND NOT EXISTS (SELECT 1 FROM consents n WHERE n.supersedes = k.id)
      AND NOT EXISTS (SELECT 1 FROM linkage_overrides o WHERE o.case_id = c.id AND o.at >= k.recorded_at)) AS objects
FROM persons p WHERE p.id IN ?`

// personRow is a row of personSQL.
type personRow struct {
	ID                string
	GivenName         string
	FamilyName        string
	Aliases           string
	Sex               string
	BirthDate         *time.Time
	AgeEstimate       *int
	CreatedAt         time.Time
	DocumentNumberEnc []byte
	DocumentsEnc      []byte
	Merged            bool
	AgencyID          *string
	Objects           bool
}

// Refresh recomputes, inside tx (the transaction of the identity change), the linkage encodings of
// the persons ids of store st: a person merged away, objecting to home-country notice without an
// override, or without a case loses the encoding (the hub drops it at the next publish); the others
// get the encoding of what the store now holds. A store without a linkage key yet is left alone:
// EnsureKey, at start, gives it one and encodes every person (Reencode).
func Refresh(tx *gorm.DB, st *store.Store, now time.Time, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	key, err := CurrentKey(tx, st)
	if errors.Is(err, vault.ErrNoLinkageKey) {
		return nil
	}
	if err != nil {
		return err
	}
	enc, err := linkage.NewEncoder(key.Version, key.Secret)
	if err != nil {
		return err
	}
	var rows []personRow
	if err := tx.Raw(personSQL, ids).Scan(&rows).Error; err != nil {
		return fmt.Errorf("personlink: read persons: %w", err)
	}
	for i := range rows {
		if err := refreshOne(tx, st, enc, &rows[i], now); err != nil {
			return err
		}
	}
	return nil
}

// refreshOne writes one person's encoding, or removes it.
func refreshOne(tx *gorm.DB, st *store.Store, enc *linkage.Encoder, r *personRow, now time.Time) error {
	if r.Merged || r.Objects || r.AgencyID == nil {
		return remove(tx, r.ID, now)
	}
	p, err := subject(st, r)
	if err != nil {
		return err
	}
	e, err := enc.Encode(p)
	if errors.Is(err, linkage.ErrNoName) {
		return remove(tx, r.ID, now)
	}
	if err != nil {
		return err
	}
	b, err := e.MarshalBinary()
	if err != nil {
		return err
	}
	probes := make([]string, len(e.Probes))
	for i, pr := range e.Probes {
		probes[i] = strconv.FormatUint(uint64(pr), 10)
	}
	err = tx.Exec(`INSERT INTO person_linkage (person_id, agency_id, key_version, encoding, probes, updated_at)
VALUES (?, ?, ?, ?, ?::bigint[], ?)
ON CONFLICT (person_id) DO UPDATE SET agency_id = EXCLUDED.agency_id, key_version = EXCLUDED.key_version,
  encoding = EXCLUDED.encoding, probes = EXCLUDED.probes, generation = person_linkage.generation + 1, updated_at = EXCLUDED.updated_at
WHERE person_linkage.encoding IS DISTINCT FROM EXCLUDED.encoding OR person_linkage.agency_id IS DISTINCT FROM EXCLUDED.agency_id`,
		r.ID, *r.AgencyID, int64(e.KeyVersion), b, "{"+strings.Join(probes, ",")+"}", now).Error
	if err != nil {
		return fmt.Errorf("personlink: store the encoding: %w", err)
	}
	return nil
}

// remove clears a person's encoding; the hub drops its copy at the next publish.
func remove(tx *gorm.DB, personID string, now time.Time) error {
	err := tx.Exec(`UPDATE person_linkage SET encoding = NULL, key_version = NULL, probes = '{}',
  generation = generation + 1, updated_at = ? WHERE person_id = ? AND encoding IS NOT NULL`, now, personID).Error
	if err != nil {
		return fmt.Errorf("personlink: remove the encoding: %w", err)
	}
	return nil
}

// subject is what is encoded of a person: names and aliases, sex, birth year (from the date, else
// from the age estimated at intake) and every document number (opened from the sealed columns).
func subject(st *store.Store, r *personRow) (linkage.Person, error) {
	p := linkage.Person{GivenName: r.GivenName, FamilyName: r.FamilyName}
	var aliases []string
	if err := pgtype.NewMap().SQLScanner(&aliases).Scan(r.Aliases); err != nil {
		return p, fmt.Errorf("personlink: aliases: %w", err)
	}
	p.Aliases = aliases
	if r.Sex == "female" || r.Sex == "male" {
		p.Sex = r.Sex
	}
	switch {
	case r.BirthDate != nil:
		p.BirthYear = r.BirthDate.Year()
	case r.AgeEstimate != nil:
		p.BirthYear = r.CreatedAt.Year() - *r.AgeEstimate
	}
	if len(r.DocumentNumberEnc) > 0 {
		n, err := st.Keys.OpenString("persons.document_number", r.ID, r.DocumentNumberEnc)
		if err != nil {
			return p, fmt.Errorf("personlink: open the document number: %w", err)
		}
		if n != "" {
			p.DocumentNumbers = append(p.DocumentNumbers, n)
		}
	}
	if len(r.DocumentsEnc) > 0 {
		text, err := st.Keys.OpenString("persons.documents", r.ID, r.DocumentsEnc)
		if err != nil {
			return p, fmt.Errorf("personlink: open the documents: %w", err)
		}
		var docs []struct {
			Number string `json:"number"`
		}
		if err := json.Unmarshal([]byte(text), &docs); err != nil {
			return p, fmt.Errorf("personlink: read the documents: %w", err)
		}
		for _, d := range docs {
			if d.Number != "" {
				p.DocumentNumbers = append(p.DocumentNumbers, d.Number)
			}
		}
	}
	return p, nil
}
