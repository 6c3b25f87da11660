package backup

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"homeward/internal/audit"
	"homeward/internal/provision"
	"homeward/internal/sealed"
	"homeward/internal/store"
	"homeward/internal/vault"
)

// RestoreOptions say what to restore where.
type RestoreOptions struct {
	Database string // "hub" or a country code: the backup must be of this database
	From     string // the backup directory
	OwnerDSN string // the target database, as its owner role
	AppRole  string // the app role granted row access after the restore
	// Replace allows a target that holds tables: its schema public is dropped first. Without it a
	// non-empty target is refused (ErrNotEmpty).
	Replace bool
	Master  *vault.MasterKey // the master key of the deployment: the backup's keysets must open with it
}

// Restored reports a restore.
type Restored struct {
	Manifest Manifest
	Dropped  []string // the relations a Replace dropped
	Keysets  int      // wrapped keysets that opened with the master key
	Sealed   int      // sealed values read back (one per sealed column holding any)
	Audit    error    // audit.Verify's answer on the restored database
}

// Restore checks a backup (manifest hashes, database, keysets opening with the master key) and the
// target (empty unless Replace), restores the dump as the owner role in one transaction
// (pg_restore --no-owner --no-privileges --single-transaction), grants the app role as provisioning
// does, and verifies the result: the keysets open, a sealed value of every sealed column reads
// back, the migration version is the backup's, and the audit chain verifies (Restored.Audit). A
// refusal leaves the target untouched.
func Restore(ctx context.Context, opt RestoreOptions) (Restored, error) {
	var out Restored
	m, err := ReadManifest(opt.From)
	if err != nil {
		return out, err
	}
	out.Manifest = m
	if m.Database != opt.Database || m.Kind != kindOf(opt.Database) {
		return out, fmt.Errorf("%w: the backup in %s is of %s (%s), not %s", ErrWrongDatabase, opt.From, m.Database, m.Kind, opt.Database)
	}
	var keysets []Keyset
	b, err := os.ReadFile(filepath.Join(opt.From, KeysetsFile))
	if err == nil {
		err = json.Unmarshal(b, &keysets)
	}
	if err != nil {
		return out, fmt.Errorf("backup: %s: %w", KeysetsFile, err)
	}
	if out.Keysets, err = openKeysets(opt.Master, opt.Database, keysets); err != nil {
		return out, err
	}
	db, err := openDB(ctx, opt.OwnerDSN)
	if err != nil {
		return out, err
	}
	defer db.Close()
	relations, err := publicRelations(ctx, db)
	if err != nil {
		return out, err
	}
	if len(relations) > 0 {
		if !opt.Replace {
			return out, fmt.Errorf("%w: it holds %d relations (%s…); restore into an empty database or pass --replace", ErrNotEmpty,
				len(relations), strings.Join(relations[:min(3, len(relations))], ", "))
		}
		if _, err := db.ExecContext(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
			return out, fmt.Errorf("backup: drop the target's schema: %w", err)
		}
		out.Dropped = relations
	}
	if err := runTool(ctx, "pg_restore", opt.OwnerDSN, nil, "--no-owner", "--no-privileges", "--single-transaction",
		"--exit-on-error", filepath.Join(opt.From, DumpFile)); err != nil {
		return out, err
	}
	if err := provision.GrantApp(ctx, db, opt.AppRole); err != nil {
		return out, err
	}
	return out, verify(ctx, opt, keysets, &out)
}

// anchorPurpose is the purpose of the audit sealer's anchor-signing keyset (internal/audit), kept in
// hub_keys and in each store's store_keys: an Ed25519 keyset, not an AEAD one.
const anchorPurpose = "audit-anchor"

