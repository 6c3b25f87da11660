package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/testdb"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// useEnv points the commands at a test environment's databases.
func useEnv(t *testing.T, env *apptest.Env) {
	t.Setenv("HOMEWARD_HUB_DSN", env.Cfg.HubDSN)
	for cc, dsn := range env.Cfg.StoreDSNs {
		t.Setenv("HOMEWARD_STORE_"+cc+"_DSN", dsn)
	}
	t.Setenv("HOMEWARD_MASTER_KEY_FILE", env.Cfg.MasterKeyFile)
}

// capture runs the command and returns its exit code, error and standard output.
func capture(t *testing.T, args ...string) (int, error, string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	code, runErr := run(context.Background(), args)
	os.Stdout = old
	w.Close()
	out, _ := io.ReadAll(r)
	return code, runErr, string(out)
}

func TestAuditVerifyCommand(t *testing.T) {
	env := apptest.New(t)
	useEnv(t, env)
	code, err, out := capture(t, "audit", "verify")
	if code != 0 || err != nil || strings.Count(out, "intact") != 3 {
		t.Fatalf("intact chains: code %d, err %v, out %q", code, err, out)
	}
	testdb.Exec(t, env.Databases["KH"], `UPDATE audit_log SET detail = 'edited' WHERE id = 7`)
	code, _, out = capture(t, "audit", "verify", "--db", "KH")
	if code != 1 || !strings.Contains(out, "audit row 7") {
		t.Fatalf("tampered KH: code %d, out %q", code, out)
	}
	code, _, out = capture(t, "audit", "verify", "--db", "TH")
	if code != 0 {
		t.Fatalf("TH after KH tampering: code %d, out %q", code, out)
	}
}

func TestTokenCreateCommand(t *testing.T) {
	env := apptest.New(t)
	useEnv(t, env)
	code, err, out := capture(t, "token", "create", "--user", "caseworker@th-msdhs-sakaeo.demo")
	token := strings.TrimSpace(out)
	if code != 0 || err != nil || !strings.HasPrefix(token, "hw_") || strings.Contains(token, "\n") {
		t.Fatalf("token create: code %d, err %v, out %q", code, err, out)
	}
	status, body := apptest.API(t, "GET", env.URL()+"/api/v1/me", token, "")
	if status != 200 || !strings.Contains(body, `"country":"TH"`) {
		t.Fatalf("me with new token: %d %s", status, body)
	}
	if code, err, _ := capture(t, "token", "revoke", "--token", token); code != 0 || err != nil {
		t.Fatalf("token revoke: %d %v", code, err)
	}
	if status, _ := apptest.API(t, "GET", env.URL()+"/api/v1/me", token, ""); status != 401 {
		t.Fatalf("revoked token answered %d, want 401", status)
	}
	if _, err, _ := capture(t, "token", "create", "--user", "nobody@example.org"); err == nil {
		t.Fatal("token for an unknown user")
	}
}

func TestServeRefusesDemoCredentials(t *testing.T) {
	env := apptest.New(t)
	useEnv(t, env)
	_, err, _ := capture(t, "serve")
	if err == nil || !strings.Contains(err.Error(), "demo") {
		t.Fatalf("serve with demo users = %v", err)
	}
}
