package pgcluster

// Kill stops the server at once, as a crash would (pg_ctl stop -m immediate): no checkpoint, every
// client's connection cut. The next Start recovers from the write-ahead log, on the same port.
// Tests of database outages use it; it is not an error if the server is not running.
func (c *Cluster) Kill() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopLocked("immediate")
}
