package pgcluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNoBinaries reports that no PostgreSQL server binaries were found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries not found: install them with `apt-get install postgresql` (Debian/Ubuntu) or set HOMEWARD_PG_BIN")

// serverBinaries are the programs a cluster needs from the bin directory.
var serverBinaries = []string{"initdb", "pg_ctl", "postgres", "pg_isready"}

// FindBinDir returns the directory with the PostgreSQL server binaries:
// $HOMEWARD_PG_BIN if set, else the highest /usr/lib/postgresql/*/bin, else the
// directory of pg_ctl on PATH. The error wraps ErrNoBinaries.
func FindBinDir() (string, error) {
	if d := os.Getenv("HOMEWARD_PG_BIN"); d != "" {
		if !hasServerBinaries(d) {
			return "", fmt.Errorf("%w (HOMEWARD_PG_BIN=%s lacks %s)", ErrNoBinaries, d, strings.Join(serverBinaries, ", "))
		}
		return filepath.Abs(d)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return compareVersions(versionOf(b), versionOf(a)) })
	for _, d := range dirs {
		if hasServerBinaries(d) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		candidates := []string{filepath.Dir(p)}
		if real, err := filepath.EvalSymlinks(p); err == nil {
			candidates = append(candidates, filepath.Dir(real))
		}
		for _, d := range candidates {
			if hasServerBinaries(d) {
				return filepath.Abs(d)
			}
		}
	}
	return "", ErrNoBinaries
}

func hasServerBinaries(dir string) bool {
	for _, name := range serverBinaries {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// versionOf extracts "15" or "9.6" from /usr/lib/postgresql/VERSION/bin.
func versionOf(binDir string) []int {
	var v []int
	for _, part := range strings.Split(filepath.Base(filepath.Dir(binDir)), ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			break
		}
		v = append(v, n)
	}
	return v
}

func compareVersions(a, b []int) int { return slices.Compare(a, b) }

// osUser is the unprivileged user the server runs as when we are root.
type osUser struct {
	name string
	uid  uint32
	gid  uint32
	gids []uint32
}

// lookupOwner returns the "postgres" OS user when running as root, else nil (the server
// runs as the current user).
func lookupOwner() (*osUser, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(superuserName)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: running as root, and PostgreSQL refuses to run as root, but there is no OS user %q to run it as "+
			"(create it with `useradd --system --home-dir /var/lib/postgresql postgres`, or run as an ordinary user): %w", superuserName, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: uid of %s: %w", u.Username, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: gid of %s: %w", u.Username, err)
	}
	o := &osUser{name: u.Username, uid: uint32(uid), gid: uint32(gid)}
	groups, _ := u.GroupIds()
	for _, g := range groups {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			o.gids = append(o.gids, uint32(n))
		}
	}
	return o, nil
}

// canTraverse reports whether the user may search (x) the directory described by fi.
func (o *osUser) canTraverse(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	mode := fi.Mode().Perm()
	switch {
	case st.Uid == o.uid:
		return mode&0o100 != 0
	case st.Gid == o.gid || slices.Contains(o.gids, st.Gid):
		return mode&0o010 != 0
	default:
		return mode&0o001 != 0
	}
}

// runner runs the PostgreSQL programs, as the server user when we are root.
type runner struct {
	bin   string
	owner *osUser
	dir   string
}

func (r runner) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(r.bin, name), args...)
	cmd.Dir = r.dir
	cmd.Env = cleanEnv()
	if r.owner != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{
			Uid: r.owner.uid, Gid: r.owner.gid, Groups: r.owner.gids,
		}}
	}
	return cmd
}

// cleanEnv is the environment without PG* variables, which would redirect the tools.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

// initdb creates the cluster in data/, trying locale C.UTF-8 and then C.
func (c *Cluster) initdb(ctx context.Context, r runner) error {
	var failures []string
	for _, locale := range []string{"C.UTF-8", "C"} {
		if err := clearDir(c.dataDir()); err != nil {
			return fmt.Errorf("pgcluster: clear data dir: %w", err)
		}
		args := []string{"-D", c.dataDir(), "--auth-local=trust", "--auth-host=scram-sha-256",
			"-U", superuserName, "--encoding=UTF8", "--locale=" + locale}
		if c.Fast {
			args = append(args, "--no-sync")
		}
		out, err := r.command(ctx, "initdb", args...).CombinedOutput()
		if err == nil {
			include := "\n# Added by homeward pgcluster: port, sockets and tuning.\ninclude_if_exists = '" + confFileName + "'\n"
			f, err := os.OpenFile(filepath.Join(c.dataDir(), "postgresql.conf"), os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return fmt.Errorf("pgcluster: open postgresql.conf: %w", err)
			}
			_, werr := f.WriteString(include)
			if err := errors.Join(werr, f.Close()); err != nil {
				return fmt.Errorf("pgcluster: write postgresql.conf: %w", err)
			}
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("pgcluster: initdb: %w", ctx.Err())
		}
		failures = append(failures, fmt.Sprintf("--locale=%s: %v\n%s", locale, err, strings.TrimSpace(string(out))))
	}
	return fmt.Errorf("pgcluster: initdb %s failed:\n%s", c.dataDir(), strings.Join(failures, "\n"))
}

