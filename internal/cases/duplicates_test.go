package cases_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/problem"
	"homeward/internal/testdb"
)

// person is a valid intake with the given names, nationality and birth date ("" for an age).
func person(given, family, nat, birth string, age int) cases.IntakeInput {
	in := cases.IntakeInput{GivenName: given, FamilyName: family, Sex: "female", Nationality: nat, BirthDate: birth}
	if birth == "" {
		in.AgeEstimate = &age
	}
	return in
}

func register(t *testing.T, env *apptest.Env, email string, in cases.IntakeInput) *cases.Intaken {
	t.Helper()
	r, err := env.App.Cases.Register(context.Background(), env.Actor(t, email), in)
	if err != nil {
		t.Fatalf("register %s %s: %v", in.GivenName, in.FamilyName, err)
	}
	return r
}

// findDup returns the duplicate naming personID, or nil.
func findDup(dups []cases.Duplicate, personID string) *cases.Duplicate {
	for i := range dups {
		if dups[i].PersonID == personID {
			return &dups[i]
		}
	}
	return nil
}

func TestPossibleDuplicates(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()

	withDoc := func(in cases.IntakeInput, doc string) cases.IntakeInput { in.DocumentNumber = doc; return in }
	withHeld := func(in cases.IntakeInput, kind, number string) cases.IntakeInput {
		in.DocumentsHeld = []cases.HeldDocument{{Kind: kind, Number: number}}
		return in
	}
	withAliases := func(in cases.IntakeInput, aliases ...string) cases.IntakeInput { in.Aliases = aliases; return in }

	tests := []struct {
		name     string
		existing cases.IntakeInput
		by       string // who registered the existing person
		check    cases.IntakeInput
		as       string
		reason   string // "" for no match
		visible  bool
	}{
		{"document, other formatting", withDoc(person("Qoreth", "Vanlendt", "KH", "", 31), "AB 123-456"), thWorker,
			withDoc(person("Zzyx", "Unrelated", "ID", "", 50), "ab123456"), thWorker, cases.ReasonDocument, true},
		{"held document number against primary", withDoc(person("Pralomb", "Yistre", "KH", "", 40), "X-77.88/99"), thWorker,
			withHeld(person("Other", "Name", "KH", "", 20), "passport", "x778899"), thWorker, cases.ReasonDocument, true},
		{"Thai name, one vowel differs", person("วรรณวิสาข์", "ทองประเสริฐกุล", "TH", "1995-03-01", 0), thWorker,
			person("วรรณวิสาข์", "ทองประเสริฐกูล", "TH", "1995-09-20", 0), thWorker, cases.ReasonName, true},
		{"Thai name, final letter dropped", person("ปัณณวัฒน์", "ศรีวิลาศสกุล", "TH", "", 41), thWorker,
			person("ปัณณวัฒ", "ศรีวิลาศสกุล", "TH", "", 40), thWorker, cases.ReasonName, true},
		{"Khmer name, vowel differs", person("សុវណ្ណារ៉ា", "ហេងសម្បត្តិ", "KH", "", 28), thWorker,
			person("សុវណ្ណារា", "ហេងសម្បត្តិ", "KH", "", 29), thWorker, cases.ReasonName, true},
		{"Latin name, one letter more, birth date against age", person("Xoanthe", "Mbalikowa", "KE", "1990-06-15", 0), thWorker,
			person("Xoanthe", "Mbalikova", "KE", "", 35), thWorker, cases.ReasonName, true},
		{"alias against name", withAliases(person("Ploykaew", "Srisawang", "TH", "", 22), "Nongnuch Phetkham"), thWorker,
			person("Nongnuch", "Phetkam", "TH", "", 23), thWorker, cases.ReasonName, true},
		{"name of another agency's case: reported, not described", person("Kavyenth", "Oloroso", "PH", "", 33), thPolice,
			person("Kavyenth", "Oloroso", "PH", "", 33), thWorker, cases.ReasonName, false},
		{"same name, other nationality", person("Drummelth", "Qaziyev", "UZ", "", 30), thWorker,
			person("Drummelth", "Qaziyev", "KZ", "", 30), thWorker, "", false},
		{"same name, birth dates two years apart", person("Ysolde", "Farkashazy", "HU", "1990-01-01", 0), thWorker,
			person("Ysolde", "Farkashazy", "HU", "1992-01-05", 0), thWorker, "", false},
		{"same name, ages five years apart", person("Brannoch", "Eskildsen", "DK", "", 30), thWorker,
			person("Brannoch", "Eskildsen", "DK", "", 35), thWorker, "", false},
		{"different name", person("Henrietta", "Wolstenholme", "GB", "", 30), thWorker,
			person("Bartholomew", "Ashdown", "GB", "", 30), thWorker, "", false},
		{"same person in the other store", withDoc(person("Thuvarak", "Ellenbach", "KH", "", 30), "ZZ 999 111"), khWorker,
			withDoc(person("Thuvarak", "Ellenbach", "KH", "", 30), "ZZ999111"), thWorker, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := register(t, env, tt.by, tt.existing)
			dups, err := env.App.Cases.PossibleDuplicates(ctx, env.Actor(t, tt.as), tt.check)
			if err != nil {
				t.Fatal(err)
			}
			d := findDup(dups, r.Person.ID)
			if tt.reason != "" && !tt.visible {
				// A person the actor may not see is reported without its id.
				if d != nil {
					t.Fatalf("a hidden person is named: %+v", *d)
				}
				for i := range dups {
					if dups[i].PersonID == "" && dups[i].Row == nil && dups[i].Reason == tt.reason {
						d = &dups[i]
					}
				}
			}
			if tt.reason == "" {
				if d != nil {
					t.Fatalf("reported %+v, want no match", *d)
				}
				return
			}
			if d == nil {
				t.Fatalf("person %s not reported: %+v", r.Person.ID, dups)
			}
			if d.Reason != tt.reason || d.Visible != tt.visible {
				t.Errorf("duplicate = %+v, want reason %s visible %v", *d, tt.reason, tt.visible)
			}
			if tt.visible && (len(d.Cases) != 1 || d.Cases[0].ID != r.Case.ID || d.GivenName != tt.existing.GivenName) {
				t.Errorf("visible duplicate without its case or name: %+v", *d)
			}
			if !tt.visible && (len(d.Cases) != 0 || d.GivenName != "" || d.FamilyName != "") {
				t.Errorf("a duplicate the actor may not see reveals more than that it exists: %+v", *d)
			}
		})
	}
}

