// Package health answers whether the databases are reachable, with pools of its own, and keeps the
// outage state of each database so that an outage is logged once when it starts and once when it
// ends, however many requests fail meanwhile.
package health

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Timeout bounds one check of one database (connect and ping).
const Timeout = 2 * time.Second

// recheckEvery is how often a database known to be down is tried again.
const recheckEvery = time.Second

// minProbeGap spaces the checks that failing requests ask for: many failing requests cost one
// check a second, not one each.
const minProbeGap = time.Second

// Checker pings the hub and every store through its own small pools (two connections each): a
// main pool exhausted by requests does not make readiness hang, and readiness never takes a
// connection requests need.
type Checker struct {
	dbs     []named
	timeout time.Duration
	log     *slog.Logger

	mu        sync.Mutex
	down      map[string]time.Time // database -> when its outage was noticed
	lastProbe time.Time
	probing   atomic.Bool
	stop      context.CancelFunc
	ctx       context.Context
	wg        sync.WaitGroup
	extra     []extraCheck // AddCheck: the object store
}

type named struct {
	name string
	db   *sql.DB
}

// Open prepares one small pool per database: dsns maps a name ("hub", "TH", …) to its DSN. No
// connection is made until a check. Outages are logged to log, or to slog's default logger of the
// moment when nil.
func Open(dsns map[string]string, log *slog.Logger) (*Checker, error) {
	ctx, stop := context.WithCancel(context.Background())
	c := &Checker{timeout: Timeout, log: log, down: map[string]time.Time{}, ctx: ctx, stop: stop}
	names := make([]string, 0, len(dsns))
	for n := range dsns {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		cfg, err := pgx.ParseConfig(dsns[n])
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("health %s: %w", n, err)
		}
		cfg.ConnectTimeout = c.timeout
		db := stdlib.OpenDB(*cfg)
		db.SetMaxOpenConns(2)
		db.SetMaxIdleConns(1)
		db.SetConnMaxIdleTime(time.Minute)
		c.dbs = append(c.dbs, named{n, db})
	}
	return c, nil
}

// Ready checks every database and every added dependency (AddCheck) at once, each within Timeout;
// the error (*NotReady) names those that did not answer. It records database outages as Failed
// does.
func (c *Checker) Ready(ctx context.Context) error {
	var extra map[string]error
	done := make(chan struct{})
	go func() { defer close(done); extra = c.checkExtra(ctx) }()
	errs := c.check(ctx, nil)
	<-done
	nr := &NotReady{Errs: map[string]error{}}
	for name, err := range errs {
		if err != nil {
			nr.Errs[name] = err
		}
	}
	for name, err := range extra {
		if err != nil {
			nr.Errs[name] = err
		}
	}
	if len(nr.Errs) == 0 {
		return nil
	}
	return nr
}

// Failed tells the checker that a request met a connection error. At most once a second it checks,
// in the background, the databases not already known to be down; those that do not answer start
// an outage (logged once) and are retried every second until they answer (logged once again).
func (c *Checker) Failed() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx.Err() != nil || time.Since(c.lastProbe) < minProbeGap || !c.probing.CompareAndSwap(false, true) {
		return
	}
	c.lastProbe = time.Now()
	c.wg.Go(func() {
		defer c.probing.Store(false)
		c.check(c.ctx, func(name string) bool { return !c.isDown(name) })
	})
}

// Down lists the databases currently in an outage, sorted.
func (c *Checker) Down() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.down))
	for n := range c.down {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Pools are the checker's own pools by database name (for pool metrics).
func (c *Checker) Pools() map[string]*sql.DB {
	out := map[string]*sql.DB{}
	for _, d := range c.dbs {
		out[d.name] = d.db
	}
	return out
}

// Close stops the retries and closes the pools.
func (c *Checker) Close() {
	c.mu.Lock()
	c.stop()
	c.mu.Unlock()
	c.wg.Wait()
	for _, d := range c.dbs {
		d.db.Close()
	}
}

func (c *Checker) logger() *slog.Logger {
	if c.log != nil {
		return c.log
	}
	return slog.Default()
}

func (c *Checker) isDown(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.down[name]
	return ok
}

// check pings the databases that pick accepts (all when nil) concurrently and records outages.
func (c *Checker) check(ctx context.Context, pick func(string) bool) map[string]error {
	errs := make(map[string]error, len(c.dbs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, d := range c.dbs {
		if pick != nil && !pick(d.name) {
			continue
		}
		wg.Go(func() {
			err := c.ping(ctx, d.db)
			mu.Lock()
			errs[d.name] = err
			mu.Unlock()
			if err != nil && ctx.Err() == nil {
				c.startOutage(d, err)
			}
		})
	}
	wg.Wait()
	return errs
}

func (c *Checker) ping(ctx context.Context, db *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	return db.PingContext(ctx)
}

// startOutage records the start of an outage of d, unless one is already running, logs it once,
// and retries d every second until it answers.
func (c *Checker) startOutage(d named, err error) {
	c.mu.Lock()
	if _, ok := c.down[d.name]; ok || c.ctx.Err() != nil {
		c.mu.Unlock()
		return
	}
	since := time.Now()
	c.down[d.name] = since
	c.wg.Add(1) // under mu with the context checked: Close waits for this retry loop
	c.mu.Unlock()
	c.logger().Error("database unreachable", "database", d.name, "err", err.Error())
	go func() {
		defer c.wg.Done()
		t := time.NewTicker(recheckEvery)
		defer t.Stop()
		for {
			select {
			case <-c.ctx.Done():
				return
			case <-t.C:
			}
			if c.ping(c.ctx, d.db) == nil {
				c.mu.Lock()
				delete(c.down, d.name)
				c.mu.Unlock()
				c.logger().Info("database reachable again", "database", d.name,
					"outage_seconds", time.Since(since).Round(time.Millisecond).Seconds())
				return
			}
		}
	}()
}
