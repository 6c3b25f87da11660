package pgcluster

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const installMessage = "PostgreSQL server binaries not found: install them with `apt-get install postgresql` (Debian/Ubuntu) or set HOMEWARD_PG_BIN"

func TestMissingBinaries(t *testing.T) {
	t.Setenv("HOMEWARD_PG_BIN", t.TempDir())
	_, err := FindBinDir()
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("FindBinDir() error = %v, want ErrNoBinaries", err)
	}
	if !strings.HasPrefix(err.Error(), installMessage) {
		t.Errorf("message = %q, want it to start with %q", err, installMessage)
	}
	err = New(filepath.Join(t.TempDir(), "pg")).Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), installMessage) {
		t.Errorf("Start() error = %v, want the install message", err)
	}
}

func TestFindBinDir(t *testing.T) {
	t.Setenv("HOMEWARD_PG_BIN", "")
	dir, err := FindBinDir()
	if err != nil {
		t.Fatalf("FindBinDir: %v", err)
	}
	if !hasServerBinaries(dir) {
		t.Errorf("%s lacks the server binaries", dir)
	}
	t.Setenv("HOMEWARD_PG_BIN", dir)
	if got, err := FindBinDir(); err != nil || got != dir {
		t.Errorf("with HOMEWARD_PG_BIN=%s: %q, %v", dir, got, err)
	}
}

func TestVersionOrder(t *testing.T) {
	dirs := []string{"/usr/lib/postgresql/9.6/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/10/bin", "/usr/lib/postgresql/15/bin"}
	slices.SortFunc(dirs, func(a, b string) int { return compareVersions(versionOf(b), versionOf(a)) })
	want := []string{"/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/10/bin", "/usr/lib/postgresql/9.6/bin"}
	if !slices.Equal(dirs, want) {
		t.Errorf("order = %v, want %v", dirs, want)
	}
}

func TestDSNs(t *testing.T) {
	c := &Cluster{Dir: "/srv/pg", root: "/srv/pg", sockDir: "/srv/pg/sock", port: 54321}
	tests := []struct {
		name, got, want string
	}{
		{"admin", c.AdminDSN("hub"), "postgres://postgres@/hub?host=%2Fsrv%2Fpg%2Fsock&port=54321&sslmode=disable"},
		{"tcp", c.TCPDSN("app", "secret", "hub"), "postgres://app:secret@127.0.0.1:54321/hub?sslmode=disable"},
		{"tcp escaped", c.TCPDSN("a b", "p@ss:/#", "d b"), "postgres://a%20b:p%40ss%3A%2F%23@127.0.0.1:54321/d%20b?sslmode=disable"},
		{"tcp no password", c.TCPDSN("app", "", "hub"), "postgres://app@127.0.0.1:54321/hub?sslmode=disable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got  %s\nwant %s", tt.got, tt.want)
			}
		})
	}
}
