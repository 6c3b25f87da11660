package pgcluster

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Kill stops the server at once, as a crash would (pg_ctl stop -m immediate): no checkpoint, every
// client's connection cut. The next Start recovers from the write-ahead log, on the same port.
// Tests of database outages use it; it is not an error if the server is not running.
func (c *Cluster) Kill() error {
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
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	unlock, err := lockDir(ctx, c.Dir)
	if err != nil {
		return err
	}
	defer unlock()
	c.load()
	if !c.initialized() {
		return nil
	}
	r := runner{bin: bin, owner: owner, dir: c.root}
	if _, ok := c.running(ctx, r); !ok {
		return nil
	}
	if out, err := r.command(ctx, "pg_ctl", "-D", c.dataDir(), "stop", "-m", "immediate", "-w", "-t", "60").CombinedOutput(); err != nil {
		return fmt.Errorf("pgcluster: kill %s: %w: %s", c.Dir, err, strings.TrimSpace(string(out)))
	}
	return nil
}
