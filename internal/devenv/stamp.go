package devenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"homeward/internal/pgcluster"
	"homeward/internal/provision"
	"homeward/migrations"
)

// stampName is the file in the cluster's root recording what was provisioned: a hash of the
// migrations, the countries and the roles. It lives with the cluster, so a new cluster has none.
const stampName = "provisioned"

// provisionOnce provisions under a lock file, skipping the work when the stamp says this cluster
// already has these databases at these migrations.
func provisionOnce(ctx context.Context, cl *pgcluster.Cluster, srv provision.Server, creds provision.Credentials, countries []string) (provision.DSNs, bool, error) {
	unlock, err := pgcluster.LockFile(ctx, filepath.Join(cl.Dir, "provision.lock"))
	if err != nil {
		return provision.DSNs{}, false, err
	}
	defer unlock()
	want, err := stamp(countries)
	if err != nil {
		return provision.DSNs{}, false, err
	}
	path := filepath.Join(cl.Root(), stampName)
	if got, err := os.ReadFile(path); err == nil && bytes.Equal(bytes.TrimSpace(got), []byte(want)) {
		return provision.Plan(srv, creds, countries), false, nil
	}
	dsns, err := provision.All(ctx, srv, creds, countries)
	if err != nil {
		return provision.DSNs{}, false, err
	}
	return dsns, true, os.WriteFile(path, []byte(want+"\n"), 0o644)
}

// stamp hashes every migration file, the countries and the role names.
func stamp(countries []string) (string, error) {
	h := sha256.New()
	for _, fsys := range []fs.FS{migrations.Hub, migrations.Store} {
		err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(fsys, path)
			if err != nil {
				return err
			}
			h.Write([]byte(path + "\x00"))
			h.Write(b)
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	h.Write([]byte(strings.Join(countries, ",") + "\x00" + strings.Join(provision.RoleNames(countries), ",")))
	return hex.EncodeToString(h.Sum(nil)), nil
}
