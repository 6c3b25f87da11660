package apptest

import (
	"context"
	"fmt"
	"maps"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"homeward/internal/app"
	"homeward/internal/config"
	"homeward/internal/provision"
	"homeward/internal/seedscale"
	"homeward/internal/testdb"
)

// ScaleCountry is the store Scale fills.
const ScaleCountry = "TH"

// scaleTemplate is the template databases of one Scale size, built once per process.
type scaleTemplate struct {
	once  sync.Once
	names map[string]string
	stats seedscale.Stats
	err   error
}

var (
	scaleMu        sync.Mutex
	scaleTemplates = map[int]*scaleTemplate{}
)

// Scale returns a fresh environment whose TH store holds the demo data and persons more persons
// with their cases, made by seedscale.Fill (analysed, ready to measure). The filled databases are
// built once per process and size, as templates; each call clones them (a file copy, seconds at a
// million persons), so several benchmarks of one run fill once.
func Scale(tb testing.TB, persons int) *Env {
	tb.Helper()
	loadTemplates(tb)
	scaleMu.Lock()
	st, ok := scaleTemplates[persons]
	if !ok {
		st = &scaleTemplate{}
		scaleTemplates[persons] = st
	}
	scaleMu.Unlock()
	st.once.Do(func() { st.names, st.stats, st.err = buildScale(tb, persons) })
	if st.err != nil {
		tb.Fatalf("scale template of %d persons: %v", persons, st.err)
	}
	return envFrom(tb, st.names, cloneFileCopy)
}

// cloneMu serialises the clones of the filled templates (a template must have no other session).
var cloneMu sync.Mutex

// cloneFileCopy is testdb.CreateDatabase by file copy (STRATEGY FILE_COPY): PostgreSQL 15's
// default strategy writes every block of the template through the WAL, which takes many minutes for
// a store of a million persons; a file copy takes seconds. The clone is dropped when the test ends.
func cloneFileCopy(tb testing.TB, prefix, template, owner string) string {
	tb.Helper()
	name := prefix + "_" + strings.ToLower(randomHex(6))
	admin := adminDB(tb)
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cloneMu.Lock()
	_, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" OWNER "+owner+" TEMPLATE "+template+" STRATEGY FILE_COPY")
	cloneMu.Unlock()
	if err != nil {
		tb.Fatalf("clone %s: %v", template, err)
	}
	tb.Cleanup(func() {
		admin := adminDB(tb)
		defer admin.Close()
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop %s: %v", name, err)
		}
	})
	return name
}

// buildScale clones the demo templates and fills the clone of the TH store.
func buildScale(tb testing.TB, persons int) (map[string]string, seedscale.Stats, error) {
	ctx := context.Background()
	admin := adminDB(tb)
	defer admin.Close()
	names := maps.Clone(tpl.names)
	suffix := fmt.Sprintf("%d_%s", persons, strings.ToLower(randomHex(4)))
	cfg := config.Config{StoreDSNs: map[string]string{}, MasterKeyFile: tpl.masterKey, AttachmentsDir: config.AttachmentsRoot(os.Getenv)}
	for _, k := range keys() {
		name := "tpls_" + strings.ToLower(k) + "_" + suffix
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+tpl.names[k]+" OWNER "+databaseFor(k).Owner); err != nil {
			return nil, seedscale.Stats{}, fmt.Errorf("scale template %s: %w", name, err)
		}
		names[k] = name
		d := databaseFor(k)
		d.Name = name
		if err := provision.Lockdown(ctx, admin, d); err != nil {
			return nil, seedscale.Stats{}, err
		}
		if k == "hub" {
			cfg.HubDSN = roleDSN(tb, d.App, name)
		} else {
			cfg.StoreDSNs[k] = roleDSN(tb, d.App, name)
		}
	}
	// Open the app on the templates for the store's keys and the directory, as a request would.
	a, err := app.Open(ctx, cfg, app.Options{})
	if err != nil {
		return nil, seedscale.Stats{}, err
	}
	dir, err := seedscale.DirectoryFromHub(ctx, a.Hub, ScaleCountry)
	if err != nil {
		a.Close()
		return nil, seedscale.Stats{}, err
	}
	st, err := a.Stores.For(ScaleCountry)
	if err != nil {
		a.Close()
		return nil, seedscale.Stats{}, err
	}
	keys := st.Keys
	a.Close()
	stats, err := seedscale.Fill(ctx, testdb.DSN(tb, names[ScaleCountry]), keys, dir,
		seedscale.Options{Persons: persons, Now: time.Now(), Analyze: true})
	if err != nil {
		return nil, seedscale.Stats{}, err
	}
	tb.Logf("scale template: %d persons in %s (%.0f persons/s), rows %v, phases:\n%s", persons, stats.Elapsed.Round(time.Millisecond), stats.Rate(), stats.Rows, stats.PhaseReport())
	return names, stats, nil
}
