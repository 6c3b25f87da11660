package web_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/web"
)

// forwarding sends every request with a client-chosen X-Forwarded-For / X-Real-IP.
type forwarding struct{ xff, realIP string }

func (f forwarding) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if f.xff != "" {
		r.Header.Set("X-Forwarded-For", f.xff)
	}
	if f.realIP != "" {
		r.Header.Set("X-Real-IP", f.realIP)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// signInVia signs in on base with the given headers and returns the status.
func signInVia(t *testing.T, base string, f forwarding, email, password string) int {
	t.Helper()
	c := apptest.Client()
	c.Transport = f
	res := apptest.PostForm(t, c, base+"/login", base+"/login", url.Values{"email": {email}, "password": {password}})
	res.Body.Close()
	return res.StatusCode
}

// hubAddrs returns the addresses recorded on the hub's audit rows of action for entity.
func hubAddrs(t *testing.T, env *apptest.Env, action, entityID string) []string {
	t.Helper()
	var out []string
	err := env.App.Hub.Raw(`SELECT detail::jsonb->>'addr' FROM audit_log WHERE action = ? AND entity_id = ? ORDER BY id`,
		action, entityID).Scan(&out).Error
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func userID(t *testing.T, env *apptest.Env, email string) string {
	t.Helper()
	var id string
	if err := env.App.Hub.Raw(`SELECT id FROM users WHERE email = ?`, email).Scan(&id).Error; err != nil || id == "" {
		t.Fatalf("no user %s: %v", email, err)
	}
	return id
}

// failFromOneAddress makes 21 failed sign-ins (past the address limit of 20), each for a different
// unknown account so that no account limit is reached, with the headers of f(i).
func failFromOneAddress(t *testing.T, base string, f func(i int) forwarding) {
	t.Helper()
	for i := range 21 {
		email := "nobody-" + string(rune('a'+i)) + "@th-msdhs-sakaeo.demo"
		if status := signInVia(t, base, f(i), email, "wrong"); status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i, status)
		}
	}
}

// TestForwardedAddressNotTrusted: with no trusted proxy, X-Forwarded-For and X-Real-IP are
// ignored: a client changing them on every attempt stays under its connection's address lock, and
// the audit rows record the connection's address.
func TestForwardedAddressNotTrusted(t *testing.T) {
	env := apptest.New(t)
	stopped := time.Now().UTC().Truncate(time.Microsecond)
	env.App.Directory.WithClock(func() time.Time { return stopped })
	base := env.URL()
	failFromOneAddress(t, base, func(i int) forwarding {
		return forwarding{xff: "203.0.113." + string(rune('0'+i%10)), realIP: "198.51.100." + string(rune('0'+i%10))}
	})
	if status := signInVia(t, base, forwarding{xff: "192.0.2.99", realIP: "192.0.2.98"}, thWorker, demoPassword); status != http.StatusUnauthorized {
		t.Fatalf("right password from the locked address under a new X-Forwarded-For: status %d, want 401 (throttled)", status)
	}
	for _, addr := range hubAddrs(t, env, "auth.signin_failed", "nobody-a@th-msdhs-sakaeo.demo") {
		if addr != "127.0.0.1" {
			t.Errorf("failed sign-in recorded from %q, want the connection's 127.0.0.1", addr)
		}
	}
}

// TestForwardedAddressFromTrustedProxy: behind a trusted proxy the forwarded address is the
// client's: its lock holds it, another client behind the same proxy signs in, an address the client
// prepends itself is not believed, and audit rows record the forwarded address.
func TestForwardedAddressFromTrustedProxy(t *testing.T) {
	env := apptest.New(t)
	stopped := time.Now().UTC().Truncate(time.Microsecond)
	env.App.Directory.WithClock(func() time.Time { return stopped })
	d := env.App.Server.Deps
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	d.TrustedProxies = []*net.IPNet{loopback}
	srv, err := web.New(d)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	base := ts.URL

	// The attacker prepends a new address each time; the proxy appends the real one (203.0.113.7).
	failFromOneAddress(t, base, func(i int) forwarding {
		return forwarding{xff: "192.0.2." + string(rune('0'+i%10)) + ", 203.0.113.7"}
	})
	if status := signInVia(t, base, forwarding{xff: "192.0.2.200, 203.0.113.7"}, thWorker, demoPassword); status != http.StatusUnauthorized {
		t.Fatalf("locked client behind the proxy: status %d, want 401 (throttled)", status)
	}
	if got := hubAddrs(t, env, "auth.signin_failed", "nobody-a@th-msdhs-sakaeo.demo"); len(got) != 1 || got[0] != "203.0.113.7" {
		t.Errorf("failed sign-in recorded from %v, want [203.0.113.7]", got)
	}
	// Another client behind the same proxy is not held up, and its sign-in records its address.
	if status := signInVia(t, base, forwarding{xff: "198.51.100.20"}, thWorker, demoPassword); status != http.StatusSeeOther {
		t.Fatalf("another client behind the proxy: status %d, want 303", status)
	}
	if status := signInVia(t, base, forwarding{realIP: "198.51.100.21"}, thSupervisor, demoPassword); status != http.StatusSeeOther {
		t.Fatalf("client named by X-Real-IP: status %d, want 303", status)
	}
	if got := hubAddrs(t, env, "auth.signin", userID(t, env, thWorker)); len(got) != 1 || got[0] != "198.51.100.20" {
		t.Errorf("sign-in recorded from %v, want [198.51.100.20]", got)
	}
	if got := hubAddrs(t, env, "auth.signin", userID(t, env, thSupervisor)); len(got) != 1 || got[0] != "198.51.100.21" {
		t.Errorf("sign-in recorded from %v, want [198.51.100.21]", got)
	}
}
