package pgcluster

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnreachableAncestor(t *testing.T) {
	private := t.TempDir() // mode 0700, owned by the test user
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(private, "project", ".data", "pg")
	c := startCluster(t, dir)
	root := c.Root()

	if root != dir {
		t.Fatalf("Root() = %q, want the cluster in Dir %q", root, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, pointerName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pointer file written: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, dataDirName, "PG_VERSION")); err != nil {
		t.Errorf("data dir not in Dir: %v", err)
	}
	fi, err := os.Stat(private)
	if err != nil {
		t.Fatal(err)
	}
	want := os.FileMode(0o700)
	if os.Geteuid() == 0 {
		want = 0o701 // the postgres user may enter, not list
	}
	if fi.Mode().Perm() != want {
		t.Errorf("ancestor mode %v, want %v", fi.Mode().Perm(), want)
	}
	if _, err := os.Stat(filepath.Join(dir, logFileName)); err != nil {
		t.Errorf("log not in Dir: %v", err)
	}
	queryString(t, c.AdminDSN("postgres"), "SELECT 'up'")

	// Another Cluster value (a later process) finds the same cluster.
	again := New(dir)
	if err := again.Start(context.Background()); err != nil {
		t.Fatalf("second start: %v", err)
	}
	if again.Root() != root || again.Port() != c.Port() {
		t.Errorf("second cluster root %q port %d, want %q %d", again.Root(), again.Port(), root, c.Port())
	}
	if err := again.Remove(); err != nil {
		t.Fatalf("remove: %v", err)
	}
	for _, p := range []string{root, dir} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists after Remove: %v", p, err)
		}
	}
}

func TestLongDirUsesShortSocketDir(t *testing.T) {
	dir := filepath.Join(reachableDir(t), strings.Repeat("long-directory-name-", 6), "pg")
	c := startCluster(t, dir)
	sock := c.SocketDir()
	if want := filepath.Join(fallbackSockBase, "homeward-sock-"+dirHash(dir)); sock != want {
		t.Fatalf("SocketDir() = %q, want %q", sock, want)
	}
	if len(sock)+len(socketSuffix) > maxSocketPath {
		t.Errorf("socket path too long: %d", len(sock)+len(socketSuffix))
	}
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("socket dir mode %v, want 0700", fi.Mode().Perm())
	}
	queryString(t, c.AdminDSN("postgres"), "SELECT 'up'")
	if got := New(dir).SocketDir(); got != sock {
		t.Errorf("remembered socket dir = %q, want %q", got, sock)
	}
	if err := c.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket dir left after Remove: %v", err)
	}
}

func TestStartFailureShowsLog(t *testing.T) {
	dir := filepath.Join(reachableDir(t), "pg")
	c := startCluster(t, dir)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(c.Root(), dataDirName, "postgresql.conf")
	f, err := os.OpenFile(conf, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\nhomeward_bogus_setting = 1\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()

	err = New(dir).Start(context.Background())
	if err == nil {
		t.Fatal("start with a broken config succeeded")
	}
	for _, want := range []string{"last lines of", "homeward_bogus_setting"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
