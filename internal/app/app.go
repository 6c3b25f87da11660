// Package app wires Homeward together: databases, keys, policy, services and the web server.
package app

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/config"
	"homeward/internal/consent"
	"homeward/internal/dashboard"
	"homeward/internal/directory"
	"homeward/internal/exchange"
	"homeward/internal/handover"
	"homeward/internal/locale"
	"homeward/internal/mfa"
	"homeward/internal/repatriation"
	"homeward/internal/store"
	"homeward/internal/vault"
	"homeward/internal/web"
)

// App is a wired Homeward.
type App struct {
	Hub       *gorm.DB
	Stores    *store.Set
	Policy    *authz.Policy
	Directory *directory.Service
	Cases     *cases.Service
	Exchange  *exchange.Service
	Consent   *consent.Service
	Server    *web.Server
	// MFA holds the second factors (TOTP, recovery codes, passkeys).
	MFA *mfa.Service

	// Repatriation is the repatriation section, its embassy requests and their replies.
	Repatriation *repatriation.Service
}

// Options tune Open.
type Options struct {
	// CreateMasterKey creates the master key file when missing (development only).
	CreateMasterKey bool
}

// Open connects to the hub and every store of cfg and builds the services and server.
func Open(ctx context.Context, cfg config.Config, opt Options) (*App, error) {
	load := vault.LoadMasterKey
	if opt.CreateMasterKey {
		load = vault.LoadOrCreateMasterKey
	}
	master, err := load(cfg.MasterKeyFile)
	if err != nil {
		return nil, err
	}
	hub, err := store.Open(ctx, cfg.HubDSN)
	if err != nil {
		return nil, fmt.Errorf("hub: %w", err)
	}
	var opened []*store.Store
	for _, cc := range cfg.Countries() {
		st, err := store.OpenStore(ctx, cc, cfg.StoreDSNs[cc], master)
		if err != nil {
			return nil, err
		}
		opened = append(opened, st)
	}
	policy, err := authz.LoadPolicy()
	if err != nil {
		return nil, err
	}
	bundle, err := locale.Load()
	if err != nil {
		return nil, err
	}
	a := &App{Hub: hub, Stores: store.NewSet(opened...), Policy: policy}
	// Free text stored in clear by earlier versions is sealed before anything is served (sealing.go).
	if err := sealLegacy(ctx, a.Stores); err != nil {
		return nil, err
	}
	a.Directory = directory.New(hub, policy)
	a.Cases = cases.New(a.Stores)
	a.Exchange = exchange.New(hub, a.Stores, master)
	// Closing a case by a transition revokes its outstanding packets, as closure approval does.
	a.Cases.OnClosed(a.Exchange.RevokeForCase)
	// Withdrawing (or refusing) a consent revokes the outstanding packets relying on it.
	a.Consent = consent.New(a.Stores).OnNoLongerInForce(a.Exchange.RevokeForCase)
	// Repatriation requests to embassies: what they carry, and how the embassies' replies apply.
	a.Repatriation = repatriation.New(a.Stores, a.Exchange, repatriation.DirectoryEmbassies(a.Directory))
	a.Exchange.Project(exchange.KindRepatriation, a.Repatriation.Project)
	a.Exchange.Apply(exchange.KindRepatriation, a.Repatriation.Apply)
	a.Exchange.CheckReplies(exchange.KindRepatriation, a.Repatriation.CheckReply)
	// Handover at the border: the projection of a person, the new case on acceptance, the answer back.
	handover.New(hub, a.Stores, a.Exchange, a.Directory).Register(a.Exchange)
	// Services and NGO referrals (support.go); the dashboards of the home page.
	registerSupport(a.Exchange)
	dash := dashboard.New(hub, a.Stores, overdueSteps(a.Repatriation))
	if a.MFA, err = mfa.New(hub, master, cfg.PublicURL); err != nil {
		return nil, err
	}
	a.Server, err = web.New(web.Deps{Hub: hub, Stores: a.Stores, Policy: policy, Directory: a.Directory,
		Cases: a.Cases, Exchange: a.Exchange, Consent: a.Consent, Dashboard: dash, Bundle: bundle, CookieSecure: cfg.CookieSecure,
		MFA: a.MFA})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Close closes every pool.
func (a *App) Close() {
	a.Stores.Close()
	if sqlDB, err := a.Hub.DB(); err == nil {
		sqlDB.Close()
	}
}
