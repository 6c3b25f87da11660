package pgcluster

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// defaultPGPort is the port a system PostgreSQL uses; a project cluster never takes it.
const defaultPGPort = 5432

// readPort returns the port saved in path, or 0.
func readPort(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	p, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || p <= 0 || p > 65535 {
		return 0
	}
	return p
}

// portFree reports whether 127.0.0.1:port can be listened on right now.
func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// pickPort asks the kernel for a free loopback port other than 5432.
func pickPort() (int, error) {
	var errs []error
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port != defaultPGPort {
			return port, nil
		}
	}
	return 0, fmt.Errorf("pgcluster: no free loopback port: %w", errors.Join(errs...))
}
