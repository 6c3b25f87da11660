package directory_test

import (
	"context"
	"homeward/internal/testdb"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/directory"
)

// BenchmarkAdminUsers measures the country admin's user list over 10,000 users of the country (and
// 10,000 of the other): the first page, the second, and searches, with their p95.
func BenchmarkAdminUsers(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	for _, s := range []struct{ slug, role, domain string }{
		{"th-pct", "investigator", "th.bench.example"},
		{"th-msdhs-sakaeo", "caseworker", "th2.bench.example"},
		{"kh-mosvy-poipet", "caseworker", "kh.bench.example"},
	} {
		n := 5000
		if s.domain == "kh.bench.example" {
			n = 10000
		}
		err := env.App.Hub.Exec(`INSERT INTO users (id, email, name, password_hash, created_at, updated_at)
			SELECT gen_random_uuid(), 'user' || i || '@' || ?, 'Bench ' || ? || ' ' || i, '', now(), now() FROM generate_series(1, ?) i`,
			s.domain, s.slug, n).Error
		if err == nil {
			err = env.App.Hub.Exec(`INSERT INTO memberships (id, user_id, agency_id, role, created_at)
				SELECT gen_random_uuid(), u.id, (SELECT id FROM agencies WHERE slug = ?), ?, now() FROM users u WHERE u.email LIKE ?`,
				s.slug, s.role, "%@"+s.domain).Error
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	testdb.Exec(b, env.Databases["hub"], `ANALYZE`) // as the owner, like autovacuum would
	a := env.Actor(b, "country_admin@th-msdhs-sakaeo.demo")
	first, err := env.App.Directory.AdminUsers(ctx, a, directory.AdminUserQuery{})
	if err != nil || first.NextCursor == "" {
		b.Fatalf("first page: %v", err)
	}
	for _, sc := range []struct {
		name string
		q    directory.AdminUserQuery
	}{
		{"page=first", directory.AdminUserQuery{}},
		{"page=second", directory.AdminUserQuery{Cursor: first.NextCursor}},
		{"search=email", directory.AdminUserQuery{Q: "user4242@"}},
		{"search=name_prefix", directory.AdminUserQuery{Q: "Bench th-pct 12"}},
		{"search=no_match", directory.AdminUserQuery{Q: "zzqx"}},
		{"search=other_country", directory.AdminUserQuery{Q: "kh.bench"}},
	} {
		b.Run(sc.name, func(b *testing.B) {
			var rows int
			call := func() error {
				page, err := env.App.Directory.AdminUsers(ctx, a, sc.q)
				if err == nil {
					rows = len(page.Items)
				}
				return err
			}
			p := apptest.P95(b, 100, call)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := call(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(p.Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(rows), "rows")
		})
	}
}
