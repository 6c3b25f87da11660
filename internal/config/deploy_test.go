package config

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The install files of docs/deploy (docs/deploy.md): Docker is not available to the tests, so the
// compose file is parsed and checked against the configuration this package reads, the
// Dockerfile's build against the binary's package, and the systemd unit by systemd-analyze.

const deployDir = "../../docs/deploy"

type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		Secrets     []string          `yaml:"secrets"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Build struct {
			Context    string `yaml:"context"`
			Dockerfile string `yaml:"dockerfile"`
		} `yaml:"build"`
	} `yaml:"services"`
	Secrets map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
}

// interpolation is compose's ${NAME}, ${NAME:?}, ${NAME:-default}.
var interpolation = regexp.MustCompile(`\$\{([A-Z_]+)(:[?-][^}]*)?\}`)

// knownVariables are the HOMEWARD_ variables the binary reads: those this package names, the
// per-store DSNs, and the owner DSNs `homeward migrate` reads (cmd/homeward).
func knownVariables(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	quoted := regexp.MustCompile(`"(HOMEWARD_[A-Z0-9_]+)"`)
	files, _ := filepath.Glob("*.go")
	cmd, _ := filepath.Glob("../../cmd/homeward/*.go")
	for _, f := range append(files, cmd...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range quoted.FindAllStringSubmatch(string(b), -1) {
			names[m[1]] = true
		}
		if strings.Contains(string(b), `"HOMEWARD_STORE_"+cc+"_OWNER_DSN"`) {
			names["HOMEWARD_STORE_<CC>_OWNER_DSN"] = true
		}
	}
	return names
}

func knownVariable(names map[string]bool, name string) bool {
	if names[name] || storeEnv.MatchString(name) {
		return true
	}
	owner := regexp.MustCompile(`^HOMEWARD_STORE_[A-Z]{2}_OWNER_DSN$`)
	return owner.MatchString(name) && names["HOMEWARD_STORE_<CC>_OWNER_DSN"]
}

func TestComposeFile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(deployDir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	for _, db := range []string{"hub-db", "th-db", "kh-db"} {
		s, ok := c.Services[db]
		if !ok || !strings.HasPrefix(s.Image, "postgres:") || len(s.Volumes) == 0 {
			t.Errorf("service %s: want a PostgreSQL with a volume, got %+v", db, s)
		}
	}
	if s := c.Services["s3"]; s.Image != "chrislusf/seaweedfs" || !slices.Contains(s.Command, "server") || !slices.Contains(s.Command, "-s3") {
		t.Errorf("object store: %+v", s)
	}
	migrate, serve := c.Services["migrate"], c.Services["homeward"]
	if !slices.Equal(migrate.Command, []string{"migrate"}) || !slices.Equal(serve.Command, []string{"serve"}) {
		t.Errorf("commands: migrate %v, homeward %v", migrate.Command, serve.Command)
	}
	if serve.DependsOn["migrate"].Condition != "service_completed_successfully" {
		t.Errorf("homeward does not wait for the migrations: %+v", serve.DependsOn)
	}
	if _, err := os.Stat(filepath.Join(deployDir, migrate.Build.Context, migrate.Build.Dockerfile)); err != nil {
		t.Errorf("build: %v", err)
	}
	names := knownVariables(t)
	for _, name := range []string{"migrate", "homeward"} {
		for k := range c.Services[name].Environment {
			if strings.HasPrefix(k, "HOMEWARD_") && !knownVariable(names, k) {
				t.Errorf("%s: %s is read by no code", name, k)
			}
		}
	}
	// The server's environment, its ${…} filled in, is a valid configuration of the hub and both stores.
	for k, v := range serve.Environment {
		t.Setenv(k, interpolation.ReplaceAllStringFunc(v, func(m string) string {
			if _, def, ok := strings.Cut(m, ":-"); ok {
				return strings.TrimSuffix(def, "}") // ${NAME:-default}
			}
			return "x" // a required value
		}))
	}
	cfg := FromEnv()
	if err := cfg.Validate(); err != nil {
		t.Errorf("the server's environment: %v", err)
	}
	if got := cfg.Countries(); !slices.Equal(got, []string{"KH", "TH"}) || cfg.Local() {
		t.Errorf("stores %v (local %v)", got, cfg.Local())
	}
	for cc := range cfg.StoreDSNs {
		if _, ok := migrate.Environment["HOMEWARD_STORE_"+cc+"_OWNER_DSN"]; !ok {
			t.Errorf("migrate has no owner DSN for %s", cc)
		}
	}
	if !slices.Contains(serve.Secrets, "master_key") || c.Secrets["master_key"].File == "" ||
		serve.Environment["HOMEWARD_MASTER_KEY_FILE"] != "/run/secrets/master_key" {
		t.Errorf("the master key is not the mounted secret")
	}
}

// dockerfile reads the Dockerfile's instructions (continuation lines joined).
func dockerfile(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(deployDir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	cur := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cur += line
		if strings.HasSuffix(cur, "\\") {
			cur = strings.TrimSuffix(cur, "\\") + " "
			continue
		}
		out = append(out, cur)
		cur = ""
	}
	return out
}

func TestDockerfile(t *testing.T) {
	ins := dockerfile(t)
	var build, final, user, entry string
	var copied []string
	for _, in := range ins {
		switch word, rest, _ := strings.Cut(in, " "); word {
		case "RUN":
			if strings.Contains(rest, "go build") {
				build = rest
			}
		case "FROM":
			final = rest
		case "USER":
			user = rest
		case "ENTRYPOINT":
			entry = rest
		case "COPY":
			if f := strings.Fields(rest); !strings.HasPrefix(rest, "--") {
				copied = append(copied, f[:len(f)-1]...)
			}
		}
	}
	if !regexp.MustCompile(`^CGO_ENABLED=0 (\S+=\S+ )*go build .*-o (\S+) \./cmd/homeward$`).MatchString(build) {
		t.Errorf("build step %q: want CGO_ENABLED=0 go build … -o BIN ./cmd/homeward", build)
	}
	if !strings.HasPrefix(final, "gcr.io/distroless/static") && final != "scratch" {
		t.Errorf("final stage %q: want distroless static or scratch", final)
	}
	if user == "" || strings.HasPrefix(user, "0") || strings.HasPrefix(user, "root") {
		t.Errorf("USER %q: want a non-root user", user)
	}
	if !strings.Contains(entry, "homeward") {
		t.Errorf("ENTRYPOINT %q", entry)
	}
	// Every top-level folder of Go code or embedded files goes into the build.
	for _, dir := range []string{"cmd", "internal", "migrations", "policies", "web", "i18n", "go.mod"} {
		if !slices.Contains(copied, dir) {
			t.Errorf("the build does not copy %s", dir)
		}
	}
	// ./cmd/homeward builds without cgo: no package it needs is cgo-only.
	cmd := exec.Command("go", "list", "-e", "-deps", "-f", "{{if .Error}}{{.ImportPath}}: {{.Error}}{{end}}", "./cmd/homeward")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("go list with CGO_ENABLED=0: %v\n%s", err, out)
	}
}

// unit reads a systemd unit's settings, "Section.Key" → values.
func unit(t *testing.T, path string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out, section := map[string][]string{}, ""
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("unit: bad line %q", line)
			}
			out[section+"."+k] = append(out[section+"."+k], v)
		}
	}
	return out
}

func TestSystemdUnit(t *testing.T) {
	path := filepath.Join(deployDir, "homeward.service")
	u := unit(t, path)
	want := map[string]string{
		"Service.User": "homeward", "Service.ProtectSystem": "strict", "Service.NoNewPrivileges": "yes",
		"Service.ProtectHome": "yes", "Service.PrivateTmp": "yes", "Service.EnvironmentFile": "/etc/homeward/homeward.env",
		"Service.ExecStart": "/usr/local/bin/homeward serve", "Service.CapabilityBoundingSet": "",
	}
	for k, v := range want {
		if got := u[k]; len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if !slices.Contains(u["Service.Environment"], "HOMEWARD_MASTER_KEY_FILE=%d/master.key") {
		t.Errorf("the master key is not read from the unit's credentials: %q", u["Service.Environment"])
	}
	names := knownVariables(t)
	for _, e := range u["Service.Environment"] {
		if k, _, _ := strings.Cut(e, "="); !knownVariable(names, k) {
			t.Errorf("Environment %s is read by no code", k)
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not installed: the unit was parsed only")
		return
	}
	// verify checks the executable exists: this test's own binary stands in for homeward.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	copyPath := filepath.Join(t.TempDir(), "homeward.service")
	if err := os.WriteFile(copyPath, []byte(strings.ReplaceAll(string(b), "/usr/local/bin/homeward", self)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(analyze, "verify", copyPath).CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
