package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// queryer is what reading keysets needs: a transaction or a pool.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Backup writes a backup of database ("hub" or a country code), reached as its owner role through
// ownerDSN, into dir: the pg_dump (custom format), the wrapped keysets and the manifest, each mode
// 0600, dir created mode 0700. The keysets are read in the very snapshot pg_dump dumps. dir must
// not exist or be empty: a backup is never overwritten (ErrExists).
func Backup(ctx context.Context, database, ownerDSN, dir string) (m Manifest, err error) {
	m = Manifest{Format: formatVersion, Database: database, Kind: kindOf(database), Homeward: Version()}
	if database != "hub" {
		m.Country = database
	}
	if err := makeDir(dir); err != nil {
		return m, err
	}
	defer func() { // a failed backup leaves no partial files behind
		if err != nil {
			for _, name := range []string{ManifestFile, DumpFile, KeysetsFile} {
				os.Remove(filepath.Join(dir, name))
			}
		}
	}()
	db, err := openDB(ctx, ownerDSN)
	if err != nil {
		return m, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return m, err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return m, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	var snapshot string
	if err := tx.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return m, fmt.Errorf("backup: export snapshot: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SHOW server_version`).Scan(&m.PostgreSQL); err != nil {
		return m, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&m.Migration); err != nil {
		return m, fmt.Errorf("backup: migration version: %w", err)
	}
	keysets, err := readKeysets(ctx, tx, database)
	if err != nil {
		return m, err
	}
	m.CreatedAt = time.Now().UTC()
	if err := writeJSON(filepath.Join(dir, KeysetsFile), keysets); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	dump, err := os.OpenFile(filepath.Join(dir, DumpFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	err = runTool(ctx, "pg_dump", ownerDSN, dump, "--format=custom", "--snapshot="+snapshot)
	if err == nil {
		err = dump.Sync()
	}
	if cerr := dump.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return m, err
	}
	for _, name := range []string{DumpFile, KeysetsFile} {
		f, err := hashFile(filepath.Join(dir, name))
		if err != nil {
			return m, fmt.Errorf("backup: %w", err)
		}
		m.Files = append(m.Files, f)
	}
	if err := writeJSON(filepath.Join(dir, ManifestFile), m); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

// makeDir creates dir with mode 0700, or takes an existing empty one (and makes it 0700).
func makeDir(dir string) error {
	err := os.MkdirAll(filepath.Dir(dir), 0o700)
	if err == nil {
		err = os.Mkdir(dir, 0o700)
	}
	if errors.Is(err, fs.ErrExist) {
		entries, rerr := os.ReadDir(dir)
		if rerr != nil {
			return fmt.Errorf("backup: %w", rerr)
		}
		if len(entries) > 0 {
			return fmt.Errorf("%w: %s", ErrExists, dir)
		}
		err = os.Chmod(dir, 0o700)
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// readKeysets reads every wrapped keyset of the database: a store's AEAD and MAC keysets, or the
// hub's own and its agencies' packet keysets. A store must hold the keysets of its own country.
func readKeysets(ctx context.Context, q queryer, database string) ([]Keyset, error) {
	var out []Keyset
	add := func(query string, scan func(*sql.Rows) error) error {
		rows, err := q.QueryContext(ctx, query)
		if err != nil {
			return fmt.Errorf("backup: read keysets (is this the %s database?): %w", database, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	if database == "hub" {
		err := add(`SELECT purpose, keyset, created_at FROM hub_keys ORDER BY purpose`, func(r *sql.Rows) error {
			k := Keyset{Table: "hub_keys"}
			err := r.Scan(&k.Owner, &k.Wrapped, &k.Created)
			k.Purpose = k.Owner
			out = append(out, k)
			return err
		})
		if err != nil {
			return nil, err
		}
		err = add(`SELECT agency_id::text, keyset, created_at FROM agency_keys ORDER BY agency_id`, func(r *sql.Rows) error {
			k := Keyset{Table: "agency_keys", Purpose: "packets"}
			err := r.Scan(&k.Owner, &k.Wrapped, &k.Created)
			out = append(out, k)
			return err
		})
		return out, err
	}
	own := false
	err := add(`SELECT country, aead, mac, created_at, version FROM keysets ORDER BY country`, func(r *sql.Rows) error {
		var a, mac Keyset
		if err := r.Scan(&a.Owner, &a.Wrapped, &mac.Wrapped, &a.Created, &a.Version); err != nil {
			return err
		}
		own = own || a.Owner == database
		a.Table, a.Purpose = "keysets", "aead"
		mac.Table, mac.Owner, mac.Purpose, mac.Created, mac.Version = "keysets", a.Owner, "mac", a.Created, a.Version
		out = append(out, a, mac)
		return nil
	})
	if err == nil && !own {
		err = fmt.Errorf("%w: the database holds no %s keysets", ErrWrongDatabase, database)
	}
	if err != nil {
		return out, err
	}
	// The store's keysets kept one per purpose (the audit sealer's anchor-signing key).
	err = add(`SELECT purpose, keyset, created_at FROM store_keys ORDER BY purpose`, func(r *sql.Rows) error {
		k := Keyset{Table: "store_keys", Owner: database}
		err := r.Scan(&k.Purpose, &k.Wrapped, &k.Created)
		out = append(out, k)
		return err
	})
	return out, err
}
