// Package config reads Homeward's configuration from the environment.
package config

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// DefaultCountries are the stores a local cluster creates when no DSNs are given.
var DefaultCountries = []string{"TH", "KH"}

// LocalCountries are the stores of the local cluster: HOMEWARD_COUNTRIES ("TH,KH,LA"), else
// DefaultCountries. A new country is configuration, not code.
func LocalCountries() []string {
	v := os.Getenv("HOMEWARD_COUNTRIES")
	if v == "" {
		return DefaultCountries
	}
	var out []string
	for _, cc := range strings.Split(v, ",") {
		if cc = strings.ToUpper(strings.TrimSpace(cc)); regexp.MustCompile(`^[A-Z]{2}$`).MatchString(cc) {
			out = append(out, cc)
		}
	}
	return out
}

// Config is the process configuration.
type Config struct {
	Addr          string
	DataDir       string
	HubDSN        string
	StoreDSNs     map[string]string // country code -> app-role DSN
	AdminDSN      string
	MasterKeyFile string
	// CookieSecure sets the Secure flag on the session cookie (off only for plain-HTTP local dev).
	CookieSecure bool
	// AttachmentsDir is where sealed attachment contents are written (AttachmentsRoot), unless
	// Objects names an S3-compatible object store (objects.go).
	AttachmentsDir string
	Objects        ObjectStore
	// TrustedProxies is HOMEWARD_TRUSTED_PROXIES as given: comma-separated CIDRs of the reverse
	// proxies whose X-Forwarded-For / X-Real-IP headers are believed (see ProxyRanges).
	TrustedProxies string
	// PublicURL is the address people reach the server at (HOMEWARD_PUBLIC_URL, default
	// "http://"+Addr): the links it hands out (enrolment) start with it, and passkeys are bound to
	// its host and origin.
	PublicURL string
	// SMTPURL is HOMEWARD_SMTP_URL, the SMTP server of the e-mail digests
	// (smtp://[user:password@]host[:port][?from=ADDRESS&starttls=required], see notify.ParseSMTPURL);
	// empty: no digest is sent (the default, and the development default).
	SMTPURL string
	// Ops are the operations settings: metrics address, log format, API rate limit, import limit
	// (ops.go).
	Ops Ops
}

var storeEnv = regexp.MustCompile(`^HOMEWARD_STORE_([A-Z]{2})_DSN$`)

// FromEnv reads the environment. With no DSNs set, Local reports true and the local cluster is used.
func FromEnv() Config {
	c := Config{
		Addr:           env("HOMEWARD_ADDR", "127.0.0.1:8080"),
		DataDir:        env("HOMEWARD_DATA_DIR", ".data"),
		HubDSN:         os.Getenv("HOMEWARD_HUB_DSN"),
		AdminDSN:       os.Getenv("HOMEWARD_ADMIN_DSN"),
		MasterKeyFile:  os.Getenv("HOMEWARD_MASTER_KEY_FILE"),
		StoreDSNs:      map[string]string{},
		CookieSecure:   os.Getenv("HOMEWARD_COOKIE_INSECURE") == "",
		TrustedProxies: os.Getenv("HOMEWARD_TRUSTED_PROXIES"),
		SMTPURL:        os.Getenv("HOMEWARD_SMTP_URL"),
		Ops:            opsFromEnv(),
		Objects:        objectStoreFromEnv(),
	}
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		if m := storeEnv.FindStringSubmatch(name); m != nil && value != "" {
			c.StoreDSNs[m[1]] = value
		}
	}
	c.PublicURL = strings.TrimRight(env("HOMEWARD_PUBLIC_URL", defaultPublicURL(c.Addr)), "/")
	if abs, err := filepath.Abs(c.DataDir); err == nil {
		c.DataDir = abs
	}
	c.AttachmentsDir = AttachmentsRoot(os.Getenv)
	return c
}

// AttachmentsRoot is the attachments directory: HOMEWARD_ATTACHMENTS_DIR, else "attachments" under
// HOMEWARD_DATA_DIR, whose default is .data as for the rest of the local data (never a temporary
// directory: attachments must outlive a reboot). getenv is os.Getenv outside tests.
func AttachmentsRoot(getenv func(string) string) string {
	if d := getenv("HOMEWARD_ATTACHMENTS_DIR"); d != "" {
		return d
	}
	base := getenv("HOMEWARD_DATA_DIR")
	if base == "" {
		base = ".data"
	}
	if abs, err := filepath.Abs(base); err == nil {
		base = abs
	}
	return filepath.Join(base, "attachments")
}

// Local reports whether no database servers are configured, so the local cluster must be used.
func (c Config) Local() bool { return c.HubDSN == "" && len(c.StoreDSNs) == 0 }

// Countries lists the configured store countries, sorted.
func (c Config) Countries() []string {
	out := make([]string, 0, len(c.StoreDSNs))
	for cc := range c.StoreDSNs {
		out = append(out, cc)
	}
	sort.Strings(out)
	return out
}

// Validate checks a configuration for serving.
func (c Config) Validate() error {
	if c.HubDSN == "" {
		return fmt.Errorf("HOMEWARD_HUB_DSN is not set")
	}
	if len(c.StoreDSNs) == 0 {
		return fmt.Errorf("no store configured: set HOMEWARD_STORE_<CC>_DSN for each country")
	}
	if c.MasterKeyFile == "" {
		return fmt.Errorf("HOMEWARD_MASTER_KEY_FILE is not set")
	}
	if err := c.Ops.Check(); err != nil {
		return err
	}
	if err := c.Objects.Check(); err != nil {
		return err
	}
	_, err := c.ProxyRanges()
	return err
}

// ProxyRanges parses TrustedProxies: comma-separated CIDRs ("10.0.0.0/8, 192.0.2.7/32"); a bare
// address is one host. Empty means no proxy is trusted: the client's address is the connection's.
func (c Config) ProxyRanges() ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, part := range strings.Split(c.TrustedProxies, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			ip := net.ParseIP(part)
			if ip == nil {
				return nil, fmt.Errorf("HOMEWARD_TRUSTED_PROXIES: %q is not an address or CIDR", part)
			}
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(part)
		if err != nil {
			return nil, fmt.Errorf("HOMEWARD_TRUSTED_PROXIES: %q is not a CIDR", part)
		}
		out = append(out, n)
	}
	return out, nil
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Getenv reads one environment variable (for settings read only by one command).
func Getenv(name string) string { return os.Getenv(name) }

// defaultPublicURL is http:// and the listen address, with an IP address host named localhost:
// passkeys (WebAuthn) are bound to a domain, never to an IP address, and a loopback address is
// localhost. A server reached at another name sets HOMEWARD_PUBLIC_URL.
func defaultPublicURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" || net.ParseIP(host) != nil {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
