package testdb

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

// watchdogScript waits for the test process ($1) to end, then stops the postmaster of the cluster
// rooted at $2 (its data/ directory) at once (SIGQUIT: immediate shutdown) and removes $2 and $3. Main stops and removes the
// cluster itself when the tests end; the watchdog covers the ends Main never reaches: a test
// binary killed by -timeout's panic, by a signal or by os.Exit in a test.
const watchdogScript = `while kill -0 "$1" 2>/dev/null; do sleep 1; done
if pid=$(head -n 1 "$2/data/postmaster.pid" 2>/dev/null); then kill -QUIT "$pid" 2>/dev/null; fi
for i in 1 2 3 4 5 6 7 8 9 10; do [ -e "$2/data/postmaster.pid" ] || break; sleep 1; done
rm -rf "$2" "$3"`

// startWatchdog starts the watchdog of the throwaway cluster in its own session, so that a signal
// to the test's process group does not take it down with the tests.
func startWatchdog(root, tmpDir string) error {
	cmd := exec.Command("/bin/sh", "-c", watchdogScript, "homeward-testdb-watchdog",
		strconv.Itoa(os.Getpid()), root, tmpDir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}
