package health

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// extraCheck is a dependency other than a database that readiness checks (the object store).
type extraCheck struct {
	name  string
	check func(ctx context.Context) error
}

// AddCheck adds a dependency that Ready checks beside the databases, within the same Timeout:
// name is how /readyz names it when it does not answer. Call it before serving. A failing check
// starts no outage (the outage tracker is the databases').
func (c *Checker) AddCheck(name string, check func(ctx context.Context) error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.extra = append(c.extra, extraCheck{name: name, check: check})
}

// NotReady is Ready's error: each dependency that did not answer, by name.
type NotReady struct {
	Errs map[string]error
}

// Names are the dependencies that did not answer, sorted.
func (e *NotReady) Names() []string {
	out := make([]string, 0, len(e.Errs))
	for n := range e.Errs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (e *NotReady) Error() string {
	parts := make([]string, 0, len(e.Errs))
	for _, n := range e.Names() {
		parts = append(parts, fmt.Sprintf("%s: %v", n, e.Errs[n]))
	}
	return "not ready: " + strings.Join(parts, "; ")
}

// checkExtra runs the added checks concurrently, each within the checker's timeout.
func (c *Checker) checkExtra(ctx context.Context) map[string]error {
	c.mu.Lock()
	extra := append([]extraCheck(nil), c.extra...)
	c.mu.Unlock()
	errs := map[string]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, x := range extra {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, c.timeout)
			defer cancel()
			err := x.check(ctx)
			mu.Lock()
			errs[x.name] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	return errs
}
