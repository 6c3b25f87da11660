package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAttachmentsRoot(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if got := AttachmentsRoot(env(map[string]string{"HOMEWARD_ATTACHMENTS_DIR": "/srv/att", "HOMEWARD_DATA_DIR": "/d"})); got != "/srv/att" {
		t.Errorf("explicit = %s", got)
	}
	if got := AttachmentsRoot(env(map[string]string{"HOMEWARD_DATA_DIR": "/d"})); got != "/d/attachments" {
		t.Errorf("data dir = %s", got)
	}
	if wd, _ := os.Getwd(); AttachmentsRoot(env(nil)) != filepath.Join(wd, ".data", "attachments") {
		t.Errorf("default = %s", AttachmentsRoot(env(nil)))
	}
}

func TestMFARequired(t *testing.T) {
	for _, tc := range []struct {
		roles []string
		want  bool
	}{
		{[]string{"caseworker"}, false},
		{[]string{"caseworker", "supervisor"}, true},
		{[]string{"investigator"}, false},
		{[]string{"country_admin"}, true},
		{[]string{"auditor"}, true},
		{[]string{"embassy_officer"}, true},
		{[]string{"analyst", "ngo_worker"}, false},
		{nil, false},
	} {
		if got := MFARequired(tc.roles...); got != tc.want {
			t.Errorf("MFARequired(%v) = %v, want %v", tc.roles, got, tc.want)
		}
	}
}

func TestProxyRanges(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    []string
		wantErr string
	}{
		{in: "", want: nil},
		{in: " , ", want: nil},
		{in: "10.0.0.0/8", want: []string{"10.0.0.0/8"}},
		{in: "10.1.2.3/8, 192.0.2.7", want: []string{"10.0.0.0/8", "192.0.2.7/32"}},
		{in: "2001:db8::/32,::1", want: []string{"2001:db8::/32", "::1/128"}},
		{in: "10.0.0.0/8,proxy.local", wantErr: `"proxy.local"`},
		{in: "10.0.0.0/33", wantErr: `"10.0.0.0/33"`},
	} {
		got, err := Config{TrustedProxies: c.in}.ProxyRanges()
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("ProxyRanges(%q) error = %v, want one naming %s", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ProxyRanges(%q): %v", c.in, err)
			continue
		}
		var s []string
		for _, n := range got {
			s = append(s, n.String())
		}
		if strings.Join(s, " ") != strings.Join(c.want, " ") {
			t.Errorf("ProxyRanges(%q) = %v, want %v", c.in, s, c.want)
		}
	}
}

func TestFromEnvTrustedProxies(t *testing.T) {
	t.Setenv("HOMEWARD_TRUSTED_PROXIES", "10.0.0.0/8")
	if got := FromEnv().TrustedProxies; got != "10.0.0.0/8" {
		t.Fatalf("TrustedProxies = %q", got)
	}
	c := Config{HubDSN: "x", StoreDSNs: map[string]string{"TH": "y"}, MasterKeyFile: "k", TrustedProxies: "nonsense"}
	if err := c.Validate(); err == nil {
		t.Fatal("Validate accepted a bad HOMEWARD_TRUSTED_PROXIES")
	}
}

func TestDefaultPublicURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080":         "http://localhost:8080",
		"0.0.0.0:80":             "http://localhost:80",
		":8080":                  "http://localhost:8080",
		"[::1]:8443":             "http://localhost:8443",
		"homeward.internal:8080": "http://homeward.internal:8080",
	} {
		if got := defaultPublicURL(addr); got != want {
			t.Errorf("defaultPublicURL(%q) = %q, want %q", addr, got, want)
		}
	}
}