func TestRegisterReportsDuplicates(t *testing.T) {
	env := apptest.New(t)
	first := register(t, env, thWorker, func() cases.IntakeInput {
		in := person("Meuanfah", "Xaysombath", "LA", "", 26)
		in.DocumentNumber = "LA-445566"
		return in
	}())
	again := person("Meuanfah", "Xaysombat", "LA", "", 27)
	second := register(t, env, thWorker, again)
	if d := findDup(second.Duplicates, first.Person.ID); d == nil || d.Reason != cases.ReasonName {
		t.Fatalf("second registration: duplicates %+v, want %s by name", second.Duplicates, first.Person.ID)
	}
	if first.Duplicates != nil && findDup(first.Duplicates, first.Person.ID) != nil {
		t.Fatal("a person is its own duplicate")
	}
}

func TestFindDuplicatesInBatch(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	stored := register(t, env, thWorker, person("Oyelaran", "Adebimpe", "NG", "", 30))
	rows := []cases.IntakeInput{
		person("Chidinma", "Okonkwo", "NG", "", 24),    // 0: like row 2
		person("Tarkovine", "Halvorsen", "NO", "", 41), // 1: same document as row 3
		person("Chidinma", "Okonkwoh", "NG", "", 25),   // 2
		person("Ingrid", "Solbakken", "NO", "", 19),    // 3
		person("Oyelaran", "Adebimpe", "NG", "", 31),   // 4: the stored person
		{GivenName: "", Sex: "female"},                 // 5: invalid, skipped
	}
	rows[1].DocumentNumber, rows[3].DocumentsHeld = "NO 5550001", []cases.HeldDocument{{Kind: "passport", Number: "no5550001"}}
	got, err := env.App.Cases.FindDuplicates(ctx, env.Actor(t, thWorker), rows)
	if err != nil {
		t.Fatal(err)
	}
	rowOf := func(ds []cases.Duplicate, reason string) int {
		for _, d := range ds {
			if d.Row != nil && d.Reason == reason {
				return *d.Row
			}
		}
		return -1
	}
	for _, c := range []struct {
		row, other int
		reason     string
	}{{0, 2, "name"}, {2, 0, "name"}, {1, 3, "document"}, {3, 1, "document"}} {
		if r := rowOf(got[c.row], c.reason); r != c.other {
			t.Errorf("row %d: within-batch %s duplicate = row %d, want %d (%+v)", c.row, c.reason, r, c.other, got[c.row])
		}
	}
	if d := findDup(got[4], stored.Person.ID); d == nil || d.Reason != cases.ReasonName {
		t.Errorf("row 4: %+v, want the stored person", got[4])
	}
	if _, ok := got[5]; ok {
		t.Errorf("invalid row 5 reported: %+v", got[5])
	}

	// IntakeBatch fills the same warnings and registers every row all the same.
	res, err := env.App.Cases.IntakeBatch(ctx, env.Actor(t, thWorker), rows[:5])
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 5 || rowOf(res[0].Duplicates, "name") != 2 || findDup(res[4].Duplicates, stored.Person.ID) == nil {
		t.Errorf("batch duplicates: %+v", res)
	}
}

