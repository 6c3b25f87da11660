package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"homeward/internal/app"
	"homeward/internal/config"
	"homeward/internal/demo"
	"homeward/internal/devenv"
	"homeward/internal/directory"
	"homeward/internal/provision"
	"homeward/internal/vault"
)

// configure reads the environment; with no DSNs it brings up the local cluster.
func configure(ctx context.Context) (config.Config, *devenv.Env, error) {
	cfg := config.FromEnv()
	if !cfg.Local() {
		return cfg, nil, nil
	}
	env, err := devenv.Up(ctx, &cfg)
	return cfg, env, err
}

// openApp opens the app on the configured or local databases (creating the master key locally).
func openApp(ctx context.Context) (*app.App, error) {
	cfg, env, err := configure(ctx)
	if err != nil {
		return nil, err
	}
	return app.Open(ctx, cfg, app.Options{CreateMasterKey: env != nil})
}

func devEnv(ctx context.Context) error {
	cfg, env, err := configure(ctx)
	if err != nil {
		return err
	}
	if env == nil {
		return errors.New("dev env works with the local cluster only: unset the HOMEWARD_*_DSN variables")
	}
	fmt.Printf("export HOMEWARD_HUB_DSN=%s\n", shellQuote(env.DSNs.Hub))
	for _, cc := range config.LocalCountries() {
		fmt.Printf("export HOMEWARD_STORE_%s_DSN=%s\n", cc, shellQuote(env.DSNs.Stores[cc]))
	}
	fmt.Printf("export HOMEWARD_ADMIN_DSN=%s\n", shellQuote(env.DSNs.Admin))
	// The key is made now, so commands run with these variables (no longer local) can open it.
	if _, err := vault.LoadOrCreateMasterKey(cfg.MasterKeyFile); err != nil {
		return err
	}
	fmt.Printf("export HOMEWARD_MASTER_KEY_FILE=%s\n", shellQuote(cfg.MasterKeyFile))
	return nil
}

func dev(ctx context.Context) error {
	cfg, env, err := configure(ctx)
	if err != nil {
		return err
	}
	if err := setupLogs(cfg); err != nil { // ops.go
		return err
	}
	if env != nil {
		defer func() {
			if err := env.Cluster.Stop(); err != nil {
				slog.Error("stop PostgreSQL", "err", err)
			}
		}()
		cfg.CookieSecure = false // plain HTTP on the loopback
	}
	a, err := app.Open(ctx, cfg, app.Options{CreateMasterKey: env != nil})
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := a.Directory.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Println("Loading demo data (first start)…")
		if err := demo.Seed(ctx, a.Directory, a.Cases, a.Stores, demo.Packets{Hub: a.Hub, Exchange: a.Exchange, Consent: a.Consent, Repatriation: a.Repatriation}); err != nil {
			return err
		}
	}
	fmt.Printf("\nHomeward is running on http://%s\n\nDemo logins (password %q):\n", cfg.Addr, demo.Password)
	for _, u := range demo.Users() {
		fmt.Println("  " + u)
	}
	fmt.Println("\nPress Ctrl-C to stop the server and the database.")
	return listen(ctx, cfg.Addr, cfg.Ops.MetricsAddr, a)
}

func serve(ctx context.Context) error {
	cfg := config.FromEnv()
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := setupLogs(cfg); err != nil { // ops.go
		return err
	}
	a, err := app.Open(ctx, cfg, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	demoUsers, err := a.Directory.HasDemoUsers(ctx)
	if err != nil {
		return err
	}
	if demoUsers {
		return errors.New("refusing to serve: the directory holds demo users with the demo password; use `homeward dev` for the demo")
	}
	slog.Info("serving", "addr", cfg.Addr)
	return listen(ctx, cfg.Addr, cfg.Ops.MetricsAddr, a)
}

func listen(ctx context.Context, addr, metricsAddr string, a *app.App) error {
	stopMetrics, err := serveMetrics(metricsAddr, a) // ops.go
	if err != nil {
		return err
	}
	defer stopMetrics()
	srv := &http.Server{Addr: addr, Handler: a.Server.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 2 * time.Minute, WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	// The background work (relay, expiry, the stores' sync, the audit sealer and anchors, record
	// linkage's encode and publish) runs as River jobs in each database (internal/jobs); App.Close
	// stops them, then seals one last time.
	if err := a.StartJobs(ctx); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

func migrate(ctx context.Context) error {
	cfg, env, err := configure(ctx)
	if err != nil {
		return err
	}
	if env != nil {
		fmt.Println("migrated the local hub and stores")
		return nil
	}
	// Against existing servers, migrations run as each database's owner role.
	owners := map[string]provision.Database{"HOMEWARD_HUB_OWNER_DSN": provision.HubDatabase()}
	for _, cc := range cfg.Countries() {
		owners["HOMEWARD_STORE_"+cc+"_OWNER_DSN"] = provision.StoreDatabase(cc)
	}
	for name, d := range owners {
		dsn := config.Getenv(name)
		if dsn == "" {
			return fmt.Errorf("%s is not set: migrations run as the database's owner role", name)
		}
		if err := provision.MigrateDSN(ctx, dsn, d); err != nil {
			return err
		}
		fmt.Println("migrated", d.Name)
	}
	return nil
}

func seedDemo(ctx context.Context) error {
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := demo.Seed(ctx, a.Directory, a.Cases, a.Stores, demo.Packets{Hub: a.Hub, Exchange: a.Exchange, Consent: a.Consent, Repatriation: a.Repatriation}); err != nil {
		return err
	}
	fmt.Println("demo data loaded")
	return nil
}

func token(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "revoke") {
		return fmt.Errorf("%w: token create --user EMAIL [--days N] | token revoke --id ID | token revoke --token TOKEN", errUsage)
	}
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	user := fs.String("user", "", "user email")
	agency := fs.String("agency", "", "agency slug, when the user belongs to several")
	label := fs.String("label", "", "a label for the token")
	id := fs.String("id", "", "token id (revoke)")
	value := fs.String("token", "", "the token itself (revoke)")
	days := fs.Int("days", 0, "days the token lives (default 30, at most 90)")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	lifetime, err := directory.TokenLifetime(*days)
	if err != nil {
		return fmt.Errorf("%w: --days must be between 1 and %d", errUsage, int(directory.MaxTokenLifetime.Hours()/24))
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	if args[0] == "revoke" {
		switch {
		case *value != "":
			err = a.Directory.RevokeTokenValue(ctx, "", *value)
		case *id != "":
			err = a.Directory.RevokeToken(ctx, "", *id)
		default:
			return fmt.Errorf("%w: --id or --token is required", errUsage)
		}
		if err == nil {
			fmt.Println("token revoked")
		}
		return err
	}
	if *user == "" {
		return fmt.Errorf("%w: --user is required", errUsage)
	}
	tok, _, err := a.Directory.CreateTokenFor(ctx, *user, *agency, *label, lifetime)
	if err != nil {
		return err
	}
	fmt.Println(tok)
	return nil
}
