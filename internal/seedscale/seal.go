package seedscale

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"homeward/internal/cases"
	"homeward/internal/vault"
)

// Sealed fields, named as the app names them (the field is part of the ciphertext's associated data).
const (
	fieldDocumentNumber = "persons.document_number"
	fieldContact        = "persons.contact"
	fieldDocuments      = "persons.documents"
	fieldUrgentNeeds    = "persons.urgent_needs"
	fieldNarrative      = "screenings.narrative"
	fieldLegalBasis     = "identification_decisions.legal_basis"
	fieldComment        = "identification_decisions.comment"
)

// fetchSize is the rows a seal pass or the audit chain reads from its cursor at a time.
const fetchSize = 50_000

// sealPass seals, row by row, the plaintexts a staging table holds: query selects the row id (text)
// and the plaintexts (NULL: no value); seal turns one row into the row copied into table (columns
// cols, the id first). Rows are sealed on every core, a batch at a time.
type sealPass struct {
	table string
	cols  []string
	query string
	seal  func(k *vault.Keys, id string, vals []*string) ([]any, error)
}

var sealPasses = []sealPass{
	{
		table: "seed_p_enc", cols: []string{"id", "doc_enc", "doc_bidx", "docs_enc", "contact_enc", "urgent_enc"},
		query: `SELECT pid::text, doc, contact, urgent FROM seed_p WHERE doc IS NOT NULL OR contact IS NOT NULL OR urgent IS NOT NULL`,
		seal: func(k *vault.Keys, id string, v []*string) ([]any, error) {
			out := []any{u(id), nil, nil, nil, nil, nil}
			if v[0] != nil {
				b, err := json.Marshal([]cases.HeldDocument{{Kind: "passport", Number: *v[0]}})
				if err != nil {
					return nil, err
				}
				if out[1], err = k.SealString(fieldDocumentNumber, id, *v[0]); err != nil {
					return nil, err
				}
				out[2] = k.BlindIndex(vault.KindDocumentNumber, *v[0])
				if out[3], err = k.Seal(fieldDocuments, id, b); err != nil {
					return nil, err
				}
			}
			return out, sealInto(k, id, out, 4, []string{fieldContact, fieldUrgentNeeds}, v[1:])
		},
	},
	{
		table: "seed_scr_enc", cols: []string{"id", "narrative_enc"},
		query: `SELECT id::text, narrative FROM seed_scr`,
		seal: func(k *vault.Keys, id string, v []*string) ([]any, error) {
			out := []any{u(id), nil}
			return out, sealInto(k, id, out, 1, []string{fieldNarrative}, v)
		},
	},
	{
		table: "seed_dec_enc", cols: []string{"id", "basis_enc", "comment_enc"},
		query: `SELECT id::text, basis, CASE WHEN decided IS NOT NULL THEN 'Indicators of forced criminality and confinement are consistent.' END FROM seed_dec`,
		seal: func(k *vault.Keys, id string, v []*string) ([]any, error) {
			out := []any{u(id), nil, nil}
			return out, sealInto(k, id, out, 1, []string{fieldLegalBasis, fieldComment}, v)
		},
	},
}

// sealInto seals vals[j] (when not NULL) for fields[j] of row id into out[from+j].
func sealInto(k *vault.Keys, id string, out []any, from int, fields []string, vals []*string) error {
	for j, v := range vals {
		if v == nil {
			continue
		}
		ct, err := k.SealString(fields[j], id, *v)
		if err != nil {
			return err
		}
		out[from+j] = ct
	}
	return nil
}

// run creates the pass's table and fills it from the staging rows, sealed.
func (p sealPass) run(ctx context.Context, tx pgx.Tx, keys *vault.Keys) error {
	def := "id uuid PRIMARY KEY"
	for _, c := range p.cols[1:] {
		def += ", " + c + " bytea"
	}
	if _, err := tx.Exec(ctx, "CREATE TEMP TABLE "+p.table+" ("+def+") ON COMMIT DROP"); err != nil {
		return fmt.Errorf("seedscale: %s: %w", p.table, err)
	}
	if _, err := tx.Exec(ctx, "DECLARE "+p.table+"_cur NO SCROLL CURSOR FOR "+p.query); err != nil {
		return fmt.Errorf("seedscale: %s: %w", p.table, err)
	}
	for {
		rows, err := tx.Query(ctx, fmt.Sprintf("FETCH %d FROM %s_cur", fetchSize, p.table))
		if err != nil {
			return fmt.Errorf("seedscale: %s: %w", p.table, err)
		}
		var ids []string
		var vals [][]*string
		for rows.Next() {
			raw := rows.RawValues()
			ids = append(ids, string(raw[0]))
			v := make([]*string, len(raw)-1)
			for j, b := range raw[1:] {
				if b != nil {
					s := string(b)
					v[j] = &s
				}
			}
			vals = append(vals, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("seedscale: %s: %w", p.table, err)
		}
		if len(ids) == 0 {
			break
		}
		out, err := p.sealAll(keys, ids, vals)
		if err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{p.table}, p.cols, pgx.CopyFromRows(out)); err != nil {
			return fmt.Errorf("seedscale: copy %s: %w", p.table, err)
		}
	}
	if _, err := tx.Exec(ctx, "CLOSE "+p.table+"_cur"); err != nil {
		return fmt.Errorf("seedscale: %s: %w", p.table, err)
	}
	return nil
}

// sealAll seals the rows on every core.
func (p sealPass) sealAll(keys *vault.Keys, ids []string, vals [][]*string) ([][]any, error) {
	out := make([][]any, len(ids))
	workers := max(1, runtime.GOMAXPROCS(0))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(ids); i += workers {
				row, err := p.seal(keys, ids[i], vals[i])
				if err != nil {
					errs[w] = fmt.Errorf("seedscale: seal %s %s: %w", p.table, ids[i], err)
					return
				}
				out[i] = row
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// u is a uuid for COPY (binary) from its text form (checked by Fill, or printed by PostgreSQL).
func u(s string) [16]byte { return [16]byte(uuid.MustParse(s)) }
