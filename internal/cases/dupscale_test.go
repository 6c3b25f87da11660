package cases_test

import (
	"context"
	"crypto/md5"
	"fmt"
	"runtime"
	"strconv"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/testdb"
)

// fillKH adds persons n to m-1 to the TH store: Cambodian nationals with Latin names built from
// syllables (none near the probes' names), varied ages.
const fillKH = `INSERT INTO persons (id, given_name, family_name, sex, age_estimate, nationality)
SELECT md5('fill-' || i)::uuid, initcap(s[1 + i % 20] || s[1 + (i / 20) % 20]), initcap(s[1 + (i / 400) % 20] || 'ra'),
  'female', 16 + i % 45, 'KH'
FROM generate_series($1::int, $2::int - 1) i,
  (SELECT string_to_array('so kha da ra van na sre pov chan tha ri ya mo ni ka la bo pha sa ro', ' ') AS s) syl`

// allocated returns the bytes f allocated in this process.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestDuplicateLookupMemoryDoesNotGrowWithTheStore looks up the same 100 Cambodian rows in a store
// of 2,000 Cambodians and again after 18,000 more: what the look-up allocates must not grow with
// the store. Reading the stored persons of the batch's nationality into memory (as the look-up
// once did for batches of 20 rows or more) allocates about a kilobyte a person, 18 MB more here.
func TestDuplicateLookupMemoryDoesNotGrowWithTheStore(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	a := env.Actor(t, thWorker)
	var rows []cases.IntakeInput
	for i := range 100 {
		rows = append(rows, person(fmt.Sprintf("Zyqueth%c%c", 'a'+i%26, 'a'+i/26), "Wexlovic", "KH", "", 30))
	}
	db := env.Databases["TH"]
	lookup := func() uint64 {
		var err error
		n := allocated(func() { _, err = env.App.Cases.FindDuplicates(ctx, a, rows) })
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	testdb.Exec(t, db, fillKH, 0, 2_000)
	testdb.Exec(t, db, `ANALYZE persons`)
	lookup() // warm: prepared statements, pools
	small := lookup()
	testdb.Exec(t, db, fillKH, 2_000, 20_000)
	testdb.Exec(t, db, `ANALYZE persons`)
	large := lookup()
	t.Logf("allocated by the look-up: %d KB with 2,000 stored, %d KB with 20,000", small>>10, large>>10)
	if large > small+4<<20 {
		t.Errorf("the look-up allocates %d KB with 20,000 stored persons against %d KB with 2,000: it reads the store",
			large>>10, small>>10)
	}
}

// TestFindDuplicatesAcrossStatements looks up a batch of 1,100 rows, three look-up statements of
// 500: the stored persons found for rows at the edges of each statement, in Latin, Thai and Khmer
// script, are reported on those rows, and two rows of different statements that are the same
// person are paired.
func TestFindDuplicatesAcrossStatements(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	a := env.Actor(t, thWorker)
	stored := map[int]*cases.Intaken{
		0:    register(t, env, thWorker, person("Quorravel", "Mbentsho", "KE", "", 30)),
		499:  register(t, env, thWorker, person("วรรณวิสาข์", "ทองประเสริฐกุล", "TH", "1995-03-01", 0)),
		500:  register(t, env, thWorker, person("សុវណ្ណារ៉ា", "ហេងសម្បត្តិ", "KH", "", 28)),
		1099: register(t, env, thWorker, person("Ysoldrine", "Farkashazy", "HU", "1990-01-01", 0)),
	}
	var rows []cases.IntakeInput
	for i := range 1100 {
		h := fmt.Sprintf("%x", md5.Sum([]byte(strconv.Itoa(i)))) // random letters: no two rows alike
		rows = append(rows, person(h[:12], h[12:24], "VN", "", 20+i%40))
	}
	rows[0] = person("Quorravel", "Mbentsho", "KE", "", 31)
	rows[499] = person("วรรณวิสาข์", "ทองประเสริฐกูล", "TH", "1995-09-20", 0)
	rows[500] = person("សុវណ្ណារា", "ហេងសម្បត្តិ", "KH", "", 29)
	rows[1099] = person("Ysoldrine", "Farkashazi", "HU", "1990-03-01", 0)
	rows[10] = person("Pelemaruk", "Ostrovanje", "SI", "", 44)
	rows[1050] = person("Pelemaruk", "Ostrovanja", "SI", "", 45)
	got, err := env.App.Cases.FindDuplicates(ctx, a, rows)
	if err != nil {
		t.Fatal(err)
	}
	for row, r := range stored {
		if d := findDup(got[row], r.Person.ID); d == nil || d.Reason != cases.ReasonName || !d.Visible {
			t.Errorf("row %d: %+v, want stored person %s by name", row, got[row], r.Person.ID)
		}
	}
	paired := func(from, to int) bool {
		for _, d := range got[from] {
			if d.Row != nil && *d.Row == to && d.Reason == cases.ReasonName {
				return true
			}
		}
		return false
	}
	if !paired(10, 1050) || !paired(1050, 10) {
		t.Errorf("rows 10 and 1050 not paired: %+v / %+v", got[10], got[1050])
	}
	for row, dups := range got {
		if _, ok := stored[row]; !ok && row != 10 && row != 1050 {
			t.Errorf("row %d reported: %+v", row, dups)
		}
	}
}
