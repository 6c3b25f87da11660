package apptest_test

import (
	"context"
	"testing"

	"homeward/internal/apptest"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// TestNewEmpty: an empty environment has no agency, user or case; the demo one has them.
func TestNewEmpty(t *testing.T) {
	ctx := context.Background()
	count := func(env *apptest.Env) (users, agencies, cases int64) {
		t.Helper()
		var err error
		if users, err = env.App.Directory.CountUsers(ctx); err != nil {
			t.Fatal(err)
		}
		if err := env.App.Hub.Raw(`SELECT count(*) FROM agencies`).Scan(&agencies).Error; err != nil {
			t.Fatal(err)
		}
		st, err := env.App.Stores.For("TH")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.DB.Raw(`SELECT count(*) FROM cases`).Scan(&cases).Error; err != nil {
			t.Fatal(err)
		}
		return
	}
	if u, a, c := count(apptest.NewEmpty(t)); u != 0 || a != 0 || c != 0 {
		t.Errorf("empty environment: %d users, %d agencies, %d TH cases; want none", u, a, c)
	}
	if u, a, c := count(apptest.New(t)); u == 0 || a == 0 || c < 40 {
		t.Errorf("demo environment: %d users, %d agencies, %d TH cases", u, a, c)
	}
}
