package web

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/logging"
)

// HeaderRequestID carries a request's id: set on every response, and believed on a request only
// from a trusted proxy.
const HeaderRequestID = "X-Request-Id"

// wellFormedRequestID is what an incoming id must look like to be kept: 8 to 64 letters, digits,
// dots, dashes, underscores or colons (a UUID, a proxy's hex id), nothing a log line could misread.
var wellFormedRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,64}$`)

// requestID gives every request an id: a well-formed X-Request-Id from a trusted proxy (the one
// that logged it first), else a new random one. The id goes into the request's context (slog calls
// with that context log it as request_id) and into the X-Request-Id response header; error bodies
// and error pages show it.
func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		id := r.Header.Get(HeaderRequestID)
		if id == "" || !wellFormedRequestID.MatchString(id) || !s.fromTrustedProxy(r) {
			id = newRequestID()
		}
		c.SetRequest(r.WithContext(logging.WithRequestID(r.Context(), id)))
		c.Response().Header().Set(HeaderRequestID, id)
		return next(c)
	}
}

// fromTrustedProxy reports whether the connection comes from one of TrustedProxies (the peer's
// address, never a forwarded header).
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	if len(s.TrustedProxies) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	for _, n := range s.TrustedProxies {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

// newRequestID is 16 random bytes in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// observe answers the request (through the error handler when it fails), then counts it in the
// metrics (when on) and writes its access log line: method, route pattern, status, duration,
// bytes written and, through the context, the request id. Never the path's ids, a query string or
// a body: the route is echo's pattern ("/cases/:id").
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		d := time.Since(start)
		r, res := c.Request(), c.Response()
		method, route := methodLabel(r.Method), c.Path()
		if s.Metrics != nil {
			s.Metrics.ObserveRequest(method, route, res.Status, d)
		}
		slog.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", method), slog.String("route", route), slog.Int("status", res.Status),
			slog.Float64("duration_ms", float64(d.Microseconds())/1000), slog.Int64("bytes", res.Size))
		return nil
	}
}

// methodLabel keeps the method label to the known methods: a client's made-up method is "other".
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}
