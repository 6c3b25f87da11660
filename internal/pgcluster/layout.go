package pgcluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// maxSocketPath is the longest unix socket path the kernel accepts (sun_path minus NUL).
const maxSocketPath = 107

// socketSuffix is the longest name PostgreSQL gives its socket inside the socket dir.
const socketSuffix = "/.s.PGSQL.65535"

// fallbackSockBase holds the socket directory when the one under Dir would be too long.
var fallbackSockBase = "/tmp"

// dirHash is a short, stable hash of an absolute path, used to name fallback locations.
func dirHash(path string) string {
	sum := sha256.Sum256([]byte(path))
	return hex.EncodeToString(sum[:])[:16]
}

// load resolves root, socket dir and port from what is on disk, creating nothing.
func (c *Cluster) load() {
	c.root = c.Dir
	if p, ok := readPointer(c.Dir); ok && filepath.IsAbs(p) {
		c.root = p
	}
	c.sockDir = c.defaultSockDir()
	if b, err := os.ReadFile(filepath.Join(c.root, sockFileName)); err == nil {
		if p := strings.TrimSpace(string(b)); filepath.IsAbs(p) {
			c.sockDir = p
		}
	}
	if c.port == 0 {
		c.port = readPort(filepath.Join(c.root, portFileName))
	}
}

// defaultSockDir is root/sock, or /tmp/homeward-sock-<hash of Dir> when the socket
// path under root would exceed the kernel limit.
func (c *Cluster) defaultSockDir() string {
	s := filepath.Join(c.root, sockDirName)
	if len(s)+len(socketSuffix) > maxSocketPath {
		return filepath.Join(fallbackSockBase, "homeward-sock-"+dirHash(c.Dir))
	}
	return s
}

// prepare resolves the layout and creates the directories. When the server user cannot reach Dir
// (we are root and Dir lies under a 0700 directory such as /root), each blocking directory on the
// way gets search permission for others (o+x: enter, not list), so the cluster lives in Dir itself
// and deleting the data directory deletes it. A cluster made by earlier versions in the /var/tmp
// fallback is still found through its pointer file.
func (c *Cluster) prepare(owner *osUser) error {
	c.load()
	_, hasPointer := readPointer(c.Dir)
	if owner != nil && !hasPointer {
		if err := grantTraversal(c.Dir, owner); err != nil {
			return err
		}
	}
	if c.root != c.Dir {
		if err := ensureDir(c.root, 0o755, nil); err != nil {
			return fmt.Errorf("pgcluster: cluster root: %w", err)
		}
	}
	if err := ensureDir(c.dataDir(), 0o700, owner); err != nil {
		return fmt.Errorf("pgcluster: data dir: %w", err)
	}
	if err := ensureDir(c.sockDir, 0o700, owner); err != nil {
		return fmt.Errorf("pgcluster: socket dir: %w", err)
	}
	if c.sockDir != filepath.Join(c.root, sockDirName) {
		if err := writeFileAtomic(filepath.Join(c.root, sockFileName), []byte(c.sockDir+"\n"), 0o644); err != nil {
			return fmt.Errorf("pgcluster: remember socket dir: %w", err)
		}
	}
	return nil
}

// readPointer returns the cluster root named by the pointer file in dir, if any.
func readPointer(dir string) (string, bool) {
	b, err := os.ReadFile(filepath.Join(dir, pointerName))
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(b)), true
}

// ensureDir creates dir with mode if missing and checks that an existing one is a real
// directory owned by the expected user (owner, or us), so a directory planted in /tmp
// by someone else is refused.
func ensureDir(dir string, mode os.FileMode, owner *osUser) error {
	wantUID := uint32(os.Geteuid())
	if owner != nil {
		wantUID = owner.uid
	}
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return err
		}
		if err := os.Mkdir(dir, mode); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
		if err := os.Chmod(dir, mode); err != nil {
			return err
		}
		if owner != nil {
			return os.Chown(dir, int(owner.uid), int(owner.gid))
		}
		return nil
	case err != nil:
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s exists and is not a directory", dir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != wantUID {
		return fmt.Errorf("%s is owned by uid %d, want %d", dir, st.Uid, wantUID)
	}
	return nil
}

// mkdirTraversable creates dir and its missing parents; as root the directories it
// creates get mode 0755 whatever the umask, so the server user can traverse them.
func mkdirTraversable(dir string, asRoot bool) error {
	first := dir
	for {
		parent := filepath.Dir(first)
		if _, err := os.Stat(parent); err == nil || parent == first {
			break
		}
		first = parent
	}
	_, statErr := os.Stat(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if !asRoot || statErr == nil {
		return nil
	}
	for p := dir; ; p = filepath.Dir(p) {
		if err := os.Chmod(p, 0o755); err != nil {
			return err
		}
		if p == first || p == filepath.Dir(p) {
			return nil
		}
	}
}

// grantTraversal adds o+x to every directory on the way to dir (dir included) that owner cannot
// search, and says so on stderr.
func grantTraversal(dir string, owner *osUser) error {
	for {
		blocked, err := firstBlockedDir(dir, owner)
		if err != nil || blocked == "" {
			return err
		}
		fi, err := os.Stat(blocked)
		if err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
		if err := os.Chmod(blocked, fi.Mode().Perm()|0o001); err != nil {
			return fmt.Errorf("pgcluster: let %s reach %s: %w", owner.name, dir, err)
		}
		fmt.Fprintf(os.Stderr, "pgcluster: %s may now enter %s (o+x) to reach the cluster in %s\n", owner.name, blocked, dir)
	}
}

// firstBlockedDir returns the first directory on the way to dir (dir included) that
// owner cannot traverse, or "" when owner can reach dir.
func firstBlockedDir(dir string, owner *osUser) (string, error) {
	var chain []string
	for p := dir; ; p = filepath.Dir(p) {
		chain = append(chain, p)
		if p == filepath.Dir(p) {
			break
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		fi, err := os.Stat(chain[i])
		if err != nil {
			return "", fmt.Errorf("pgcluster: %w", err)
		}
		if !owner.canTraverse(fi) {
			return chain[i], nil
		}
	}
	return "", nil
}

// lockDir takes an exclusive flock on Dir/lock, polling until ctx ends.
func lockDir(ctx context.Context, dir string) (func(), error) {
	return LockFile(ctx, filepath.Join(dir, lockFileName))
}

// LockFile takes an exclusive flock(2) on path (created if missing), polling until ctx ends;
// the returned function releases it. It serialises work across processes.
func LockFile(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: open lock: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				_ = f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("pgcluster: lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("pgcluster: waiting for lock %s: %w", path, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// writeFileAtomic writes data to path through a temporary file and a rename.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
