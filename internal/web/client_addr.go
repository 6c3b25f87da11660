package web

import (
	"net"
	"net/http"

	"github.com/labstack/echo/v4"
)

// clientAddr returns how the server learns a client's address (c.RealIP: sign-in throttling, audit
// rows). With no trusted proxy it is the connection's peer, whatever the headers say. With trusted
// proxies, X-Forwarded-For (else X-Real-IP) is believed only when the connection comes from one of
// them, and X-Forwarded-For is read from the right, skipping trusted hops, so a client cannot
// prepend an address of its choosing. Loopback, link-local and private networks are not trusted
// unless listed.
func clientAddr(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	xff, realIP := echo.ExtractIPFromXFFHeader(opts...), echo.ExtractIPFromRealIPHeader(opts...)
	return func(r *http.Request) string {
		if r.Header.Get(echo.HeaderXForwardedFor) != "" {
			return xff(r)
		}
		return realIP(r)
	}
}
