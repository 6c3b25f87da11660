// Package devenv runs Homeward on a project-local PostgreSQL cluster: it starts the cluster under the
// data directory, creates the hub and store databases with their roles, migrates them, and returns
// the configuration that points at them.
package devenv

import (
	"context"
	"fmt"
	"path/filepath"

	"homeward/internal/config"
	"homeward/internal/pgcluster"
	"homeward/internal/provision"
)

// Env is a running local environment.
type Env struct {
	Cluster *pgcluster.Cluster
	DSNs    provision.DSNs
	// Provisioned is true when this call created or migrated the databases, false when the
	// cluster already had them at these migrations.
	Provisioned bool
}

// Up starts (or reuses) the cluster in cfg.DataDir, provisions and migrates every database unless
// that was already done for these migrations, and fills cfg's DSNs and master key file. Calls from
// several processes at once are serialised, so parallel commands do not provision concurrently.
func Up(ctx context.Context, cfg *config.Config) (*Env, error) {
	cl := pgcluster.New(filepath.Join(cfg.DataDir, "pg"))
	if err := cl.Start(ctx); err != nil {
		return nil, fmt.Errorf("start local PostgreSQL: %w", err)
	}
	countries := config.LocalCountries()
	creds, err := provision.LoadOrCreateCredentials(filepath.Join(cfg.DataDir, "credentials.json"), provision.RoleNames(countries)...)
	if err != nil {
		return nil, err
	}
	srv := provision.Server{AdminDSN: cl.AdminDSN("postgres"), Host: "127.0.0.1", Port: cl.Port()}
	dsns, provisioned, err := provisionOnce(ctx, cl, srv, creds, countries)
	if err != nil {
		return nil, err
	}
	cfg.HubDSN, cfg.AdminDSN = dsns.Hub, dsns.Admin
	cfg.StoreDSNs = dsns.Stores
	if cfg.MasterKeyFile == "" {
		cfg.MasterKeyFile = MasterKeyFile(cfg.DataDir)
	}
	return &Env{Cluster: cl, DSNs: dsns, Provisioned: provisioned}, nil
}

// MasterKeyFile is where the local environment keeps its master key.
func MasterKeyFile(dataDir string) string {
	abs, err := filepath.Abs(filepath.Join(dataDir, "master.key"))
	if err != nil {
		return filepath.Join(dataDir, "master.key")
	}
	return abs
}
