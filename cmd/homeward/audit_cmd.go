package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/store"
	"homeward/internal/vault"
)

// auditCmd is `homeward audit verify [--db hub|TH|KH]`: it checks each chain (all when --db is
// empty), the rows not yet sealed, and every head of it the other side recorded (a store's in the
// hub, the hub's in every store). Exit 0 when all are intact, else 1 with the first broken row.
func auditCmd(ctx context.Context, args []string) (int, error) {
	if len(args) == 0 || args[0] != "verify" {
		return 2, fmt.Errorf("%w: audit verify [--db hub|TH|KH]", errUsage)
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	which := fs.String("db", "", "hub or a country code; all when empty")
	if err := fs.Parse(args[1:]); err != nil {
		return 2, fmt.Errorf("%w: %v", errUsage, err)
	}
	cfg, env, err := configure(ctx)
	if err != nil {
		return 1, err
	}
	targets := map[string]string{audit.HubName: cfg.HubDSN}
	for cc, dsn := range cfg.StoreDSNs {
		targets[cc] = dsn
	}
	names := sortedKeys(targets)
	if *which != "" {
		key := *which
		if key != audit.HubName {
			key = strings.ToUpper(key)
		}
		if _, ok := targets[key]; !ok {
			return 2, fmt.Errorf("%w: no database %q", errUsage, *which)
		}
		names = []string{key}
	}
	load := vault.LoadMasterKey
	if env != nil {
		load = vault.LoadOrCreateMasterKey
	}
	master, err := load(cfg.MasterKeyFile)
	if err != nil {
		return 1, err
	}
	// Every database is opened: the heads of one chain are kept by the others.
	ledgers := map[string]audit.Ledger{}
	defer func() {
		for _, l := range ledgers {
			if sqlDB, e := l.DB.DB(); e == nil {
				sqlDB.Close()
			}
		}
	}()
	for name, dsn := range targets {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			return 1, err
		}
		l, err := audit.OpenLedger(ctx, name, db, master)
		if err != nil {
			ledgers[name] = audit.Ledger{Name: name, DB: db}
			return 1, err
		}
		ledgers[name] = l
	}
	broken := false
	for _, name := range names {
		rep, err := verifyLedger(ctx, ledgers, name)
		switch {
		case err == nil:
			fmt.Printf("%s: audit chain intact: %d rows sealed, %d not yet sealed%s, %d published heads checked\n",
				name, rep.Sealed, rep.Unsealed, oldest(rep), rep.Anchors)
		case errors.Is(err, audit.ErrBroken):
			fmt.Printf("%s: BROKEN: %v\n", name, err)
			broken = true
		default:
			return 1, err
		}
	}
	if broken {
		return 1, nil
	}
	return 0, nil
}

// verifyLedger checks the chain name against the heads the other side recorded for it.
func verifyLedger(ctx context.Context, ledgers map[string]audit.Ledger, name string) (audit.Report, error) {
	var others []*gorm.DB
	if name == audit.HubName {
		for n, l := range ledgers {
			if n != audit.HubName {
				others = append(others, l.DB)
			}
		}
	} else {
		others = append(others, ledgers[audit.HubName].DB)
	}
	var anchors []audit.Anchor
	for _, db := range others {
		as, err := audit.AnchorsFor(ctx, db, name)
		if err != nil {
			return audit.Report{}, err
		}
		anchors = append(anchors, as...)
	}
	l := ledgers[name]
	return audit.Check(ctx, l.DB, anchors, l.Key)
}

func oldest(rep audit.Report) string {
	if rep.Unsealed == 0 {
		return ""
	}
	return fmt.Sprintf(" (oldest waiting %s)", rep.OldestUnsealed.Round(time.Millisecond))
}
