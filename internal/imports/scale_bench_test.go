package imports_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"homeward/internal/apptest"
	"homeward/internal/imports"
	"homeward/internal/testdb"
)

// scalePersons is the size of the store the scale benchmarks import into: a million, or
// HOMEWARD_BENCH_PERSONS (a smaller store to try the benchmark quickly).
func scalePersons(tb testing.TB) int {
	if v := os.Getenv("HOMEWARD_BENCH_PERSONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			tb.Fatalf("HOMEWARD_BENCH_PERSONS=%q", v)
		}
		return n
	}
	return 1_000_000
}

// memMB reads this process's resident set and its peak (VmRSS, VmHWM), in MB.
func memMB(tb testing.TB) (rss, peak float64) {
	tb.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return rss, peak
}

// resetPeak returns freed memory to the system and restarts VmHWM from the current resident set
// (writing 5 to clear_refs), so the next peak is the work measured, not what set the store up.
func resetPeak(tb testing.TB) float64 {
	tb.Helper()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		tb.Fatalf("reset the peak resident set: %v", err)
	}
	rss, _ := memMB(tb)
	return rss
}

// storedNamesFile is a template CSV of n persons named as persons of the store are (a random
// sample of the store's names, nationalities and ages): every row meets many stored persons of its
// name, the hard case for the duplicate look-up. Document numbers are new.
func storedNamesFile(tb testing.TB, env *apptest.Env, run, n int) []byte {
	tb.Helper()
	st, err := env.App.Stores.For(apptest.ScaleCountry)
	if err != nil {
		tb.Fatal(err)
	}
	type row struct {
		GivenName, FamilyName, Sex, Nationality string
		BirthDate                               *time.Time
		AgeEstimate                             *int
	}
	var rows []row
	if err := st.DB.Raw(`SELECT given_name, family_name, sex, nationality, birth_date, age_estimate
		FROM persons WHERE given_name NOT LIKE '%,%' AND family_name NOT LIKE '%,%'
		ORDER BY md5(id::text || ?) LIMIT ?`, strconv.Itoa(run), n).Scan(&rows).Error; err != nil || len(rows) < n {
		tb.Fatalf("sample %d names: %d, %v", n, len(rows), err)
	}
	var b strings.Builder
	b.WriteString(enHeader + "\n")
	for i, r := range rows {
		birth, age := "", ""
		if r.BirthDate != nil {
			birth = r.BirthDate.Format("2006-01-02")
		} else if r.AgeEstimate != nil {
			age = strconv.Itoa(*r.AgeEstimate)
		} else {
			age = "30"
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s,,S%03d%06d,,\n", r.GivenName, r.FamilyName, r.Sex, birth, age, r.Nationality, run, i)
	}
	return []byte(b.String())
}

// copyFloor copies the rows of file, parsed, into persons and cases of the store with pgx
// CopyFrom in one transaction (no validation, sealing, duplicate look-up or audit): the floor an
// import is measured against. It returns the time taken.
func copyFloor(tb testing.TB, env *apptest.Env, file []byte, agencyID, op string) time.Duration {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testdb.DSN(tb, env.Databases[apptest.ScaleCountry]))
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	p := imports.Parse(file, time.Now())
	now := time.Now()
	persons, cs := make([][]any, len(p.Rows)), make([][]any, len(p.Rows))
	start := time.Now()
	for i, r := range p.Rows {
		in := r.Input
		var birth any
		if in.BirthDate != "" {
			birth = in.BirthDate
		}
		pid, cid := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
		persons[i] = []any{pid, in.GivenName, in.FamilyName, in.Sex, birth, in.AgeEstimate, in.Nationality, append([]string{}, in.Languages...), op, now, now}
		cs[i] = []any{cid, "COPY-" + cid.String(), pid, agencyID, "reception", now, now}
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"persons"}, []string{"id", "given_name", "family_name", "sex", "birth_date",
		"age_estimate", "nationality", "languages", "operation_id", "created_at", "updated_at"}, pgx.CopyFromRows(persons)); err != nil {
		tb.Fatal(err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"cases"}, []string{"id", "reference", "person_id", "owner_agency_id", "stage",
		"created_at", "updated_at"}, pgx.CopyFromRows(cs)); err != nil {
		tb.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		tb.Fatal(err)
	}
	return time.Since(start)
}

// uploadImport posts file to the import API as a real run and returns the time to the answer.
func uploadImport(tb testing.TB, env *apptest.Env, token, op string, file []byte) time.Duration {
	tb.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("dry_run", "false")
	fw, err := w.CreateFormFile("file", "persons.csv")
	if err != nil {
		tb.Fatal(err)
	}
	fw.Write(file)
	w.Close()
	req, err := http.NewRequest(http.MethodPost, env.URL()+"/api/v1/operations/"+op+"/imports", &buf)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		tb.Fatalf("upload: status %d", res.StatusCode)
	}
	return time.Since(start)
}

// BenchmarkImport2000Into1M imports 2,000 persons into a store of a million (apptest.Scale:
// seedscale's realistic persons, their cases and audit rows), through the service and once an
// iteration through the HTTP upload (another file of the same shape), and in the same run copies
// the rows the service imported into persons and cases with COPY, the floor. Reported: seconds of each (import-s, http-s, copy-s), the import's
// share of COPY's speed (copy-s / import-s; target ≥ 0.25), and the process's resident set: its
// peak during the imports (peak-MB) and that peak's growth over the resident set before them
// (growth-MB). Targets: import under 2 s, RSS under 150 MB. Two files: "distinct" names (few
// duplicates) and "stored" names sampled from the store (every row has many).
func BenchmarkImport2000Into1M(b *testing.B) {
	ctx := context.Background()
	env := apptest.Scale(b, scalePersons(b))
	svc := imports.New(env.App.Stores, env.App.Cases)
	a := env.Actor(b, thWorker)
	token := env.Token(b, thWorker)
	op := operationID(b, env, apptest.ScaleCountry)
	files := []struct {
		name string
		make func(run int) []byte
	}{
		{"distinct", func(run int) []byte { return benchFile(100+run, 2000) }},
		{"stored", func(run int) []byte { return storedNamesFile(b, env, run, 2000) }},
	}
	run := 0
	for _, f := range files {
		b.Run(f.name, func(b *testing.B) {
			var imp, up, cp time.Duration
			var peak, growth float64
			n := 0
			for b.Loop() {
				b.StopTimer()
				run++
				file, upload := f.make(2*run), f.make(2*run+1)
				base := resetPeak(b)
				b.StartTimer()
				start := time.Now()
				rep, err := svc.Import(ctx, a, op, file, false)
				if err != nil || rep.Created != 2000 {
					b.Fatalf("import: %v, report %+v", err, rep.Errors[:min(len(rep.Errors), 3)])
				}
				imp += time.Since(start)
				b.StopTimer()
				up += uploadImport(b, env, token, op, upload)
				_, p := memMB(b)
				peak, growth = max(peak, p), max(growth, p-base)
				cp += copyFloor(b, env, file, a.AgencyID, op) // the same rows, after the import
				n++
				b.StartTimer()
			}
			b.ReportMetric(imp.Seconds()/float64(n), "import-s")
			b.ReportMetric(up.Seconds()/float64(n), "http-s")
			b.ReportMetric(cp.Seconds()/float64(n), "copy-s")
			b.ReportMetric(cp.Seconds()/imp.Seconds(), "of-copy")
			b.ReportMetric(peak, "peak-MB")
			b.ReportMetric(growth, "growth-MB")
		})
	}
}