// clearDir removes everything inside dir, keeping dir itself.
func clearDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// writeConf writes data/homeward.conf, included from postgresql.conf.
func (c *Cluster) writeConf(r runner) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by homeward pgcluster at every start; edits are lost.\n")
	fmt.Fprintf(&b, "listen_addresses = '127.0.0.1'\nport = %d\n", c.port)
	fmt.Fprintf(&b, "unix_socket_directories = '%s'\n", strings.ReplaceAll(c.sockDir, "'", "''"))
	fmt.Fprintf(&b, "max_connections = 200\nshared_buffers = '128MB'\n")
	if c.Fast {
		fmt.Fprintf(&b, "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
		// No WAL for index builds and bulk loads into new relations (seed-scale rebuilds the indexes
		// of millions of rows); fewer checkpoints during a fill. Nothing replicates a test cluster.
		fmt.Fprintf(&b, "wal_level = minimal\nmax_wal_senders = 0\nmax_wal_size = '2GB'\n")
	}
	path := filepath.Join(c.dataDir(), confFileName)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("pgcluster: write %s: %w", path, err)
	}
	if r.owner != nil {
		if err := os.Chown(path, int(r.owner.uid), int(r.owner.gid)); err != nil {
			return fmt.Errorf("pgcluster: chown %s: %w", path, err)
		}
	}
	return nil
}

// pidInfo is what postmaster.pid says about a running server.
type pidInfo struct {
	pid     int
	port    int
	sockDir string
}

// running reports whether the cluster's server runs: postmaster.pid exists and
// pg_ctl status agrees.
func (c *Cluster) running(ctx context.Context, r runner) (pidInfo, bool) {
	b, err := os.ReadFile(filepath.Join(c.dataDir(), "postmaster.pid"))
	if err != nil {
		return pidInfo{}, false
	}
	if err := r.command(ctx, "pg_ctl", "-D", c.dataDir(), "status").Run(); err != nil {
		return pidInfo{}, false
	}
	lines := strings.Split(string(b), "\n")
	var info pidInfo
	if len(lines) >= 5 {
		info.pid, _ = strconv.Atoi(strings.TrimSpace(lines[0]))
		info.port, _ = strconv.Atoi(strings.TrimSpace(lines[3]))
		info.sockDir = strings.TrimSpace(lines[4])
	}
	if info.port == 0 {
		info.port = readPort(filepath.Join(c.root, portFileName))
	}
	if info.sockDir == "" {
		info.sockDir = c.sockDir
	}
	return info, true
}

// waitReady polls pg_isready until the server accepts connections.
func (c *Cluster) waitReady(ctx context.Context, r runner) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		cmd := r.command(ctx, "pg_isready", "-q", "-h", c.sockDir, "-p", strconv.Itoa(c.port), "-U", superuserName, "-d", "postgres", "-t", "5")
		cmd.SysProcAttr = nil // a client needs no privileges change
		if err := cmd.Run(); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgcluster: %s not accepting connections on %s port %d: %w\nlast lines of log:\n%s",
				c.Dir, c.sockDir, c.port, ctx.Err(), tailLines(filepath.Join(c.Dir, logFileName), 20))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// portConflict reports whether server output says the port or its socket was taken.
func portConflict(log string) bool {
	return strings.Contains(log, "could not bind") ||
		strings.Contains(log, "Address already in use") ||
		strings.Contains(log, "could not create any TCP/IP sockets")
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// readFrom returns the content of path after offset.
func readFrom(path string, offset int64) string {
	b, err := os.ReadFile(path)
	if err != nil || offset > int64(len(b)) {
		return ""
	}
	return string(b[offset:])
}

// tailLines returns the last n lines of the file at path.
func tailLines(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
