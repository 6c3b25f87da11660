package main

import (
	"strings"
	"testing"
	"time"

	"homeward/internal/apptest"
)

// TestTokenCreateDays makes a token that lives 7 days, and refuses one of 91 days.
func TestTokenCreateDays(t *testing.T) {
	env := apptest.New(t)
	useEnv(t, env)
	code, err, out := capture(t, "token", "create", "--user", "caseworker@th-msdhs-sakaeo.demo", "--days", "7", "--label", "nightly export")
	if code != 0 || err != nil || !strings.HasPrefix(strings.TrimSpace(out), "hw_") {
		t.Fatalf("token create --days 7: code %d, err %v, out %q", code, err, out)
	}
	var expires time.Time
	if err := env.App.Hub.Raw(`SELECT expires_at FROM api_tokens WHERE label = 'nightly export'`).Row().Scan(&expires); err != nil {
		t.Fatal(err)
	}
	if d := time.Until(expires); d < 7*24*time.Hour-time.Hour || d > 7*24*time.Hour {
		t.Fatalf("token expires in %v, want 7 days", d)
	}
	for _, days := range []string{"91", "-1", "365"} {
		code, err, out := capture(t, "token", "create", "--user", "caseworker@th-msdhs-sakaeo.demo", "--days", days, "--label", "too long "+days)
		if err == nil || strings.Contains(out, "hw_") {
			t.Fatalf("token create --days %s: code %d, err %v, out %q", days, code, err, out)
		}
	}
	var n int
	if err := env.App.Hub.Raw(`SELECT count(*) FROM api_tokens WHERE label LIKE 'too long%'`).Scan(&n).Error; err != nil || n != 0 {
		t.Fatalf("refused tokens stored: %d %v", n, err)
	}
}
