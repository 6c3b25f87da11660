package seedscale

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The fill's phases are timed by the wall clock and by CPU: on a shared machine the wall clock
// measures the load as much as the fill, while the CPU the phase used (this process and the
// database backend of the fill's connection, when the server runs on this host) does not.

// cpuMeter reads the CPU time used so far by this process and by one PostgreSQL backend.
type cpuMeter struct {
	backend int // the backend's pid; 0: not readable (a server on another host)
}

// newCPUMeter meters backend pid when /proc shows it (same host), else this process only.
func newCPUMeter(pid int) cpuMeter {
	if _, err := backendCPU(pid); err != nil {
		return cpuMeter{}
	}
	return cpuMeter{backend: pid}
}

// now is the CPU used so far by this process (Go: seal, chain) and by the backend (db).
func (m cpuMeter) now() (goCPU, dbCPU time.Duration) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		goCPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if m.backend != 0 {
		dbCPU, _ = backendCPU(m.backend)
	}
	return goCPU, dbCPU
}

// backendCPU is utime + stime of process pid from /proc/pid/stat.
func backendCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command may hold spaces: the fields after it start past the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("seedscale: /proc/%d/stat: %q", pid, s)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("seedscale: /proc/%d/stat: %q", pid, s)
	}
	// Fields 14 and 15 of stat (utime, stime) in clock ticks; f[0] is field 3.
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("seedscale: /proc/%d/stat: %q", pid, s)
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	return time.Duration(ut+st) * tick, nil
}

// PhaseReport is one line per phase, in the order they ran: wall time, this process's CPU and
// the database backend's CPU, then the totals.
func (s Stats) PhaseReport() string {
	names := make([]string, 0, len(s.Phases))
	for n := range s.Phases {
		names = append(names, n)
	}
	order := func(n string) int {
		for i, p := range phaseOrder {
			if strings.HasPrefix(n, p) {
				return i
			}
		}
		return len(phaseOrder)
	}
	sort.SliceStable(names, func(i, j int) bool {
		if oi, oj := order(names[i]), order(names[j]); oi != oj {
			return oi < oj
		}
		return names[i] < names[j]
	})
	var b strings.Builder
	var wall, g, d time.Duration
	r := func(x time.Duration) time.Duration { return x.Round(10 * time.Millisecond) }
	fmt.Fprintf(&b, "%-22s %10s %10s %10s\n", "phase", "wall", "go cpu", "db cpu")
	for _, n := range names {
		fmt.Fprintf(&b, "%-22s %10s %10s %10s\n", n, r(s.Phases[n]), r(s.GoCPU[n]), r(s.DBCPU[n]))
		wall, g, d = wall+s.Phases[n], g+s.GoCPU[n], d+s.DBCPU[n]
	}
	fmt.Fprintf(&b, "%-22s %10s %10s %10s\n", "sum", r(wall), r(g), r(d))
	return b.String()
}

// phaseOrder is the order the phases run in.
var phaseOrder = []string{"stage", "seal", "insert", "audit", "indexes", "name keys", "summaries", "vacuum"}
