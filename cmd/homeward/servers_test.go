package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds cmd/homeward into a temporary directory (the test runs in its source
// directory) and returns the binary's path.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "homeward")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveProcess is one `homeward serve` process of a test.
type serveProcess struct {
	URL  string
	cmd  *exec.Cmd
	mu   sync.Mutex
	logs bytes.Buffer
	done chan struct{}
}

func (p *serveProcess) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.Write(b)
}

// Logs returns what the process wrote so far.
func (p *serveProcess) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// startServe starts `bin serve` on a free loopback port with env (NAME=VALUE) on top of this
// process's environment less every HOMEWARD_ variable, waits until /healthz answers, and stops it
// (SIGTERM, then SIGKILL after 20 s) when the test ends.
func startServe(t *testing.T, bin string, env []string) *serveProcess {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	// Reached as localhost: the public URL's host is the passkeys' relying party id, which may not
	// be an IP address (serve refuses to start with one).
	_, port, _ := net.SplitHostPort(addr)
	p := &serveProcess{URL: "http://localhost:" + port, done: make(chan struct{})}
	var base []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOMEWARD_") {
			base = append(base, kv)
		}
	}
	p.cmd = exec.Command(bin, "serve")
	p.cmd.Env = append(base, append(env, "HOMEWARD_ADDR="+addr, "HOMEWARD_PUBLIC_URL="+p.URL)...)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.stop(t) })
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case <-p.done:
			t.Fatalf("serve on %s exited while starting:\n%s", addr, p.Logs())
		default:
		}
		if res, err := http.Get(p.URL + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve on %s not answering /healthz:\n%s", addr, p.Logs())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stop ends the process as a service manager would: SIGTERM (the server shuts down and its sealer
// seals one last time), SIGKILL when it has not ended after 20 s.
func (p *serveProcess) stop(t *testing.T) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Errorf("serve %s did not stop on SIGTERM within 20 s", p.URL)
	}
}

// waitFor polls cond every 200 ms until it returns true, failing the test after d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not within %s", what, d)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// apiCall sends a bearer-token API request and returns status, body and the Retry-After header.
func apiCall(t *testing.T, method, u, token, contentType string, body []byte) (int, []byte, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(res.Body); err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, buf.Bytes(), res.Header.Get("Retry-After")
}

// envList turns pairs into NAME=VALUE lines.
func envList(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s=%s", k, v))
	}
	return out
}
