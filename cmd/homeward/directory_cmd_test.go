package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/directory"
)

// writeFile writes a directory file into the test's temporary directory.
func writeFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "directory.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// hubCount counts rows of the hub.
func hubCount(t *testing.T, env *apptest.Env, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := env.App.Hub.Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

const newAgencies = `
[[agencies]]
slug = "th-msdhs-trat"
kind = "welfare"
country = "TH"
[agencies.names]
en = "MSDHS Protection Centre, Trat"
th = "ศูนย์คุ้มครองผู้เสียหายจากการค้ามนุษย์ จังหวัดตราด"
km = "មជ្ឈមណ្ឌលការពារ ខេត្តត្រាត"

[[agencies]]
slug = "la-embassy-pnh"
kind = "embassy"
country = "KH"
serves = ["LA", "MM"]
[agencies.names]
en = "Embassy of the Lao PDR, Phnom Penh"
th = "สถานเอกอัครราชทูตลาว ณ กรุงพนมเปญ"
km = "ស្ថានទូតឡាវ ប្រចាំនៅរាជធានីភ្នំពេញ"
`

func TestDirectoryApplyCommand(t *testing.T) {
	env := apptest.New(t)
	useEnv(t, env)
	// The example file of the docs holds the demo agencies: applied to the demo, it changes nothing.
	if code, err, out := capture(t, "directory", "apply", "../../docs/directory.example.toml"); code != 0 || err != nil || strings.TrimSpace(out) != "no changes" {
		t.Fatalf("example file on the demo: code %d, err %v, out %q", code, err, out)
	}
	file := writeFile(t, newAgencies)
	code, err, out := capture(t, "directory", "apply", file)
	if code != 0 || err != nil || !strings.Contains(out, "created agency th-msdhs-trat:") ||
		!strings.Contains(out, `created agency la-embassy-pnh:`) || !strings.Contains(out, `serves="LA,MM"`) {
		t.Fatalf("first apply: code %d, err %v, out %q", code, err, out)
	}
	ag, err := env.App.Directory.AgencyBySlug(context.Background(), "la-embassy-pnh")
	if err != nil || ag.Country != nil || *ag.WorksIn != "KH" || *ag.ServesNationality != "LA" ||
		strings.Join(ag.ServesNationalities, ",") != "LA,MM" || ag.Kind != directory.KindEmbassy {
		t.Fatalf("stored embassy = %+v, %v", ag, err)
	}
	if n := hubCount(t, env, `SELECT count(*) FROM audit_log WHERE action = 'agency.create' AND entity_id = ?`, ag.ID); n != 1 {
		t.Errorf("agency.create audit rows = %d", n)
	}
	if code, err, out := capture(t, "directory", "apply", file); code != 0 || err != nil || strings.TrimSpace(out) != "no changes" {
		t.Fatalf("second apply: code %d, err %v, out %q", code, err, out)
	}
	renamed := writeFile(t, strings.Replace(newAgencies, "Protection Centre, Trat", "Protection Centre, Trat Province", 1))
	if _, err, out := capture(t, "directory", "apply", renamed); err != nil ||
		strings.TrimSpace(out) != `updated agency th-msdhs-trat: name_en "MSDHS Protection Centre, Trat" -> "MSDHS Protection Centre, Trat Province"` {
		t.Fatalf("rename: err %v, out %q", err, out)
	}
}

func TestDirectoryApplyRefusals(t *testing.T) {
	env := apptest.New(t)
	useEnv(t, env)
	agencies := func() int64 { return hubCount(t, env, `SELECT count(*) FROM agencies`) }
	audits := func() int64 { return hubCount(t, env, `SELECT count(*) FROM audit_log`) }
	before, auditBefore := agencies(), audits()
	for name, text := range map[string]string{
		"unknown key":         newAgencies + "\n[[agencies]]\nslug = \"x\"\ncolour = \"red\"\n",
		"unknown nested key":  strings.Replace(newAgencies, `km = "មជ្ឈមណ្ឌលការពារ ខេត្តត្រាត"`, "km = \"x\"\nlo = \"y\"", 1),
		"slug moving country": newAgencies + "\n[[agencies]]\nslug = \"th-pct\"\nkind = \"police\"\ncountry = \"KH\"\n[agencies.names]\nen = \"a\"\nth = \"b\"\nkm = \"c\"\n",
		"embassy moving host": newAgencies + "\n[[agencies]]\nslug = \"th-embassy-pnh\"\nkind = \"embassy\"\ncountry = \"TH\"\nserves = [\"TH\"]\n[agencies.names]\nen = \"a\"\nth = \"b\"\nkm = \"c\"\n",
		"unknown kind":        strings.Replace(newAgencies, `kind = "welfare"`, `kind = "ministry"`, 1),
		"no store":            strings.Replace(newAgencies, `country = "TH"`, `country = "LA"`, 1),
		"missing name":        strings.Replace(newAgencies, `en = "MSDHS Protection Centre, Trat"`, ``, 1),
		"embassy serves none": strings.Replace(newAgencies, `serves = ["LA", "MM"]`, ``, 1),
		"bad slug":            strings.Replace(newAgencies, `th-msdhs-trat`, `TH Trat`, 1),
		"not TOML":            "[[agencies]\nslug=",
	} {
		_, err, out := capture(t, "directory", "apply", writeFile(t, text))
		if err == nil {
			t.Errorf("%s: accepted: %q", name, out)
			continue
		}
		if strings.Contains(name, "unknown key") && !strings.Contains(err.Error(), "unknown keys") {
			t.Errorf("%s: error %v", name, err)
		}
		if strings.Contains(name, "moving") && !strings.Contains(err.Error(), "cannot become") {
			t.Errorf("%s: error %v", name, err)
		}
		if out != "" {
			t.Errorf("%s: printed %q", name, out)
		}
		if n, a := agencies(), audits(); n != before || a != auditBefore {
			t.Fatalf("%s: something was written: agencies %d -> %d, audit rows %d -> %d", name, before, n, auditBefore, a)
		}
	}
}

func TestUserInviteCommand(t *testing.T) {
	env := apptest.New(t)
	useEnv(t, env)
	t.Setenv("HOMEWARD_PUBLIC_URL", "https://homeward.example.org/")
	code, err, out := capture(t, "user", "invite", "--email", "Somchai@Example.org", "--agency", "th-msdhs-sakaeo",
		"--role", "country_admin", "--name", "สมชาย ใจดี")
	link := strings.TrimSpace(out)
	token, ok := strings.CutPrefix(link, "https://homeward.example.org/enrol/")
	if code != 0 || err != nil || !ok || strings.Contains(link, "\n") {
		t.Fatalf("invite: code %d, err %v, out %q", code, err, out)
	}
	ctx := context.Background()
	u, _, err := env.App.Directory.EnrolmentUser(ctx, token)
	if err != nil || u.Email != "somchai@example.org" || u.Name != "สมชาย ใจดี" || u.PasswordHash != "" {
		t.Fatalf("EnrolmentUser = %+v, %v", u, err)
	}
	if n := hubCount(t, env, `SELECT count(*) FROM memberships m JOIN agencies a ON a.id = m.agency_id
		WHERE m.user_id = ? AND a.slug = 'th-msdhs-sakaeo' AND m.role = 'country_admin'`, u.ID); n != 1 {
		t.Errorf("memberships = %d", n)
	}
	if n := hubCount(t, env, `SELECT count(*) FROM audit_log WHERE entity_id = ? AND action IN ('user.invite', 'membership.add', 'enrolment.issue')`, u.ID); n != 3 {
		t.Errorf("audit rows = %d, want 3", n)
	}
	// Inviting again: the same user, one membership more, a new link; the first one is void.
	_, err, out = capture(t, "user", "invite", "--email", "somchai@example.org", "--agency", "th-pct", "--role", "supervisor")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := env.App.Directory.EnrolmentUser(ctx, token); err == nil {
		t.Error("the first link still works after a second invitation")
	}
	second := strings.TrimPrefix(strings.TrimSpace(out), "https://homeward.example.org/enrol/")
	if u2, _, err := env.App.Directory.EnrolmentUser(ctx, second); err != nil || u2.ID != u.ID {
		t.Fatalf("second link: %+v %v", u2, err)
	}
	for name, args := range map[string][]string{
		"unknown agency": {"--email", "a@example.org", "--agency", "nowhere", "--role", "caseworker"},
		"unknown role":   {"--email", "a@example.org", "--agency", "th-pct", "--role", "king"},
		"role for kind":  {"--email", "a@example.org", "--agency", "th-pct", "--role", "embassy_officer"},
		"bad email":      {"--email", "not an email", "--agency", "th-pct", "--role", "caseworker"},
		"no role":        {"--email", "a@example.org", "--agency", "th-pct"},
	} {
		if _, err, out := capture(t, append([]string{"user", "invite"}, args...)...); err == nil || out != "" {
			t.Errorf("%s: err %v, out %q", name, err, out)
		}
	}
	if n := hubCount(t, env, `SELECT count(*) FROM users WHERE email = 'a@example.org'`); n != 0 {
		t.Errorf("a refused invitation created the user")
	}
}
