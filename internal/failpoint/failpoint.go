// Package failpoint marks the points between two writes of a step where a crash is tested
// (issue 13): Hit(ctx, name) is a no-op unless a test armed that name. Armed, it aborts the step
// with ErrCrash (the request sees an error, nothing after the point runs), or, in a child process
// started by a kill test, exits the process with code 3 (a kill: no deferred function runs).
//
// Names are registered once, at package level, with Define, so the list of failpoints is known
// (Names) and docs/packets.md is checked against it.
package failpoint

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"sync"
)

// ErrCrash is what an armed failpoint returns: the step stops there, as if the process had died.
var ErrCrash = errors.New("failpoint: crash")

// Mode is what an armed failpoint does.
type Mode int

// Modes of an armed failpoint.
const (
	Abort Mode = iota + 1 // return ErrCrash
	Exit                  // os.Exit(3): the process is killed there
)

// EnvKill names a failpoint a child process arms at start with Exit (kill tests).
const EnvKill = "HOMEWARD_FAILPOINT_KILL"

var (
	mu      sync.Mutex
	defined []string
	armed   = map[string]Mode{}
	any     bool
)

func init() {
	if n := os.Getenv(EnvKill); n != "" {
		armed[n], any = Exit, true
	}
}

// Define registers a failpoint name and returns it; it panics on a name defined twice.
func Define(name string) string {
	mu.Lock()
	defer mu.Unlock()
	if slices.Contains(defined, name) {
		panic(fmt.Sprintf("failpoint: %q defined twice", name))
	}
	defined = append(defined, name)
	return name
}

// Names lists every defined failpoint, sorted.
func Names() []string {
	mu.Lock()
	defer mu.Unlock()
	out := append([]string{}, defined...)
	sort.Strings(out)
	return out
}

// Arm makes the named failpoint crash with mode until the returned function disarms it (tests).
func Arm(name string, mode Mode) (disarm func()) {
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(defined, name) {
		panic(fmt.Sprintf("failpoint: %q is not defined", name))
	}
	armed[name], any = mode, true
	return func() {
		mu.Lock()
		defer mu.Unlock()
		delete(armed, name)
		any = len(armed) > 0
	}
}

// Hit is the failpoint name: nil unless armed (then ErrCrash, or the process exits with code 3).
func Hit(_ context.Context, name string) error {
	mu.Lock()
	if !any {
		mu.Unlock()
		return nil
	}
	m := armed[name]
	mu.Unlock()
	switch m {
	case Abort:
		return fmt.Errorf("%w at %s", ErrCrash, name)
	case Exit:
		os.Exit(3)
	}
	return nil
}
