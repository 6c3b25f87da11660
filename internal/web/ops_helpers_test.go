package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"homeward/internal/app"
	"homeward/internal/apptest"
	"homeward/internal/config"
	"homeward/internal/logging"
)

// opsApp opens a second app on env's databases with cfg changed by change (metrics on, a store
// through a proxy, limits), serves it, and closes both when the test ends.
func opsApp(t testing.TB, env *apptest.Env, change func(*config.Config)) (*app.App, string) {
	t.Helper()
	cfg := env.Cfg
	cfg.StoreDSNs = map[string]string{}
	for cc, dsn := range env.Cfg.StoreDSNs {
		cfg.StoreDSNs[cc] = dsn
	}
	change(&cfg)
	a, err := app.Open(context.Background(), cfg, app.Options{})
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return a, srv.URL
}

// logLines captures what slog's default logger writes (JSON, with request_id) until the test ends.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// captureLogs makes slog's default logger write JSON lines, debug level included, into the
// returned capture until the test ends. Other tests of the package may log meanwhile: find lines
// by what identifies them (the request id, the message and database).
func captureLogs(t *testing.T) *logLines {
	t.Helper()
	l := &logLines{}
	prev := slog.Default()
	slog.SetDefault(logging.New(l, "json", slog.LevelDebug))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return l
}

// matching returns the captured lines whose fields hold every key = value of want.
func (l *logLines) matching(want map[string]any) []map[string]any {
	l.mu.Lock()
	text := l.buf.String()
	l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(text, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		ok := true
		for k, v := range want {
			if m[k] != v {
				ok = false
			}
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

// cutProxy is a TCP proxy to a database server that a test can cut (refusing new connections and
// breaking the open ones, as a stopped server does) and restore on the same port.
type cutProxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	p := &cutProxy{t: t, target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(func() {
		p.cut()
		p.wg.Wait()
	})
	return p
}

func (p *cutProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Go(func() { p.pipe(c) })
		}
	})
}

func (p *cutProxy) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil { // cut meanwhile
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// cut stops accepting and breaks every open connection.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
}

// restore accepts again on the same address.
func (p *cutProxy) restore() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("restore proxy: %v", err)
	}
	p.serve(ln)
}

// throughProxy rewrites a DSN (postgres://…@host:port/db) to reach its server through a new cutProxy.
func throughProxy(t *testing.T, dsn string) (string, *cutProxy) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := newCutProxy(t, u.Host)
	u.Host = p.addr
	return u.String(), p
}

// newReq returns a request built by http.NewRequest, panicking on a malformed URL (a test bug).
func newReq(r *http.Request, err error) *http.Request {
	if err != nil {
		panic(err)
	}
	return r
}

// httpServer serves h for the test's duration and returns its URL.
func httpServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// mustUnmarshal decodes a JSON body into v.
func mustUnmarshal(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decode %.200s: %v", body, err)
	}
}

// requestIDs matches a request id where answers show it: the JSON error body and the error page's
// reference.
var requestIDs = regexp.MustCompile(`,?"request_id":"[0-9A-Za-z._:-]+"|<code>[0-9a-f]{32}</code>`)

// withoutRequestID blanks the request id of an answer, so that two answers can be compared: the id
// differs on every request and says nothing about what was asked.
func withoutRequestID(body string) string {
	return requestIDs.ReplaceAllString(body, "")
}
