package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"homeward/internal/backup"
	"homeward/internal/config"
	"homeward/internal/provision"
	"homeward/internal/vault"
)

// ownerTarget is how the backup, restore and keys commands reach one database: as its owner role.
type ownerTarget struct {
	Database  string // "hub" or a country code
	OwnerDSN  string
	AppRole   string
	MasterKey string // the master key file
}

// resolveOwner finds the owner DSN of database: the local cluster's when no DSNs are set, else
// HOMEWARD_HUB_OWNER_DSN or HOMEWARD_STORE_<CC>_OWNER_DSN (as `migrate` reads them). The app role
// is the user of the app DSN (HOMEWARD_HUB_DSN, HOMEWARD_STORE_<CC>_DSN).
func resolveOwner(ctx context.Context, database string) (ownerTarget, error) {
	t := ownerTarget{Database: database}
	cfg, env, err := configure(ctx)
	if err != nil {
		return t, err
	}
	t.MasterKey = cfg.MasterKeyFile
	d, appDSN, ownerVar := provision.HubDatabase(), cfg.HubDSN, "HOMEWARD_HUB_OWNER_DSN"
	if database != "hub" {
		d, appDSN, ownerVar = provision.StoreDatabase(database), cfg.StoreDSNs[database], "HOMEWARD_STORE_"+database+"_OWNER_DSN"
		if appDSN == "" {
			return t, fmt.Errorf("%w: no store %s is configured (HOMEWARD_STORE_%s_DSN)", errUsage, database, database)
		}
	}
	t.AppRole = d.App
	if env != nil {
		t.OwnerDSN = env.DSNs.HubOwner
		if database != "hub" {
			t.OwnerDSN = env.DSNs.StoreOwners[database]
		}
		return t, nil
	}
	if t.OwnerDSN = config.Getenv(ownerVar); t.OwnerDSN == "" {
		return t, fmt.Errorf("%s is not set: backups, restores and key rotation run as the database's owner role", ownerVar)
	}
	if pc, err := pgconn.ParseConfig(appDSN); err == nil && pc.User != "" {
		t.AppRole = pc.User
	}
	return t, nil
}

// backupCmd is `homeward backup --db hub|CC --out DIR`.
func backupCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	db := fs.String("db", "", "hub or a country code")
	out := fs.String("out", "", "the new backup directory")
	if err := fs.Parse(args); err != nil || *db == "" || *out == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: backup --db hub|CC --out DIR", errUsage)
	}
	database, err := backup.ParseDatabase(*db)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	t, err := resolveOwner(ctx, database)
	if err != nil {
		return err
	}
	m, err := backup.Backup(ctx, database, t.OwnerDSN, *out)
	if err != nil {
		return err
	}
	fmt.Printf("backed up %s (migration %d) to %s: %s %d bytes, %s, %s\n", database, m.Migration, *out,
		m.Files[0].Name, m.Files[0].Size, backup.KeysetsFile, backup.ManifestFile)
	fmt.Println("the master key is not in the backup: it is needed to restore, keep it apart (docs/operations.md)")
	return nil
}

// restoreCmd is `homeward restore --db hub|CC --from DIR [--target DSN] [--replace]`.
func restoreCmd(ctx context.Context, args []string) (int, error) {
	const use = "restore --db hub|CC --from DIR [--target OWNER_DSN] [--replace]"
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	db := fs.String("db", "", "hub or a country code")
	from := fs.String("from", "", "the backup directory")
	targetDSN := fs.String("target", "", "owner-role DSN of the database to restore into (default: the configured one)")
	replace := fs.Bool("replace", false, "drop every table of a non-empty target first")
	if err := fs.Parse(args); err != nil || *db == "" || *from == "" || fs.NArg() > 0 {
		return 2, fmt.Errorf("%w: %s", errUsage, use)
	}
	database, err := backup.ParseDatabase(*db)
	if err != nil {
		return 2, fmt.Errorf("%w: %v", errUsage, err)
	}
	t, err := resolveOwner(ctx, database)
	if err != nil {
		return 1, err
	}
	if *targetDSN != "" {
		t.OwnerDSN = *targetDSN
	}
	master, err := vault.LoadMasterKey(t.MasterKey)
	if err != nil {
		return 1, err
	}
	if *replace {
		rels, err := backup.TargetRelations(ctx, t.OwnerDSN)
		if err != nil {
			return 1, err
		}
		if len(rels) > 0 {
			fmt.Printf("--replace: dropping schema public of the target with its %d relations: %s\n", len(rels), strings.Join(rels, ", "))
		}
	}
	res, err := backup.Restore(ctx, backup.RestoreOptions{Database: database, From: *from, OwnerDSN: t.OwnerDSN,
		AppRole: t.AppRole, Replace: *replace, Master: master})
	if err != nil {
		return 1, err
	}
	fmt.Printf("restored %s from %s (taken %s, migration %d): %d keysets open with the master key, %d sealed values read back\n",
		database, *from, res.Manifest.CreatedAt.Format("2006-01-02 15:04 UTC"), res.Manifest.Migration, res.Keysets, res.Sealed)
	if res.Audit != nil {
		fmt.Printf("audit chain BROKEN: %v\n", res.Audit)
		return 1, nil
	}
	fmt.Println("audit chain intact")
	return 0, nil
}
