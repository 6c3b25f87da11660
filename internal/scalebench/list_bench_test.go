package scalebench

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/cases"
)

const (
	thWorker = "caseworker@th-msdhs-sakaeo.demo"
	// loadFor is how long each load and each pgbench run lasts.
	loadFor = 10 * time.Second
)

// BenchmarkCaseList1M32 measures GET /api/v1/cases?limit=50 by 32 concurrent API clients of the TH
// caseworker against the real server over a store of a million persons, and in the same run
// pgbench (32 clients, 2 threads, prepared) running (i) the very SELECT the handler runs
// (cases.Service.ListStatement) and (ii) that SELECT, the audit row the request appends and COMMIT
// (auditScript). It reports the API's req/s and p99, pgbench's tps of both, and the API's share of
// each (targets: ≥ 25 % of (i) with p99 < 50 ms; ≥ 80 % of (ii)).
func BenchmarkCaseList1M32(b *testing.B) {
	env := apptest.Scale(b, benchPersons(b))
	tok := env.Token(b, thWorker)
	u := env.URL() + "/api/v1/cases?limit=50"
	get := func(c *http.Client, _ int) error { return getJSON(c, u, tok) }
	load(b, 32, 2*time.Second, get) // warm the caches and the connection pools
	api := load(b, 32, loadFor, get)
	b.Logf("API, 32 clients: %s; load %s", api, loadAverage())

	a := env.Actor(b, thWorker)
	sql, args, err := env.App.Cases.ListStatement(a, cases.ListQuery{Limit: 50})
	if err != nil {
		b.Fatal(err)
	}
	selectSQL := inline(sql, args) + ";\n"
	db := env.Databases[apptest.ScaleCountry]
	onlySelect := pgbench(b, db, selectSQL, 32, int(loadFor.Seconds()))
	b.Logf("pgbench (i) SELECT: %.0f tps, latency %.2f ms; load %s", onlySelect.TPS, onlySelect.LatencyMS, loadAverage())
	withAudit := pgbench(b, db, "BEGIN;\n"+selectSQL+auditScript(b, env, a.UserID, a.AgencyID)+"COMMIT;\n", 32, int(loadFor.Seconds()))
	b.Logf("pgbench (ii) SELECT + audit INSERT + COMMIT: %.0f tps, latency %.2f ms; load %s", withAudit.TPS, withAudit.LatencyMS, loadAverage())

	c := &http.Client{Timeout: time.Minute}
	for b.Loop() {
		if err := get(c, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(api.PerSecond(), "req/s")
	b.ReportMetric(float64(api.P99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(api.CPUPerRequest(), "go-cpu-µs/req")
	b.ReportMetric(onlySelect.TPS, "pgbench-select-tps")
	b.ReportMetric(withAudit.TPS, "pgbench-select+audit-tps")
	b.ReportMetric(100*api.PerSecond()/onlySelect.TPS, "%-of-select")
	b.ReportMetric(100*api.PerSecond()/withAudit.TPS, "%-of-select+audit")
}

// nameSearches are what people type into the search box of the TH store: names in Khmer and Latin
// script, whole or in part, given and family, Lao and Myanmar names, and one that matches nothing.
var nameSearches = []string{"សុខា", "ស្រីមុំ ចាន់", "ហេង", "ពេជ្រ", "Sokha", "dara sok", "Chanthou", "sreypov keo",
	"Aung Ko Ko", "Somphone", "Leakhena", "vichet", "Rithy Meas", "ដាលីន", "Noy Vongsa", "zzqxw"}

// BenchmarkNameSearch1M8 measures name searches (GET /api/v1/cases?q=…&limit=50) by 8 concurrent
// clients over a store of a million persons, cycling through nameSearches; it reports the p95
// (target < 50 ms), p50 and req/s.
func BenchmarkNameSearch1M8(b *testing.B) {
	env := apptest.Scale(b, benchPersons(b))
	tok := env.Token(b, thWorker)
	base := env.URL() + "/api/v1/cases?limit=50&q="
	get := func(c *http.Client, i int) error {
		return getJSON(c, base+url.QueryEscape(nameSearches[i%len(nameSearches)]), tok)
	}
	load(b, 8, 2*time.Second, get)
	res := load(b, 8, loadFor, get)
	b.Logf("name search, 8 clients: %s; load %s", res, loadAverage())
	c := &http.Client{Timeout: time.Minute}
	i := 0
	for b.Loop() {
		if err := get(c, i); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(res.P95.Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(res.P50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(res.PerSecond(), "req/s")
	b.ReportMetric(res.CPUPerRequest(), "go-cpu-µs/req")
}
