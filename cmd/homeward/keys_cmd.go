package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"homeward/internal/backup"
	"homeward/internal/sealed"
	"homeward/internal/store"
	"homeward/internal/vault"
)

// errInterrupted marks a rotation stopped before its end.
var errInterrupted = errors.New("interrupted")

// keysCmd is `homeward keys rotate --db CC`: a new primary AEAD key for the store, every sealed
// value re-sealed under it; rerun after an interruption, it resumes.
func keysCmd(ctx context.Context, args []string) (int, error) {
	const use = "keys rotate --db CC | keys init --out FILE"
	if len(args) > 0 && args[0] == "init" {
		return keysInit(args[1:]) // keys_init_cmd.go
	}
	if len(args) == 0 || args[0] != "rotate" {
		return 2, fmt.Errorf("%w: %s", errUsage, use)
	}
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	db := fs.String("db", "", "the store's country code")
	if err := fs.Parse(args[1:]); err != nil || *db == "" || fs.NArg() > 0 {
		return 2, fmt.Errorf("%w: %s", errUsage, use)
	}
	cc, err := backup.ParseDatabase(*db)
	if err != nil || cc == "hub" {
		return 2, fmt.Errorf("%w: keys rotate rotates a store's keyset: --db must be a country code", errUsage)
	}
	t, err := resolveOwner(ctx, cc)
	if err != nil {
		return 1, err
	}
	master, err := vault.LoadMasterKey(t.MasterKey)
	if err != nil {
		return 1, err
	}
	gdb, err := store.Open(ctx, t.OwnerDSN)
	if err != nil {
		return 1, err
	}
	defer func() {
		if sqlDB, err := gdb.DB(); err == nil {
			sqlDB.Close()
		}
	}()
	r, err := sealed.Rotate(ctx, gdb, master, cc)
	verb := "rotated"
	if r.Resumed {
		verb = "resumed the rotation of"
	}
	switch {
	case errors.Is(err, context.Canceled):
		return 1, fmt.Errorf("%w after re-sealing %d values under key %d: run `homeward keys rotate --db %s` again to resume", errInterrupted, r.Resealed, r.KeyID, cc)
	case err != nil:
		return 1, err
	case !r.Finished:
		fmt.Printf("%s %s: new primary key %d, %d values re-sealed, %d still under older keys (written by a process that had not yet picked up the new key): run keys rotate again\n",
			verb, cc, r.KeyID, r.Resealed, r.Remaining)
		return 1, nil
	}
	fmt.Printf("%s %s: new primary key %d, %d values re-sealed; earlier keys stay in the keyset for attachment contents\n", verb, cc, r.KeyID, r.Resealed)
	return 0, nil
}
