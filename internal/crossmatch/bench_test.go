package crossmatch_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"homeward/internal/apptest"
	"homeward/internal/linkage"
	"homeward/internal/personlink"
	"homeward/internal/testdb"
)

// Syllables of the synthetic names (Latin, Thai and Khmer renderings mixed by the romaniser).
var (
	benchGiven  = []string{"Somchai", "Sokha", "Dara", "Malee", "Sophea", "Kanya", "Vanna", "Niran", "Chenda", "Arun", "Bopha", "Pich", "Rathana", "Sinuon", "Thida", "Narong", "Kosal", "Srey", "Wichai", "Lina", "สมชาย", "มาลี", "นิรันดร์", "សុខា", "ដារា", "សុភា"}
	benchFamily = []string{"Jaidee", "Chan", "Sok", "Meesuk", "Kim", "Srisuk", "Heng", "Phan", "Rattana", "Kaew", "Chea", "Lim", "Boonmee", "Touch", "Seng", "Prak", "ใจดี", "ศรีสุข", "ចាន់", "សុខ", "ហេង"}
	benchAlias  = []string{"Nok", "Lek", "Joy", "Ton", "Mon", "Bee", "Pon", "Ning"}
)

func benchPerson(r *rand.Rand) linkage.Person {
	p := linkage.Person{GivenName: benchGiven[r.IntN(len(benchGiven))] + benchAlias[r.IntN(len(benchAlias))],
		FamilyName: benchFamily[r.IntN(len(benchFamily))] + strconv.Itoa(r.IntN(40)), BirthYear: 1960 + r.IntN(50)}
	if r.IntN(2) == 0 {
		p.Sex = "female"
	} else {
		p.Sex = "male"
	}
	if r.IntN(3) == 0 {
		p.DocumentNumbers = []string{fmt.Sprintf("N%08d", r.IntN(100_000_000))}
	}
	return p
}

