// Package pgcluster runs a project-local PostgreSQL cluster in one directory, using the
// machine's PostgreSQL server binaries (initdb, pg_ctl, postgres, pg_isready).
//
// Layout inside the cluster's root (normally Dir itself):
//
//	data/          PGDATA
//	sock/          unix socket directory (or /tmp/homeward-sock-<hash> when the path is too long)
//	port           the TCP port on 127.0.0.1, chosen at first start and reused
//	postgres.log   the server log (always in Dir)
//	lock           flock(2) lock serialising Start/Stop across processes (always in Dir)
//
// When running as root, the server runs as the OS user "postgres". If that user cannot
// traverse to Dir (for example Dir is under a 0700 directory such as /root), the blocking
// directories get o+x (enter, not list) so the cluster still lives in Dir. Clusters made by
// earlier versions in /var/tmp/homeward-pg-<hash of Dir>/ are found through Dir's pointer file.
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// File names inside Dir and the cluster root.
const (
	dataDirName   = "data"
	sockDirName   = "sock"
	portFileName  = "port"
	logFileName   = "postgres.log"
	lockFileName  = "lock"
	pointerName   = "cluster-location"
	sockFileName  = "sockdir"
	confFileName  = "homeward.conf"
	superuserName = "postgres"
)

// Cluster is a PostgreSQL cluster living in one directory.
type Cluster struct {
	// Dir is the directory owning the cluster, e.g. ".data/pg"; always absolute.
	Dir string
	// Fast turns durability off (fsync, synchronous_commit, full_page_writes) and WAL down to
	// minimal (no replication) for throwaway test clusters.
	Fast bool
	// BinDir holds the server binaries; empty means FindBinDir at Start.
	BinDir string

	mu      sync.Mutex
	root    string // where data/, sock/ and port live: Dir, or an earlier version's /var/tmp fallback
	sockDir string
	port    int
}

// New returns the cluster living in dir (made absolute). It does not touch the disk.
func New(dir string) *Cluster {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = filepath.Clean(dir)
	}
	return &Cluster{Dir: abs}
}

// Start initialises the cluster if needed and starts it unless it is already running,
// then waits until it accepts connections. Concurrent calls for the same Dir, from this
// or other processes, are serialised with a lock file.
func (c *Cluster) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	bin, err := c.binDir()
	if err != nil {
		return err
	}
	owner, err := lookupOwner()
	if err != nil {
		return err
	}
	if err := mkdirTraversable(c.Dir, owner != nil); err != nil {
		return fmt.Errorf("pgcluster: create %s: %w", c.Dir, err)
	}
	unlock, err := lockDir(ctx, c.Dir)
	if err != nil {
		return err
	}
	defer unlock()

	if err := c.prepare(owner); err != nil {
		return err
	}
	r := runner{bin: bin, owner: owner, dir: c.root}
	if !c.initialized() {
		if err := c.initdb(ctx, r); err != nil {
			return err
		}
	}
	if pid, ok := c.running(ctx, r); ok {
		c.port, c.sockDir = pid.port, pid.sockDir
		return c.waitReady(ctx, r)
	}
	return c.startServer(ctx, r)
}

// startServer picks a port, writes the settings and runs pg_ctl start, retrying with a
// new port when another process grabbed the chosen one in the meantime.
func (c *Cluster) startServer(ctx context.Context, r runner) error {
	port := readPort(filepath.Join(c.root, portFileName))
	const attempts = 4
	for attempt := 1; ; attempt++ {
		if port == 0 || port == 5432 || !portFree(port) {
			p, err := pickPort()
			if err != nil {
				return err
			}
			port = p
		}
		if err := writeFileAtomic(filepath.Join(c.root, portFileName), []byte(strconv.Itoa(port)+"\n"), 0o644); err != nil {
			return fmt.Errorf("pgcluster: save port: %w", err)
		}
		c.port = port
		if err := c.writeConf(r); err != nil {
			return err
		}
		logPath := filepath.Join(c.Dir, logFileName)
		offset := fileSize(logPath)
		err := c.pgCtlStart(ctx, r, logPath)
		if err == nil {
			return c.waitReady(ctx, r)
		}
		if attempt < attempts && portConflict(readFrom(logPath, offset)) {
			port = 0
			continue
		}
		return fmt.Errorf("pgcluster: start %s: %w\nlast lines of %s:\n%s", c.Dir, err, logPath, tailLines(logPath, 20))
	}
}

