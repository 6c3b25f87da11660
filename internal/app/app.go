// Package app wires Homeward together: databases, keys, policy, services and the web server.
package app

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"gorm.io/gorm"

	"homeward/internal/attachments"
	"homeward/internal/audit"
	"homeward/internal/auditlog"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/closure"
	"homeward/internal/complaints"
	"homeward/internal/config"
	"homeward/internal/consent"
	"homeward/internal/crossmatch"
	"homeward/internal/dashboard"
	"homeward/internal/directory"
	"homeward/internal/exchange"
	"homeward/internal/exports"
	"homeward/internal/handover"
	"homeward/internal/health"
	"homeward/internal/imports"
	"homeward/internal/investigation"
	"homeward/internal/jobs"
	"homeward/internal/jointreport"
	"homeward/internal/locale"
	"homeward/internal/metrics"
	"homeward/internal/mfa"
	"homeward/internal/notes"
	"homeward/internal/notify"
	"homeward/internal/operations"
	"homeward/internal/personlink"
	"homeward/internal/reintegration"
	"homeward/internal/repatriation"
	"homeward/internal/reports"
	"homeward/internal/resume"
	"homeward/internal/screening"
	"homeward/internal/services"
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
	// Audit is the auditor's console over the stores' and the hub's logs.
	Audit *auditlog.Service
	// Sealer chains the audit rows of the hub and every store and publishes their heads (sealer.go).
	Sealer *audit.Sealer
	// Health answers readiness with its own pools and tracks outages; Metrics is nil when
	// HOMEWARD_METRICS_ADDR is empty (ops.go).
	Health  *health.Checker
	Metrics *metrics.Registry
	// Linkage publishes the stores' record-linkage encodings to the hub and shows its candidates.
	Linkage *crossmatch.Service
	// Dashboard computes the home page's panels and the digests' counts.
	Dashboard *dashboard.Service
	// Notify sends the e-mail digests; nil without HOMEWARD_SMTP_URL (notify.go).
	Notify *notify.Service
	// Jobs runs the background work as River jobs in each database (jobs.go).
	Jobs     *jobs.Runner
	jobPools []*pgxpool.Pool
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
	proxies, err := cfg.ProxyRanges()
	if err != nil {
		return nil, err
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
	objects, err := openObjects(ctx, cfg, a.Stores.Countries()) // objects.go: local directory or S3
	if err != nil {
		return nil, err
	}
	// Free text stored in clear by earlier versions is sealed before anything is served (sealing.go).
	if err := sealLegacy(ctx, a.Stores); err != nil {
		return nil, err
	}
	// Every store holds the same linkage key (issue 15), created on first start.
	if err := personlink.EnsureKey(ctx, master, a.Stores); err != nil {
		return nil, err
	}
	a.Linkage = crossmatch.New(hub, a.Stores, master)
	a.Directory = directory.New(hub, policy)
	a.Cases = cases.New(a.Stores)
	a.Exchange = exchange.New(hub, a.Stores, master)
	// Closing a case by a transition revokes its outstanding packets, as closure approval does.
	a.Cases.OnClosed(a.Exchange.RevokeForCase)
	// Withdrawing (or refusing) a consent revokes the outstanding packets relying on it.
	a.Consent = consent.New(a.Stores).OnNoLongerInForce(a.Exchange.RevokeForCase)
	// Repatriation requests to embassies: what they carry, and how the embassies' replies apply.
	a.Repatriation = repatriation.New(a.Stores, a.Exchange, repatriation.DirectoryEmbassies(a.Directory))
	// Handover at the border: the projection of a person, the new case on acceptance, the answer back.
	ho := handover.New(hub, a.Stores, a.Exchange, a.Directory)
	// Every packet kind, registered once (kinds.go).
	a.registerKinds(ho)
	a.Audit = auditlog.New(hub, a.Stores)
	if a.Sealer, err = openSealer(ctx, hub, a.Stores, master); err != nil {
		return nil, err
	}
	a.Audit.Anchored(a.Sealer.Stores()...) // the console's chain check also checks the heads in the hub
	dash := dashboard.New(hub, a.Stores, overdueSteps(a.Repatriation))
	a.Dashboard = dash
	if a.MFA, err = mfa.New(hub, master, cfg.PublicURL); err != nil {
		return nil, err
	}
	if a.Notify, err = openNotify(cfg, hub, a.Directory, dash, bundle); err != nil { // notify.go
		return nil, err
	}
	if err := a.openJobs(ctx, cfg); err != nil { // jobs.go
		return nil, err
	}
	ops, err := a.openOps(cfg) // ops.go
	if err != nil {
		return nil, err
	}
	a.objectsReady(objects) // objects.go: /readyz checks the object store too
	a.Server, err = web.New(web.Deps{Ops: ops, Hub: hub, Stores: a.Stores, Policy: policy, Directory: a.Directory,
		Cases: a.Cases, Exchange: a.Exchange, Consent: a.Consent, Dashboard: dash, Bundle: bundle, CookieSecure: cfg.CookieSecure,
		Services: web.Services{
			Operations:    operations.New(a.Stores, hub),
			Imports:       imports.New(a.Stores, a.Cases),
			Screening:     screening.New(a.Stores),
			Investigation: investigation.New(a.Stores),
			Notes:         notes.New(a.Stores),
			Attachments:   attachments.New(a.Stores, objects),
			Repatriation:  a.Repatriation,
			Handover:      ho,
			Support:       services.New(a.Stores, a.Directory, a.Exchange),
			Reintegration: reintegration.New(a.Stores),
			Closure:       closure.New(a.Stores, a.Cases, a.Exchange),
			Reports:       reports.New(a.Stores),
			JointReport:   jointreport.New(a.Stores),
			Complaints:    complaints.New(a.Stores),
			Exports:       exports.New(a.Stores, a.Cases),
			Linkage:       a.Linkage,
			Jobs:          jobs.NewFailures(a.Stores),
		},
		TrustedProxies: proxies, Audit: a.Audit, PublicURL: cfg.PublicURL, MFA: a.MFA, Resume: resume.New(hub)})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Close closes every pool.
func (a *App) Close() {
	if a.Audit != nil {
		a.Audit.Wait() // a chain check still running ends before its pool closes
	}
	a.closeJobs() // jobs.go: a job still running ends before the sealer's last flush
	if a.Sealer != nil {
		a.Sealer.Flush() // rows this process wrote are sealed and anchored before its pools close
	}
	if a.Health != nil {
		a.Health.Close()
	}
	a.Stores.Close()
	if sqlDB, err := a.Hub.DB(); err == nil {
		sqlDB.Close()
	}
}
