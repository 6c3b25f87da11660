package main

import (
	"errors"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/testdb"
)

func TestSeedScaleCommand(t *testing.T) {
	env := apptest.New(t)
	useEnv(t, env)
	count := func() int {
		t.Helper()
		st, _ := env.App.Stores.For("TH")
		var n int
		if err := st.DB.Raw(`SELECT count(*) FROM persons`).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()

	t.Run("refused without the admin DSN", func(t *testing.T) {
		t.Setenv("HOMEWARD_ADMIN_DSN", "")
		if _, err, _ := capture(t, "seed-scale", "--persons", "10"); err == nil || !strings.Contains(err.Error(), "development only") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("refused on another server", func(t *testing.T) {
		t.Setenv("HOMEWARD_ADMIN_DSN", "postgres://postgres@db.example.org:5432/postgres")
		if _, err, _ := capture(t, "seed-scale", "--persons", "10"); err == nil || !strings.Contains(err.Error(), "not on this machine") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("bad arguments", func(t *testing.T) {
		for _, args := range [][]string{{"seed-scale"}, {"seed-scale", "--persons", "0"}, {"seed-scale", "--persons", "x"}} {
			if _, err, _ := capture(t, args...); !errors.Is(err, errUsage) {
				t.Errorf("%v: err = %v, want usage", args, err)
			}
		}
	})
	if count() != before {
		t.Fatal("a refused command wrote persons")
	}
	t.Setenv("HOMEWARD_ADMIN_DSN", testdb.DSN(t, "postgres"))
	code, err, out := capture(t, "seed-scale", "--persons", "300", "--store", "th")
	if code != 0 || err != nil || !strings.Contains(out, "TH: 300 persons in") || !strings.Contains(out, "persons/s") {
		t.Fatalf("code %d, err %v, out %q", code, err, out)
	}
	if got := count(); got != before+300 {
		t.Errorf("persons = %d, want %d", got, before+300)
	}
	if code, err, out := capture(t, "audit", "verify", "--db", "TH"); code != 0 || err != nil {
		t.Errorf("audit verify after seed-scale: code %d, err %v, out %q", code, err, out)
	}
}

func TestSeedScaleRefusesWithoutDemoUsers(t *testing.T) {
	env := apptest.NewEmpty(t)
	useEnv(t, env)
	t.Setenv("HOMEWARD_ADMIN_DSN", testdb.DSN(t, "postgres"))
	if _, err, _ := capture(t, "seed-scale", "--persons", "10"); err == nil || !strings.Contains(err.Error(), "demo users") {
		t.Fatalf("err = %v", err)
	}
}
