package testdb

import (
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestDatabaseName(t *testing.T) {
	tests := []struct {
		prefix, wantBase string
	}{
		{"cases", "cases"},
		{"My Pkg-Test", "my_pkg_test"},
		{"", "test"},
		{"!!!", "test"},
		{strings.Repeat("x", 80), strings.Repeat("x", 50)},
	}
	suffix := regexp.MustCompile(`^_[0-9a-f]{12}$`)
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			a, err := databaseName(tt.prefix)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := databaseName(tt.prefix)
			if a == b {
				t.Errorf("two names for %q are equal: %s", tt.prefix, a)
			}
			if !strings.HasPrefix(a, tt.wantBase) || !suffix.MatchString(a[len(tt.wantBase):]) {
				t.Errorf("databaseName(%q) = %q, want %s_<12 hex>", tt.prefix, a, tt.wantBase)
			}
			if len(a) > maxIdentifier {
				t.Errorf("name %q longer than %d", a, maxIdentifier)
			}
		})
	}
}

func TestWithDBName(t *testing.T) {
	tests := []struct {
		name, dsn, want string
	}{
		{"url", "postgres://postgres:pw@db.example:5433/postgres?sslmode=disable", "postgres://postgres:pw@db.example:5433/cases_1?sslmode=disable"},
		{"url without db", "postgresql://postgres@localhost", "postgresql://postgres@localhost/cases_1"},
		{"url with dbname param", "postgres://postgres@/x?dbname=other&host=%2Fsock", "postgres://postgres@/cases_1?host=%2Fsock"},
		{"keyword", "host=localhost user=postgres dbname=postgres", "host=localhost user=postgres dbname=postgres dbname='cases_1'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := withDBName(tt.dsn, "cases_1")
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			cfg, err := pgconn.ParseConfig(got)
			if err != nil {
				t.Fatalf("parse %s: %v", got, err)
			}
			if cfg.Database != "cases_1" {
				t.Errorf("parsed database = %q, want cases_1", cfg.Database)
			}
		})
	}
}
