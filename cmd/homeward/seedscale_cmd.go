package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"homeward/internal/app"
	"homeward/internal/config"
	"homeward/internal/seedscale"
)

// seedScale is `homeward seed-scale --persons N [--store CC,...] [--seed S]`: development only,
// it fills the local stores with N generated persons each (internal/seedscale) and prints the rate.
func seedScale(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("seed-scale", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	persons := fs.Int("persons", 0, "persons to add to each store")
	stores := fs.String("store", "", "comma-separated stores to fill (default: every store)")
	seed := fs.Uint64("seed", 0, "generator seed (same seed, same persons)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *persons <= 0 || fs.NArg() > 0 {
		return fmt.Errorf("%w: seed-scale --persons N [--store CC,...] [--seed S]", errUsage)
	}
	cfg, env, err := configure(ctx)
	if err != nil {
		return err
	}
	if err := devOnly(cfg); err != nil {
		return err
	}
	a, err := app.Open(ctx, cfg, app.Options{CreateMasterKey: env != nil})
	if err != nil {
		return err
	}
	defer a.Close()
	if demo, err := a.Directory.HasDemoUsers(ctx); err != nil || !demo {
		return fmt.Errorf("refusing seed-scale: it is for development databases holding the demo users (run seed-demo first): %v", err)
	}
	countries := a.Stores.Countries()
	if *stores != "" {
		countries = strings.Split(strings.ToUpper(*stores), ",")
	}
	for _, cc := range countries {
		st, err := a.Stores.For(cc)
		if err != nil {
			return fmt.Errorf("store %q: %w", cc, err)
		}
		dir, err := seedscale.DirectoryFromHub(ctx, a.Hub, cc)
		if err != nil {
			return err
		}
		dsn, err := adminDSNFor(cfg.AdminDSN, cfg.StoreDSNs[cc])
		if err != nil {
			return err
		}
		stats, err := seedscale.Fill(ctx, dsn, st.Keys, dir, seedscale.Options{Persons: *persons, Seed: *seed, Analyze: true})
		if err != nil {
			return fmt.Errorf("store %s: %w", cc, err)
		}
		fmt.Printf("%s: %d persons in %s (%.0f persons/s)\n", cc, stats.Rows["persons"], stats.Elapsed.Round(time.Millisecond), stats.Rate())
		names := make([]string, 0, len(stats.Rows))
		for t := range stats.Rows {
			names = append(names, t)
		}
		slices.Sort(names)
		for _, t := range names {
			fmt.Printf("  %-26s %d\n", t, stats.Rows[t])
		}
		fmt.Print(stats.PhaseReport())
	}
	return nil
}

// devOnly refuses a configuration that is not a development one: it needs the superuser DSN of
// `homeward dev env` (HOMEWARD_ADMIN_DSN) on this machine (loopback or socket), and every store on
// that server (the same port).
func devOnly(cfg config.Config) error {
	if cfg.AdminDSN == "" {
		return errors.New("refusing seed-scale: development only, and HOMEWARD_ADMIN_DSN is not set (use the local cluster, or the exports of `homeward dev env`)")
	}
	admin, err := pgconn.ParseConfig(cfg.AdminDSN)
	if err != nil {
		return fmt.Errorf("HOMEWARD_ADMIN_DSN: %w", err)
	}
	if !loopback(admin.Host) {
		return fmt.Errorf("refusing seed-scale: the admin server %s is not on this machine", admin.Host)
	}
	for cc, dsn := range cfg.StoreDSNs {
		c, err := pgconn.ParseConfig(dsn)
		if err != nil {
			return fmt.Errorf("store %s DSN: %w", cc, err)
		}
		if !loopback(c.Host) || c.Port != admin.Port {
			return fmt.Errorf("refusing seed-scale: store %s is on %s:%d, not on the admin server (port %d of this machine)", cc, c.Host, c.Port, admin.Port)
		}
	}
	return nil
}

func loopback(host string) bool {
	if strings.HasPrefix(host, "/") || host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// adminDSNFor is the admin DSN pointed at the database of storeDSN.
func adminDSNFor(adminDSN, storeDSN string) (string, error) {
	c, err := pgconn.ParseConfig(storeDSN)
	if err != nil {
		return "", err
	}
	if u, err := url.Parse(adminDSN); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Del("dbname")
		u.Path, u.RawQuery = "/"+c.Database, q.Encode()
		return u.String(), nil
	}
	return adminDSN + " dbname='" + strings.ReplaceAll(c.Database, "'", `\'`) + "'", nil
}
