// Package mailtest is the SMTP harness of the notification tests: it starts a real SMTP server —
// mailpit, built from its Go module by .ci/ensure-mailpit and cached outside the repository — on
// free loopback ports in a temporary directory, and reads the messages it received back through
// mailpit's HTTP API. Nothing is faked: the code under test speaks SMTP over TCP to a real server.
//
// mailpit cannot run inside the test process (its SMTP server is an internal package of its
// module, and its command parses os.Args and exits), so each Start runs the binary.
package mailtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"homeward/internal/testbin"
)

// MailpitVersion is the mailpit module version .ci/ensure-mailpit builds (keep the two in step).
const MailpitVersion = "v1.33.1"

// EnvMailpit names an environment variable with the path of a mailpit binary to use instead.
const EnvMailpit = "HOMEWARD_MAILPIT"

const startTimeout = 30 * time.Second

// Server is a running mailpit on 127.0.0.1.
type Server struct {
	// SMTPAddr is host:port of its SMTP listener; API the base URL of its HTTP API.
	SMTPAddr, API string
	smtpPort      int
	dir           string
	cmd           *exec.Cmd
	done          chan struct{}
	stopOnce      sync.Once
}

// Start runs a mailpit of the test's own that accepts any SMTP user and password (or none), stopped
// when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := start()
	if err != nil {
		tb.Fatalf("mailtest: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Errorf("mailtest: %v", err)
		}
	})
	return s
}

// URL is the HOMEWARD_SMTP_URL of the server (plain SMTP on loopback, with a user and a password).
func (s *Server) URL() string {
	return "smtp://homeward:secret@" + s.SMTPAddr + "?from=homeward%40example.org"
}

// Address is a message's sender or recipient.
type Address struct {
	Name, Address string
}

// Message is a message as mailpit received it.
type Message struct {
	ID      string
	Subject string
	From    Address
	To      []Address
	Text    string
	HTML    string
}

// Messages returns every message received, oldest first, with its text and HTML bodies.
func (s *Server) Messages(tb testing.TB) []Message {
	tb.Helper()
	var list struct {
		Messages []struct{ ID string }
	}
	s.get(tb, "/api/v1/messages?limit=500", &list)
	out := make([]Message, 0, len(list.Messages))
	for i := len(list.Messages) - 1; i >= 0; i-- { // mailpit lists newest first
		var m Message
		s.get(tb, "/api/v1/message/"+list.Messages[i].ID, &m)
		out = append(out, m)
	}
	return out
}

// To returns the messages sent to address, oldest first.
func (s *Server) To(tb testing.TB, address string) []Message {
	tb.Helper()
	var out []Message
	for _, m := range s.Messages(tb) {
		for _, a := range m.To {
			if strings.EqualFold(a.Address, address) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// WaitFor waits until n messages have been received in all, or fails the test at deadline.
func (s *Server) WaitFor(tb testing.TB, n int, deadline time.Duration) []Message {
	tb.Helper()
	end := time.Now().Add(deadline)
	for {
		ms := s.Messages(tb)
		if len(ms) >= n {
			return ms
		}
		if time.Now().After(end) {
			tb.Fatalf("mailtest: %d messages after %s, want %d", len(ms), deadline, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *Server) get(tb testing.TB, path string, v any) {
	tb.Helper()
	resp, err := http.Get(s.API + path)
	if err != nil {
		tb.Fatalf("mailtest: GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("mailtest: GET %s: %s %s", path, resp.Status, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("mailtest: GET %s: %v", path, err)
	}
}

// Kill ends the server at once (SIGKILL), as a crash would; Stop afterwards only cleans up.
func (s *Server) Kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

// Stop ends the server (SIGTERM, then SIGKILL after 10 s) and removes its directory.
func (s *Server) Stop() error {
	var err error
	s.stopOnce.Do(func() {
		select {
		case <-s.done:
		default:
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(10 * time.Second):
				_ = s.cmd.Process.Kill()
				<-s.done
			}
		}
		err = os.RemoveAll(s.dir)
	})
	return err
}

func start() (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "homeward-mailtest-")
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(2)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &Server{dir: dir, done: make(chan struct{}), smtpPort: ports[0],
		SMTPAddr: "127.0.0.1:" + strconv.Itoa(ports[0]), API: "http://127.0.0.1:" + strconv.Itoa(ports[1])}
	logf, err := os.Create(filepath.Join(dir, "mailpit.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.cmd = exec.Command(bin, "--smtp", s.SMTPAddr, "--listen", "127.0.0.1:"+strconv.Itoa(ports[1]),
		"--database", filepath.Join(dir, "mailpit.db"), "--smtp-auth-accept-any", "--smtp-auth-allow-insecure",
		"--disable-version-check", "--quiet")
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { _ = s.cmd.Wait(); logf.Close(); close(s.done) }()
	if err := s.wait(); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// wait polls the API and the SMTP port until both answer, or the process ends, or startTimeout passes.
func (s *Server) wait() error {
	deadline := time.Now().Add(startTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			b, _ := os.ReadFile(filepath.Join(s.dir, "mailpit.log"))
			return fmt.Errorf("mailpit exited while starting:\n%s", b)
		default:
		}
		var resp *http.Response
		if resp, last = http.Get(s.API + "/api/v1/messages"); last == nil {
			resp.Body.Close()
			var c net.Conn
			if c, last = net.DialTimeout("tcp", s.SMTPAddr, time.Second); last == nil {
				c.Close()
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("mailpit not answering after %s: %v", startTimeout, last)
}

// Binary returns the path of the mailpit binary: $HOMEWARD_MAILPIT, else the one .ci/ensure-mailpit
// built (building it now, once, when missing).
func Binary() (string, error) { return testbin.Path(EnvMailpit, "ensure-mailpit") }

// freePorts returns n distinct free TCP ports on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}