func TestDuplicatesRefusedAndInvalid(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	ok := person("Dara", "Check", "KH", "", 30)
	for _, email := range []string{thAuditor, thAnalyst, thAdmin, embassy, ngo} {
		if _, err := env.App.Cases.PossibleDuplicates(ctx, env.Actor(t, email), ok); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s: err = %v, want not found", email, err)
		}
		if _, err := env.App.Cases.FindDuplicates(ctx, env.Actor(t, email), []cases.IntakeInput{ok}); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s: FindDuplicates err = %v, want not found", email, err)
		}
	}
	bad := ok
	bad.Nationality = "XX"
	_, err := env.App.Cases.PossibleDuplicates(ctx, env.Actor(t, thWorker), bad)
	if inv, isInv := problem.AsInvalid(err); !isInv || inv.Fields["nationality"] == "" {
		t.Errorf("invalid input: err = %v", err)
	}
}

// BenchmarkPossibleDuplicates looks up the duplicates of one person (by document and by name) in a
// store holding the demo data and 3,000 more persons of similar names.
func BenchmarkPossibleDuplicates(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	a := env.Actor(b, thWorker)
	given := []string{"Sokha", "Dara", "Sophea", "Vannak", "สมชาย", "สุภาพร", "សុខា", "ដារ៉ា", "Bopha", "Rithy"}
	family := []string{"Chan", "Sok", "Heng", "Kim", "ใจดี", "ศรีสุข", "ចាន់", "សុខ", "Keo", "Ly"}
	batch := make([]cases.IntakeInput, 0, 3000)
	for i := range 3000 {
		in := person(given[i%len(given)], fmt.Sprintf("%s%d", family[(i/10)%len(family)], i), "KH", "", 18+i%30)
		in.DocumentNumber = fmt.Sprintf("N%07d", i)
		batch = append(batch, in)
	}
	if _, err := env.App.Cases.IntakeBatch(ctx, a, batch); err != nil {
		b.Fatal(err)
	}
	vacuum(b, env, "TH")
	probe := person("Sokha", "Chan17", "KH", "", 30)
	probe.DocumentNumber = "N 0001234"
	probe.Aliases = []string{"Sokha Chan"}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		dups, err := env.App.Cases.PossibleDuplicates(ctx, a, probe)
		if err != nil || len(dups) == 0 {
			b.Fatalf("duplicates: %d, %v", len(dups), err)
		}
	}
}

// vacuum brings a store to the state autovacuum keeps it in (statistics fresh, the trigram
// indexes' pending lists merged), as a superuser.
func vacuum(b *testing.B, env *apptest.Env, country string) {
	b.Helper()
	db, err := sql.Open("pgx", testdb.DSN(b, env.Databases[country]))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`VACUUM ANALYZE persons`); err != nil {
		b.Fatal(err)
	}
}