// openKeysets checks the backup's keysets: those of the database's kind, each opening with master.
func openKeysets(master *vault.MasterKey, database string, keysets []Keyset) (int, error) {
	n := 0
	for _, k := range keysets {
		var err error
		switch {
		case database == "hub" && k.Table == "hub_keys" && k.Owner == anchorPurpose:
			_, err = master.OpenAnchorKeyset(audit.HubName, k.Wrapped)
		case database == "hub" && k.Table == "hub_keys":
			_, err = master.OpenHubKeyset(k.Owner, k.Wrapped)
		case database == "hub" && k.Table == "agency_keys":
			_, err = master.OpenAgencyKeyset(k.Owner, k.Wrapped)
		case database != "hub" && k.Table == "store_keys" && k.Owner == database && k.Purpose == anchorPurpose:
			_, err = master.OpenAnchorKeyset(database, k.Wrapped)
		case database != "hub" && k.Table == "store_keys" && k.Owner == database && strings.HasPrefix(k.Purpose, vault.LinkagePurpose+":"):
			_, err = master.OpenLinkageKeyset(database, k.Wrapped) // the linkage key, one row per rotation
		case database != "hub" && k.Table == "keysets":
			if k.Owner != database {
				return n, fmt.Errorf("%w: %s keysets in a backup of %s", ErrWrongDatabase, k.Owner, database)
			}
			_, _, err = master.KeyIDs(k.Owner, k.Purpose, k.Wrapped)
		default:
			return n, fmt.Errorf("%w: a %s keyset in a backup of %s", ErrWrongDatabase, k.Table, database)
		}
		if err != nil {
			return n, fmt.Errorf("backup: the %s keyset %s/%s does not open with this master key: %w", k.Table, k.Owner, k.Purpose, err)
		}
		n++
	}
	if database != "hub" && n == 0 {
		return n, fmt.Errorf("%w: no keysets in the backup", ErrTampered)
	}
	return n, nil
}

// publicRelations lists the tables, views and sequences of schema public.
func publicRelations(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace
		AND relkind IN ('r', 'p', 'v', 'm', 'S', 'f') ORDER BY relname`)
	if err != nil {
		return nil, fmt.Errorf("backup: list the target's relations: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// verify checks the restored database: the keysets are the backup's, a value of every sealed
// column opens (stores), the migration version is the manifest's; it records audit.Verify's answer.
func verify(ctx context.Context, opt RestoreOptions, keysets []Keyset, out *Restored) error {
	gdb, err := store.Open(ctx, opt.OwnerDSN)
	if err != nil {
		return err
	}
	defer func() {
		if sqlDB, err := gdb.DB(); err == nil {
			sqlDB.Close()
		}
	}()
	raw, err := gdb.DB()
	if err != nil {
		return err
	}
	restored, err := readKeysets(ctx, raw, opt.Database)
	if err != nil {
		return err
	}
	if len(restored) != len(keysets) {
		return fmt.Errorf("backup: restored %d keysets, the backup lists %d", len(restored), len(keysets))
	}
	for i := range restored {
		if string(restored[i].Wrapped) != string(keysets[i].Wrapped) {
			return fmt.Errorf("backup: the restored %s keyset %s/%s differs from the backup's", restored[i].Table, restored[i].Owner, restored[i].Purpose)
		}
	}
	var version int64
	if err := raw.QueryRowContext(ctx, `SELECT COALESCE(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&version); err != nil {
		return err
	}
	if version != out.Manifest.Migration {
		return fmt.Errorf("backup: restored migration version %d, the manifest says %d", version, out.Manifest.Migration)
	}
	if opt.Database != "hub" {
		w, found, err := vault.ReadKeysets(ctx, gdb, opt.Database)
		if err != nil || !found {
			return fmt.Errorf("backup: read the restored keysets: %v", err)
		}
		keys, err := opt.Master.Open(opt.Database, w)
		if err != nil {
			return err
		}
		if out.Sealed, err = sealed.ReadBack(ctx, gdb, keys); err != nil {
			return fmt.Errorf("backup: a sealed value of the restored database does not open: %w", err)
		}
	}
	out.Audit = audit.Verify(ctx, gdb)
	if out.Audit != nil && !errors.Is(out.Audit, audit.ErrBroken) {
		return fmt.Errorf("backup: verify the audit chain: %w", out.Audit)
	}
	return nil
}

// TargetRelations lists the relations of the target's schema public: what Replace drops.
func TargetRelations(ctx context.Context, ownerDSN string) ([]string, error) {
	db, err := openDB(ctx, ownerDSN)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return publicRelations(ctx, db)
}
