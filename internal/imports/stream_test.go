package imports_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/imports"
)

// maxImportHeapMB bounds the heap an import of MaxRows rows may add, whatever the store holds (8.4 and
// 8.6 MB measured; the import that read the file whole measured 18.6 and 20.5 MB). The
// file itself (0.3 MB here, 10 MB at most) is the caller's.
const maxImportHeapMB = 14

// heapObjects reads the bytes of the heap's objects, live or not yet swept.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// peakHeapMB runs f with the collector at GOGC=10, so the heap stays close to what is live, while a
// goroutine samples the heap every half millisecond; it returns the peak over the heap before f, in MB.
func peakHeapMB(t *testing.T, f func()) float64 {
	t.Helper()
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	base := heapObjects()
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(500 * time.Microsecond)
		defer tick.Stop()
		for {
			peak = max(peak, heapObjects())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	peak = max(peak, heapObjects())
	return float64(peak-min(peak, base)) / (1 << 20)
}

// namesFile is a template CSV of n persons with run's document numbers; the names and birth dates
// depend on n and i only, so two runs name the same persons.
func namesFile(run, n int) []byte {
	var b strings.Builder
	b.WriteString(enHeader + "\n")
	for i := range n {
		seed := i * 7919
		fmt.Fprintf(&b, "%s,%s,%s,%d-%02d-%02d,,%s,km; th,M%02d%06d,+855 12 %06d,\n",
			benchName(seed), benchName(seed/3+17), []string{"female", "male"}[i%2], 1960+seed%48, 1+seed%12, 1+seed%28,
			[]string{"KH", "TH", "ID", "VN", "CN", "MM"}[seed%6], run, i, i)
	}
	return []byte(b.String())
}

// TestImportHeapDoesNotGrowWithTheStore imports a file of MaxRows persons twice: into the demo store,
// then, with the same names and birth dates, into the store that now holds them (every row meets a
// stored person of its name: the duplicate look-up's hard case). The heap each import adds is
// measured, and both stay under one constant: what the import holds is a batch of rows and the
// report, never the store's persons.
func TestImportHeapDoesNotGrowWithTheStore(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := imports.New(env.App.Stores, env.App.Cases)
	a := env.Actor(t, thWorker)
	op := operationID(t, env, "TH")
	for run, want := range []int{0, imports.MaxRows} {
		file := namesFile(run, imports.MaxRows)
		var rep *imports.Report
		var err error
		mb := peakHeapMB(t, func() { rep, err = svc.Import(ctx, a, op, file, false) })
		if err != nil || rep.Created != imports.MaxRows || len(rep.Errors) > 0 {
			t.Fatalf("import %d: %v, created %d, errors %+v", run, err, rep.Created, rep.Errors[:min(3, len(rep.Errors))])
		}
		if rep.DuplicateWarnings < want {
			t.Errorf("import %d: %d duplicate warnings, want at least %d", run, rep.DuplicateWarnings, want)
		}
		t.Logf("import %d of %d rows (file %.1f MB, %d duplicate warnings): peak heap growth %.1f MB",
			run, imports.MaxRows, float64(len(file))/(1<<20), rep.DuplicateWarnings, mb)
		if mb > maxImportHeapMB {
			t.Errorf("import %d: the heap grew by %.1f MB, more than %d MB", run, mb, maxImportHeapMB)
		}
	}
}

// TestParseKeepsAtMostMaxProblems: a file with an error on every row keeps the first MaxProblems
// errors, in row order, counts the rest and says so in a note.
func TestParseKeepsAtMostMaxProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString(enHeader + "\n")
	for i := range imports.MaxProblems + 500 {
		fmt.Fprintf(&b, "Person %d,Import,robot,,30,KH,km,,,\n", i)
	}
	p := imports.Parse([]byte(b.String()), now)
	if len(p.Errors) != imports.MaxProblems || p.MoreErrors != 500 {
		t.Fatalf("errors kept %d, more %d; want %d and 500", len(p.Errors), p.MoreErrors, imports.MaxProblems)
	}
	if first, last := p.Errors[0], p.Errors[len(p.Errors)-1]; first.Row != 2 || last.Row != imports.MaxProblems+1 || first.Key != "imports.error.sex" {
		t.Errorf("errors from row %d (%s) to row %d, want 2 to %d", first.Row, first.Key, last.Row, imports.MaxProblems+1)
	}
	want := imports.Note{Key: "imports.note.more_errors", Args: []any{"Count", 500, "Max", imports.MaxProblems}}
	if len(p.Notes) != 1 || fmt.Sprint(p.Notes[0]) != fmt.Sprint(want) {
		t.Errorf("notes %+v, want %+v", p.Notes, want)
	}
}

// TestImportFindsTheSamePersonAcrossBatches: the first and the last row of a file of several
// batches name the same person (another document): each row warns of the other, as within one batch.
func TestImportFindsTheSamePersonAcrossBatches(t *testing.T) {
	env := apptest.New(t)
	svc := imports.New(env.App.Stores, env.App.Cases)
	a := env.Actor(t, thWorker)
	op := operationID(t, env, "TH")
	lines := strings.Split(strings.TrimSpace(string(benchFile(7, 600))), "\n")
	again := strings.Split(lines[1], ",")
	again[7] = "AGAIN0001"
	file := strings.Join(append(lines, strings.Join(again, ",")), "\n") + "\n"
	last := len(lines) + 1 // the spreadsheet row of the repeated person
	rep, err := svc.Import(context.Background(), a, op, []byte(file), true)
	if err != nil || len(rep.Errors) > 0 || rep.Rows != 601 {
		t.Fatalf("dry run: %v, rows %d, errors %+v", err, rep.Rows, rep.Errors)
	}
	found := map[[2]int]bool{}
	for _, w := range rep.Warnings {
		if w.Key == "imports.warning.same_person" && len(w.Args) == 2 {
			found[[2]int{w.Row, w.Args[1].(int)}] = true
		}
	}
	if !found[[2]int{2, last}] || !found[[2]int{last, 2}] {
		t.Errorf("rows 2 and %d do not warn of each other; same-person warnings: %v", last, found)
	}
}