// pgCtlStart runs pg_ctl start with the server's output appended to logPath.
func (c *Cluster) pgCtlStart(ctx context.Context, r runner, logPath string) error {
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "--- pgcluster: starting on port %d at %s\n", c.port, time.Now().Format(time.RFC3339))
	// No -l: the postmaster inherits logFile (opened by us, so this works even when the
	// server user may not write in Dir) and pg_ctl's own messages land there too.
	cmd := r.command(ctx, "pg_ctl", "-D", c.dataDir(), "-w", "-t", "120", "start")
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pg_ctl start: %w", err)
	}
	return nil
}

// Stop stops the cluster (pg_ctl stop -m fast -w); it is not an error if it is not running.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopLocked("fast")
}

// stopLocked stops the server with pg_ctl's shutdown mode ("fast", or "immediate": a crash).
func (c *Cluster) stopLocked(mode string) error {
	if _, err := os.Stat(c.Dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	bin, err := c.binDir()
	if err != nil {
		return err
	}
	owner, err := lookupOwner()
	if err != nil {
		return err
	}
	unlock, err := lockDir(context.Background(), c.Dir)
	if err != nil {
		return err
	}
	defer unlock()
	c.load()
	if !c.initialized() {
		return nil
	}
	r := runner{bin: bin, owner: owner, dir: c.root}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, ok := c.running(ctx, r); !ok {
		return nil
	}
	if out, err := r.command(ctx, "pg_ctl", "-D", c.dataDir(), "stop", "-m", mode, "-w", "-t", "90").CombinedOutput(); err != nil {
		return fmt.Errorf("pgcluster: stop (%s) %s: %w: %s", mode, c.Dir, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Remove stops the cluster and deletes all its files: Dir, the /var/tmp fallback root
// and the /tmp socket directory, when used.
func (c *Cluster) Remove() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.stopLocked("fast"); err != nil {
		return err
	}
	c.load()
	var errs []error
	if c.root != "" && c.root != c.Dir {
		errs = append(errs, os.RemoveAll(c.root))
	}
	if c.sockDir != "" && !strings.HasPrefix(c.sockDir, c.root+string(os.PathSeparator)) {
		errs = append(errs, os.RemoveAll(c.sockDir))
	}
	errs = append(errs, os.RemoveAll(c.Dir))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("pgcluster: remove %s: %w", c.Dir, err)
	}
	return nil
}

// Port returns the cluster's TCP port on 127.0.0.1 (after Start; before it, the saved
// port or 0).
func (c *Cluster) Port() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.port == 0 {
		c.load()
	}
	return c.port
}

// SocketDir returns the directory holding the cluster's unix socket.
func (c *Cluster) SocketDir() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sockDir == "" {
		c.load()
	}
	return c.sockDir
}

// Root returns where the cluster files (data/, sock/, port) live: Dir, or the /var/tmp
// fallback when the server user cannot reach Dir.
func (c *Cluster) Root() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.root == "" {
		c.load()
	}
	return c.root
}

// LogPath returns the server log file, Dir/postgres.log.
func (c *Cluster) LogPath() string { return filepath.Join(c.Dir, logFileName) }

// AdminDSN returns the superuser DSN over the unix socket for dbname, in URL form:
// postgres://postgres@/DBNAME?host=SOCKETDIR&port=PORT&sslmode=disable.
func (c *Cluster) AdminDSN(dbname string) string {
	q := url.Values{}
	q.Set("host", c.SocketDir())
	q.Set("port", strconv.Itoa(c.Port()))
	q.Set("sslmode", "disable")
	return "postgres://" + superuserName + "@/" + url.PathEscape(dbname) + "?" + q.Encode()
}

// TCPDSN returns a DSN for user with password over TCP on 127.0.0.1:
// postgres://user:pass@127.0.0.1:PORT/dbname?sslmode=disable, with each part escaped.
func (c *Cluster) TCPDSN(user, password, dbname string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(user, password),
		Host:     "127.0.0.1:" + strconv.Itoa(c.Port()),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	if password == "" {
		u.User = url.User(user)
	}
	return u.String()
}

func (c *Cluster) dataDir() string { return filepath.Join(c.root, dataDirName) }

func (c *Cluster) initialized() bool {
	_, err := os.Stat(filepath.Join(c.dataDir(), "PG_VERSION"))
	return err == nil
}

func (c *Cluster) binDir() (string, error) {
	if c.BinDir != "" {
		if !hasServerBinaries(c.BinDir) {
			return "", fmt.Errorf("%w (BinDir %s lacks them)", ErrNoBinaries, c.BinDir)
		}
		return c.BinDir, nil
	}
	return FindBinDir()
}
