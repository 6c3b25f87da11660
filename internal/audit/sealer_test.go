package audit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/audit"
	"homeward/internal/testdb"
)

// testAction is a declared action the tests append.
var testAction = audit.CaseRead

// TestConcurrentAppendsSealedOnce: many transactions append in parallel, some roll back, while the
// sealer runs: every committed row is sealed exactly once, in a chain that verifies; rolled-back
// rows leave no trace.
func TestConcurrentAppendsSealedOnce(t *testing.T) {
	env := apptest.New(t)
	th, _ := env.App.Stores.For("TH")
	ctx, stop := context.WithCancel(context.Background())
	sealed := make(chan struct{})
	go func() { defer close(sealed); env.App.Sealer.Run(ctx, 20*time.Millisecond) }()

	const workers, txs = 12, 15
	var wg sync.WaitGroup
	var mu sync.Mutex
	committed, rolledBack := 0, 0
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < txs; i++ {
				n := 1 + (w+i)%3
				rollback := (w+i)%4 == 0
				entries := make([]audit.Entry, n)
				for k := range entries {
					entries[k] = audit.Entry{Action: testAction, Entity: "test", EntityID: fmt.Sprintf("w%d-t%d-%d", w, i, k), Detail: map[string]bool{"rollback": rollback}}
				}
				err := th.DB.Transaction(func(tx *gorm.DB) error {
					if err := audit.AppendMany(tx, time.Now(), entries); err != nil {
						return err
					}
					if rollback {
						return errRollback
					}
					return nil
				})
				if err != nil && !errors.Is(err, errRollback) {
					errs <- err
					return
				}
				mu.Lock()
				if rollback {
					rolledBack += n
				} else {
					committed += n
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	stop()
	<-sealed // Run seals once more as it stops
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var got struct {
		Rows, Sealed, Distinct, RolledBack int64
	}
	th.DB.Raw(`SELECT count(*) AS rows, count(seq) AS sealed, count(DISTINCT seq) AS distinct,
		count(*) FILTER (WHERE detail = '{"rollback":true}') AS rolled_back FROM audit_log WHERE entity = 'test'`).Scan(&got)
	if got.Rows != int64(committed) || got.Sealed != got.Rows || got.Distinct != got.Rows || got.RolledBack != 0 {
		t.Fatalf("rows %+v; committed %d, rolled back %d", got, committed, rolledBack)
	}
	rep, err := audit.Check(context.Background(), th.DB, nil, nil)
	if err != nil || rep.Unsealed != 0 {
		t.Fatalf("chain after concurrent appends: %+v %v", rep, err)
	}
}

var errRollback = errors.New("rolled back on purpose")

// TestAppendTakesNoSharedLock: two transactions each holding an uncommitted audit row both commit
// without waiting for each other, and neither holds a lock on audit_head or the sealer's lock.
func TestAppendTakesNoSharedLock(t *testing.T) {
	env := apptest.New(t)
	th, _ := env.App.Stores.For("TH")
	ctx := context.Background()
	tx1 := th.DB.WithContext(ctx).Begin()
	defer tx1.Rollback()
	if err := audit.Append(tx1, time.Now(), audit.Entry{Action: testAction, Entity: "test", EntityID: "first"}); err != nil {
		t.Fatal(err)
	}
	var pid int
	tx1.Raw(`SELECT pg_backend_pid()`).Scan(&pid)

	// A second transaction appends and commits while the first is open: no wait.
	quick, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := th.DB.WithContext(quick).Transaction(func(tx *gorm.DB) error {
		return audit.Append(tx, time.Now(), audit.Entry{Action: testAction, Entity: "test", EntityID: "second"})
	}); err != nil {
		t.Fatalf("second append while the first is open: %v", err)
	}
	var locks []string
	th.DB.Raw(`SELECT l.locktype || ' ' || coalesce(c.relname, '') || ' ' || l.mode FROM pg_locks l
		LEFT JOIN pg_class c ON c.oid = l.relation
		WHERE l.pid = ? AND (c.relname = 'audit_head' OR l.locktype = 'advisory')`, pid).Scan(&locks)
	if len(locks) != 0 {
		t.Fatalf("an open append holds shared locks: %v", locks)
	}
	// The sealer does not wait for the open transaction either: it seals what is committed.
	if _, err := audit.SealNow(quick, th.DB); err != nil {
		t.Fatalf("seal while a transaction is open: %v", err)
	}
	if err := tx1.Commit().Error; err != nil {
		t.Fatal(err)
	}
	var unsealed []string
	th.DB.Raw(`SELECT entity_id FROM audit_log WHERE entity = 'test' AND seq IS NULL`).Scan(&unsealed)
	if len(unsealed) != 1 || unsealed[0] != "first" {
		t.Fatalf("unsealed after the seal: %v, want [first] (committed after it)", unsealed)
	}
	// The row with the lower id, committed later, is sealed after the higher one.
	if _, err := audit.SealNow(ctx, th.DB); err != nil {
		t.Fatal(err)
	}
	var order []string
	th.DB.Raw(`SELECT entity_id FROM audit_log WHERE entity = 'test' ORDER BY seq`).Scan(&order)
	if strings.Join(order, ",") != "second,first" {
		t.Errorf("chain order %v, want [second first]", order)
	}
	if err := audit.Verify(ctx, th.DB); err != nil {
		t.Fatal(err)
	}
}

// TestSealedRowsCannotBeResealedByTheApp: the app role may seal a row once, never change a sealed
// row's position or hashes, nor any other column.
func TestSealedRowsCannotBeResealedByTheApp(t *testing.T) {
	env := apptest.New(t)
	th, _ := env.App.Stores.For("TH")
	for name, sql := range map[string]string{
		"reseal":      `UPDATE audit_log SET hash = sha256(hash) WHERE seq = 3`,
		"edit detail": `UPDATE audit_log SET detail = 'x' WHERE seq = 3`,
		"delete":      `DELETE FROM audit_log WHERE seq = 3`,
	} {
		if err := th.DB.Exec(sql).Error; err == nil {
			t.Errorf("%s: the app role could", name)
		}
	}
}

// TestVerifyUnsealedRows: young unsealed rows are counted; one older than MaxUnsealedAge fails.
func TestVerifyUnsealedRows(t *testing.T) {
	env := apptest.New(t)
	th, _ := env.App.Stores.For("TH")
	ctx := context.Background()
	if err := th.DB.Transaction(func(tx *gorm.DB) error {
		return audit.AppendMany(tx, time.Now(), []audit.Entry{{Action: testAction}, {Action: testAction}})
	}); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Check(ctx, th.DB, nil, nil)
	if err != nil || rep.Unsealed != 2 || rep.Sealed == 0 {
		t.Fatalf("young unsealed rows: %+v %v", rep, err)
	}
	testdb.Exec(t, env.Databases["TH"], `UPDATE audit_log SET appended_at = now() - interval '61 seconds' WHERE seq IS NULL`)
	err = audit.Verify(ctx, th.DB)
	var b *audit.Break
	if !errors.As(err, &b) || !strings.Contains(b.Reason, "the sealer is not running") {
		t.Fatalf("unsealed for 61 s: %v", err)
	}
	if _, err := audit.SealNow(ctx, th.DB); err != nil {
		t.Fatal(err)
	}
	if err := audit.Verify(ctx, th.DB); err != nil {
		t.Fatalf("after sealing: %v", err)
	}
}

// TestSealerLockIsExclusive: while another session (another server process) holds a database's
// sealer lock, the worker's seal leaves the rows to it; once released, it seals them.
func TestSealerLockIsExclusive(t *testing.T) {
	env := apptest.New(t)
	th, _ := env.App.Stores.For("TH")
	ctx := context.Background()
	if err := th.DB.Transaction(func(tx *gorm.DB) error {
		return audit.Append(tx, time.Now(), audit.Entry{Action: testAction, Entity: "test"})
	}); err != nil {
		t.Fatal(err)
	}
	other := th.DB.Begin()
	defer other.Rollback()
	if err := other.Exec(`SELECT pg_advisory_xact_lock(?)`, audit.SealerLock).Error; err != nil {
		t.Fatal(err)
	}
	if n, err := audit.SealTry(ctx, th.DB); !errors.Is(err, audit.ErrSealerBusy) || n != 0 {
		t.Fatalf("seal while another sealer holds the lock: %d %v", n, err)
	}
	other.Rollback()
	if n, err := audit.SealTry(ctx, th.DB); err != nil || n != 1 {
		t.Fatalf("seal after the lock is released: %d %v", n, err)
	}
}
