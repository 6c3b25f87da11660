package provision

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// Server says how to reach a PostgreSQL server: a superuser DSN for setup, and host and port for the
// roles' own TCP connections.
type Server struct {
	AdminDSN string
	Host     string
	Port     int
}

// DSNs are the connection strings of a provisioned deployment.
type DSNs struct {
	Admin       string
	Hub         string            // app role
	HubOwner    string            // owner role
	Stores      map[string]string // country -> app role
	StoreOwners map[string]string // country -> owner role
}

// RoleDSN is a password DSN for one role and database on srv.
func (srv Server) RoleDSN(role, password, dbname string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(role, password), Host: fmt.Sprintf("%s:%d", srv.Host, srv.Port), Path: "/" + dbname}
	u.RawQuery = "sslmode=disable"
	return u.String()
}

// Credentials are role passwords, kept in a 0600 file in the data directory.
type Credentials map[string]string

// LoadOrCreateCredentials reads path, adding a random password for each missing role.
func LoadOrCreateCredentials(path string, roles ...string) (Credentials, error) {
	c := Credentials{}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	changed := false
	for _, r := range roles {
		if c[r] == "" {
			c[r] = randomPassword()
			changed = true
		}
	}
	if changed {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		b, _ := json.MarshalIndent(c, "", "  ")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
	}
	return c, nil
}

func randomPassword() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// All creates the roles and databases on srv if missing, migrates them and returns their DSNs.
func All(ctx context.Context, srv Server, creds Credentials, countries []string) (DSNs, error) {
	admin, err := sql.Open("pgx", srv.AdminDSN)
	if err != nil {
		return DSNs{}, err
	}
	defer admin.Close()
	if err := RestrictServer(ctx, admin); err != nil {
		return DSNs{}, err
	}
	dbs := databases(countries)
	// Roles first: Lockdown names every database's app role.
	for _, d := range dbs {
		for _, role := range []string{d.Owner, d.App} {
			if err := EnsureRole(ctx, admin, role, creds[role]); err != nil {
				return DSNs{}, err
			}
		}
	}
	for _, d := range dbs {
		if err := EnsureDatabase(ctx, admin, d, ""); err != nil {
			return DSNs{}, err
		}
		if err := migrateWith(ctx, srv.RoleDSN(d.Owner, creds[d.Owner], d.Name), d); err != nil {
			return DSNs{}, err
		}
	}
	return Plan(srv, creds, countries), nil
}

// Plan returns the DSNs All provisions, without touching the server.
func Plan(srv Server, creds Credentials, countries []string) DSNs {
	out := DSNs{Admin: srv.AdminDSN, Stores: map[string]string{}, StoreOwners: map[string]string{}}
	for i, d := range databases(countries) {
		ownerDSN := srv.RoleDSN(d.Owner, creds[d.Owner], d.Name)
		appDSN := srv.RoleDSN(d.App, creds[d.App], d.Name)
		if i == 0 {
			out.Hub, out.HubOwner = appDSN, ownerDSN
		} else {
			out.Stores[countries[i-1]], out.StoreOwners[countries[i-1]] = appDSN, ownerDSN
		}
	}
	return out
}

// databases are the hub's and then each country store's, in the order of countries.
func databases(countries []string) []Database {
	dbs := []Database{HubDatabase()}
	for _, cc := range countries {
		dbs = append(dbs, StoreDatabase(cc))
	}
	return dbs
}

// RoleNames lists every role All creates for these countries.
func RoleNames(countries []string) []string {
	dbs := []Database{HubDatabase()}
	for _, cc := range countries {
		dbs = append(dbs, StoreDatabase(cc))
	}
	var out []string
	for _, d := range dbs {
		out = append(out, d.Owner, d.App)
	}
	return out
}

func migrateWith(ctx context.Context, ownerDSN string, d Database) error {
	owner, err := sql.Open("pgx", ownerDSN)
	if err != nil {
		return err
	}
	defer owner.Close()
	return Migrate(ctx, owner, d)
}

// MigrateDSN applies d's migrations through a DSN of its owner role.
func MigrateDSN(ctx context.Context, ownerDSN string, d Database) error {
	return migrateWith(ctx, ownerDSN, d)
}