// BenchmarkHubMatch2000 publishes 2,000 new encodings of the TH store to a hub that holds N
// encodings of the KH store (N from HOMEWARD_LINKAGE_BENCH_N, default 1,000,000; half of the new
// persons are KH persons written again), as crossmatch.Publish runs it: read the store's outbox,
// store the encodings in the hub, read the probed blocks of the other country, match, record the
// candidates, mark published, with the other country's encodings already in the hub's index in
// memory (the load of the first publish after start is logged). It reports the hub's storage per person (table, index and TOAST
// included) and the stored encoding's size.
func BenchmarkHubMatch2000(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("HOMEWARD_LINKAGE_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	env := apptest.New(b)
	ctx := context.Background()
	var agency string
	if err := env.App.Hub.Raw(`SELECT id FROM agencies WHERE slug = 'kh-mosvy-poipet'`).Scan(&agency).Error; err != nil {
		b.Fatal(err)
	}
	var version int64
	th, _ := env.App.Stores.For("TH")
	key, err := personlink.CurrentKey(th.DB, th)
	if err != nil {
		b.Fatal(err)
	}
	version = int64(key.Version)
	enc, err := linkage.NewEncoder(key.Version, key.Secret)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(15, 2))
	hub, err := pgx.Connect(ctx, testdb.DSN(b, env.Databases["hub"]))
	if err != nil {
		b.Fatal(err)
	}
	defer hub.Close(ctx)
	start := time.Now()
	kept := make([]linkage.Person, 0, 1000)
	now := time.Now()
	for done := 0; done < n; {
		rows := make([][]any, 0, 50_000)
		for ; done < n && len(rows) < 50_000; done++ {
			p := benchPerson(r)
			if len(kept) < 1000 && r.IntN(max(1, n/2000)) == 0 {
				kept = append(kept, p)
			}
			e, err := enc.Encode(p)
			if err != nil {
				b.Fatal(err)
			}
			bin, _ := e.MarshalBinary()
			rows = append(rows, []any{"KH", uuid.New(), agency, version, int64(e.Block), bin, int64(1), now})
		}
		if _, err := hub.CopyFrom(ctx, pgx.Identifier{"linkage_encodings"}, []string{"country", "token", "agency_id", "key_version",
			"block", "encoding", "generation", "updated_at"}, pgx.CopyFromRows(rows)); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := hub.Exec(ctx, `ANALYZE linkage_encodings`); err != nil {
		b.Fatal(err)
	}
	b.Logf("filled the hub with %d KH encodings in %s", n, time.Since(start).Round(time.Millisecond))
	var perRow, encBytes float64
	if err := hub.QueryRow(ctx, `SELECT pg_total_relation_size('linkage_encodings')::float8 / count(*), avg(octet_length(encoding))::float8
FROM linkage_encodings`).Scan(&perRow, &encBytes); err != nil {
		b.Fatal(err)
	}

	// The first publish after start reads every KH encoding into the hub's index in memory (cache.go).
	warm := time.Now()
	if _, err := env.App.Linkage.PublishAll(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("first publish (demo persons; loads the %d KH encodings into memory): %s", n, time.Since(warm).Round(time.Millisecond))

	// 2,000 new TH persons: the kept KH persons again, then fresh ones.
	store, err := pgx.Connect(ctx, testdb.DSN(b, env.Databases["TH"]))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close(ctx)
	var thAgency string
	if err := env.App.Hub.Raw(`SELECT id FROM agencies WHERE slug = 'th-msdhs-sakaeo'`).Scan(&thAgency).Error; err != nil {
		b.Fatal(err)
	}
	rows := make([][]any, 0, 2000)
	var encodeWall time.Duration
	var encodeCPU float64
	for i := 0; i < 2000; i++ {
		p := benchPerson(r)
		if i < len(kept) {
			p = kept[i]
		}
		t0, c0 := time.Now(), cpuSeconds(b)
		e, err := enc.Encode(p)
		encodeWall, encodeCPU = encodeWall+time.Since(t0), encodeCPU+cpuSeconds(b)-c0
		if err != nil {
			b.Fatal(err)
		}
		bin, _ := e.MarshalBinary()
		probes := make([]int64, len(e.Probes))
		for j, pr := range e.Probes {
			probes[j] = int64(pr)
		}
		rows = append(rows, []any{uuid.New(), uuid.New(), thAgency, version, bin, probes, int64(1), int64(0), now})
	}
	if _, err := store.CopyFrom(ctx, pgx.Identifier{"person_linkage"}, []string{"person_id", "token", "agency_id", "key_version",
		"encoding", "probes", "generation", "published", "updated_at"}, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	ph := newPhases(b, postmaster(b, ctx, hub))
	env.App.Linkage.OnPhase(ph.mark)
	defer env.App.Linkage.OnPhase(nil)
	b.Logf("load average before: %s", loadavg())
	b.ResetTimer()
	cpu0 := cpuSeconds(b)
	for i := 0; i < b.N; i++ {
		if i > 0 {
			b.StopTimer()
			if _, err := store.Exec(ctx, `UPDATE person_linkage SET published = 0`); err != nil {
				b.Fatal(err)
			}
			if _, err := hub.Exec(ctx, `DELETE FROM linkage_encodings WHERE country = 'TH'; DELETE FROM linkage_candidates`); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		ph.mark("begin")
		published, err := env.App.Linkage.Publish(ctx, "TH")
		if err != nil || published < 2000 {
			b.Fatalf("published %d: %v", published, err)
		}
	}
	b.StopTimer()
	b.Logf("load average after: %s", loadavg())
	var pairs int64
	if err := hub.QueryRow(ctx, `SELECT count(*) FROM linkage_candidates WHERE country = 'TH'`).Scan(&pairs); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric((cpuSeconds(b)-cpu0)/float64(b.N), "go-cpu-s/op")
	// The phases, wall, this process's CPU and PostgreSQL's: encoding the 2,000 (in the store, before publishing),
	// publishing (outbox read, hub upsert, audit, commits), scanning the index, recording candidates.
	b.ReportMetric(encodeWall.Seconds()/float64(b.N), "encode-s")
	b.ReportMetric(encodeCPU/float64(b.N), "encode-cpu-s")
	ph.report(b, "publish", "outbox", "store", "finish")
	ph.report(b, "scan", "scan")
	ph.report(b, "record", "record")
	b.ReportMetric(perRow, "hub-bytes/person")
	b.ReportMetric(encBytes, "encoding-bytes")
	b.ReportMetric(float64(pairs)/2000, "candidates/new")
	b.ReportMetric(float64(n), "stored")
}

// phases sums, between the marks of crossmatch's phase hook and by phase, the wall time, this
// process's CPU time and the CPU time of the PostgreSQL cluster's processes (postmaster pm and
// its children: the hub's and the stores' backends, from /proc).
type phases struct {
	tb               testing.TB
	pm               int
	last             time.Time
	lastCPU, lastPG  float64
	wall, cpus, pgcs map[string]float64
}

func newPhases(tb testing.TB, pm int) *phases {
	return &phases{tb: tb, pm: pm, wall: map[string]float64{}, cpus: map[string]float64{}, pgcs: map[string]float64{}}
}

// mark ends the phase named (begin starts a round).
func (p *phases) mark(name string) {
	now, cpu, pg := time.Now(), cpuSeconds(p.tb), clusterCPU(p.tb, p.pm)
	if name != "begin" {
		p.wall[name] += now.Sub(p.last).Seconds()
		p.cpus[name] += cpu - p.lastCPU
		p.pgcs[name] += pg - p.lastPG
	}
	p.last, p.lastCPU, p.lastPG = now, cpu, pg
}

// report reports the sum of the phases named, per operation, as metric-s, metric-cpu-s (Go) and
// metric-pgcpu-s (PostgreSQL).
func (p *phases) report(b *testing.B, metric string, names ...string) {
	var w, c, g float64
	for _, n := range names {
		w, c, g = w+p.wall[n], c+p.cpus[n], g+p.pgcs[n]
	}
	b.ReportMetric(w/float64(b.N), metric+"-s")
	b.ReportMetric(c/float64(b.N), metric+"-cpu-s")
	b.ReportMetric(g/float64(b.N), metric+"-pgcpu-s")
}

// postmaster returns the process id of the PostgreSQL server conn talks to (its backend's parent).
func postmaster(tb testing.TB, ctx context.Context, conn *pgx.Conn) int {
	var backend int
	if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		tb.Fatal(err)
	}
	f := procStat(tb, backend)
	pm, err := strconv.Atoi(f[1])
	if err != nil {
		tb.Fatal(err)
	}
	return pm
}

// clusterCPU returns the CPU seconds (user and system) of the postmaster pm, its live children and
// its children that ended.
func clusterCPU(tb testing.TB, pm int) float64 {
	ticks := func(f []string, from int) float64 {
		t := 0.0
		for _, s := range f[from : from+2] {
			v, _ := strconv.ParseFloat(s, 64)
			t += v
		}
		return t
	}
	f := procStat(tb, pm)
	total := ticks(f, 11) + ticks(f, 13) // utime stime, cutime cstime (fields 14-17)
	kids, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pm, pm))
	if err != nil {
		tb.Fatal(err)
	}
	for _, k := range strings.Fields(string(kids)) {
		pid, _ := strconv.Atoi(k)
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
			total += ticks(statFields(string(b)), 11)
		}
	}
	return total / 100 // USER_HZ
}

// procStat returns the fields of /proc/pid/stat after the command (field 3, the state, first).
func procStat(tb testing.TB, pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	return statFields(string(b))
}

func statFields(s string) []string { return strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) }

// loadavg returns the machine's load averages (other work shares the machine).
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return err.Error()
	}
	return strings.TrimSpace(string(b))
}

// cpuSeconds is the CPU time (user and system) this process has used: the Go side of a benchmark
// (PostgreSQL's own work is in other processes).
func cpuSeconds(tb testing.TB) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
