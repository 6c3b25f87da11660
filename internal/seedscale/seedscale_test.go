package seedscale_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/seedscale"
	"homeward/internal/testdb"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const (
	thWorker     = "caseworker@th-msdhs-sakaeo.demo"
	thSupervisor = "supervisor@th-msdhs-sakaeo.demo"
)

// TestScale fills 2,000 persons through apptest.Scale (COPY with the indexes in place) and checks
// what the app makes of them.
func TestScale(t *testing.T) {
	const persons = 2000
	before := apptest.New(t)
	var demo int
	if err := storeDB(t, before).Raw(`SELECT count(*) FROM persons`).Scan(&demo).Error; err != nil {
		t.Fatal(err)
	}
	env := apptest.Scale(t, persons)
	checkFill(t, env, demo+persons)

	t.Run("a second call clones the same fill", func(t *testing.T) {
		again := apptest.Scale(t, persons)
		var n int
		if err := storeDB(t, again).Raw(`SELECT count(*) FROM persons`).Scan(&n).Error; err != nil || n != demo+persons {
			t.Fatalf("persons = %d (%v), want %d", n, err, demo+persons)
		}
	})
}

// TestFillRebuildingIndexes fills with the indexes dropped and rebuilt, twice into one store (the
// second fill continues the audit chain and the references), and checks the same.
func TestFillRebuildingIndexes(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	var demo int
	if err := storeDB(t, env).Raw(`SELECT count(*) FROM persons`).Scan(&demo).Error; err != nil {
		t.Fatal(err)
	}
	dir, err := seedscale.DirectoryFromHub(ctx, env.App.Hub, "TH")
	if err != nil {
		t.Fatal(err)
	}
	st, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatal(err)
	}
	var indexes int
	// Every index and key comes back (keys as constraints: their count is part of it).
	countIndexes := `SELECT (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public') * 1000
  + (SELECT count(*) FROM pg_constraint WHERE connamespace = 'public'::regnamespace)`
	if err := st.DB.Raw(countIndexes).Scan(&indexes).Error; err != nil {
		t.Fatal(err)
	}
	yes := true
	for i, n := range []int{700, 800} {
		stats, err := seedscale.Fill(ctx, testdb.DSN(t, env.Databases["TH"]), st.Keys, dir,
			seedscale.Options{Persons: n, Seed: uint64(i + 1), RebuildIndexes: &yes, ChunkSize: 300})
		if err != nil {
			t.Fatal(err)
		}
		if stats.Rows["persons"] != n || stats.Rows["cases"] != n || stats.Rate() <= 0 {
			t.Errorf("stats %+v", stats)
		}
		t.Logf("%d persons in %s: phases %v", n, stats.Elapsed, stats.Phases)
	}
	var after int
	if err := st.DB.Raw(countIndexes).Scan(&after).Error; err != nil || after != indexes {
		t.Errorf("indexes after the fills = %d (%v), want %d", after, err, indexes)
	}
	checkFill(t, env, demo+1500)
}

func TestFillRefuses(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	st, _ := env.App.Stores.For("TH")
	dir, err := seedscale.DirectoryFromHub(ctx, env.App.Hub, "TH")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seedscale.Fill(ctx, testdb.DSN(t, env.Databases["TH"]), st.Keys, dir, seedscale.Options{}); err == nil {
		t.Error("zero persons: no error")
	}
	// The app role is no superuser: the fill needs one.
	if _, err := seedscale.Fill(ctx, env.Cfg.StoreDSNs["TH"], st.Keys, dir, seedscale.Options{Persons: 10}); err == nil {
		t.Error("app role: no error")
	}
	if _, err := seedscale.DirectoryFromHub(ctx, env.App.Hub, "LA"); err == nil {
		t.Error("a country without agencies: no error")
	}
}

func storeDB(t *testing.T, env *apptest.Env) *gorm.DB {
	t.Helper()
	st, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatal(err)
	}
	return st.DB
}
