// Package testbin finds the outside programs the tests start (SeaweedFS, mailpit): the path an
// environment variable names, else the binary the repository's .ci/ensure-* script built and cached
// (building it now, once, when missing).
package testbin

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Path returns $env when set, else the path printed by .ci/<script> run from the module's root.
func Path(env, script string) (string, error) {
	if p := os.Getenv(env); p != "" {
		return p, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	var out, errb bytes.Buffer
	cmd := exec.Command("bash", filepath.Join(root, ".ci", script))
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf(".ci/%s: %w\n%s", script, err, errb.String())
	}
	p := strings.TrimSpace(out.String())
	if p == "" {
		return "", fmt.Errorf(".ci/%s printed no path", script)
	}
	return p, nil
}

// ModuleRoot is the directory of go.mod above the working directory (a package's directory under
// go test).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("testbin: no go.mod above the working directory")
		}
		dir = up
	}
}
