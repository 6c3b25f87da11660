package sealed_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/audit"
	"homeward/internal/cases"
	"homeward/internal/sealed"
	"homeward/internal/store"
	"homeward/internal/vault"
)

// ownerStore opens a store as its owner role, as `homeward keys rotate` does, with the master key.
func ownerStore(t testing.TB, env *apptest.Env, cc string) (*gorm.DB, *vault.MasterKey) {
	t.Helper()
	db, err := store.Open(context.Background(), env.OwnerDSN(t, cc))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	m, err := vault.LoadMasterKey(env.Cfg.MasterKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	return db, m
}

// sealedValue is one stored sealed value: its plaintext and the id of the key that sealed it.
type sealedValue struct {
	Plain string
	KeyID uint32
}

// openAll opens every value of every sealed column with keys freshly loaded from db, keyed by
// "table.column/row"; a value that does not open fails the test.
func openAll(t *testing.T, db *gorm.DB, m *vault.MasterKey, cc string) map[string]sealedValue {
	t.Helper()
	keys, err := vault.LoadOrCreateKeys(context.Background(), db, m, cc)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]sealedValue{}
	for _, c := range sealed.StoredColumns {
		var rows []struct {
			Row string
			Val []byte
		}
		q := fmt.Sprintf(`SELECT %s AS row, %s AS val FROM %s WHERE length(%[2]s) > 0`, c.RowExpr(), c.Column, c.Table)
		if err := db.Raw(q).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			pt, err := keys.OpenString(c.Field, r.Row, r.Val)
			if err != nil {
				t.Fatalf("%s.%s of %s: %v", c.Table, c.Column, r.Row, err)
			}
			id, _ := vault.CiphertextKeyID(r.Val)
			out[c.Table+"."+c.Column+"/"+r.Row] = sealedValue{Plain: pt, KeyID: id}
		}
	}
	return out
}

// plain drops the key ids.
func plain(vs map[string]sealedValue) map[string]string {
	out := make(map[string]string, len(vs))
	for k, v := range vs {
		out[k] = v.Plain
	}
	return out
}

// underKey counts the values sealed by key id.
func underKey(vs map[string]sealedValue, id uint32) int {
	n := 0
	for _, v := range vs {
		if v.KeyID == id {
			n++
		}
	}
	return n
}

// auditCount counts the store's audit rows of an action.
func auditCount(t *testing.T, db *gorm.DB, a audit.Action) int64 {
	t.Helper()
	var n int64
	if err := db.Raw(`SELECT count(*) FROM audit_log WHERE action = ?`, a.Name()).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// documentCase is a demo case of the TH caseworker's agency whose person has a document number.
func documentCase(t *testing.T, env *apptest.Env) (caseID, document string) {
	t.Helper()
	w := env.Actor(t, thWorker)
	st, _ := env.App.Stores.For("TH")
	if err := st.DB.Raw(`SELECT c.id::text FROM cases c JOIN persons p ON p.id = c.person_id
		WHERE c.owner_agency_id = ? AND length(p.document_number_enc) > 0 ORDER BY c.id LIMIT 1`, w.AgencyID).Scan(&caseID).Error; err != nil || caseID == "" {
		t.Fatalf("no demo case with a document number: %v", err)
	}
	v, err := env.App.Cases.Get(context.Background(), w, caseID)
	if err != nil || v.Identity == nil || v.Identity.DocumentNumber == "" {
		t.Fatalf("read case %s: %v", caseID, err)
	}
	return caseID, v.Identity.DocumentNumber
}

func TestStoredColumnsMatchSchema(t *testing.T) {
	env := apptest.New(t)
	st, _ := env.App.Stores.For("TH")
	var cols []struct{ Table, Column string }
	if err := st.DB.Raw(`SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns
		WHERE table_schema = 'public' AND (data_type = 'bytea' OR udt_name = '_bytea')`).Scan(&cols).Error; err != nil {
		t.Fatal(err)
	}
	registered := map[string]sealed.Stored{}
	for _, c := range sealed.StoredColumns {
		registered[c.Table+"."+c.Column] = c
	}
	seen := map[string]bool{}
	for _, c := range cols {
		name := c.Table + "." + c.Column
		seen[name] = true
		if _, ok := registered[name]; !ok && !slices.Contains(sealed.NotSealed, name) {
			t.Errorf("bytea column %s is neither in sealed.StoredColumns nor in sealed.NotSealed", name)
		}
	}
	for name, c := range registered {
		if !seen[name] {
			t.Errorf("sealed.StoredColumns names %s, which the schema lacks", name)
		}
		var pk []string
		st.DB.Raw(`SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
			WHERE i.indrelid = ?::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)`, c.Table).Scan(&pk)
		var want []string
		for _, k := range c.Keys {
			want = append(want, k.Name)
		}
		if !slices.Equal(pk, want) {
			t.Errorf("%s: keys %v, primary key %v", name, want, pk)
		}
	}
	// Every demo value opens with the field and row the list gives (openAll fails otherwise).
	db, m := ownerStore(t, env, "TH")
	vs := openAll(t, db, m, "TH")
	tables := map[string]bool{}
	for k := range vs {
		tables[k[:slices.Index([]byte(k), '/')]] = true
	}
	if len(tables) < 10 {
		t.Errorf("only %d sealed columns hold demo values: %v", len(tables), tables)
	}
}

func TestKeyRotate(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	defer sealed.SetRotateBatch(7)() // several batches per column, through composite keys too
	db, m := ownerStore(t, env, "TH")
	caseID, document := documentCase(t, env)
	before := openAll(t, db, m, "TH")
	macBefore := bytesOf(t, db, `SELECT mac AS b FROM keysets WHERE country = 'TH'`)

	r1, err := sealed.Rotate(ctx, db, m, "TH")
	if err != nil || !r1.Finished || r1.Resumed || r1.Remaining != 0 {
		t.Fatalf("rotate: %+v, %v", r1, err)
	}
	after := openAll(t, db, m, "TH")
	if diff := cmp.Diff(plain(before), plain(after)); diff != "" {
		t.Fatalf("values changed by rotation (-before +after):\n%s", diff)
	}
	if n := underKey(after, r1.KeyID); n != len(after) || int64(n) != r1.Resealed {
		t.Fatalf("%d of %d values under the new key %d, %d re-sealed", n, len(after), r1.KeyID, r1.Resealed)
	}
	// The running app, loaded before the rotation, reads the case and then seals under the new key.
	w := env.Actor(t, thWorker)
	v, err := env.App.Cases.Get(ctx, w, caseID)
	if err != nil || v.Identity.DocumentNumber != document {
		t.Fatalf("app read after rotation: %v, %v", v, err)
	}
	p, _, err := env.App.Cases.Intake(ctx, w, cases.IntakeInput{GivenName: "Sokha", FamilyName: "Chan", Sex: "female",
		BirthDate: "1999-02-03", Nationality: "KH", DocumentNumber: "N0412345"})
	if err != nil {
		t.Fatal(err)
	}
	enc := bytesOf(t, db, `SELECT document_number_enc AS b FROM persons WHERE id = ?`, p.ID)
	if id, _ := vault.CiphertextKeyID(enc); id != r1.KeyID {
		t.Fatalf("new intake sealed under key %d, want %d", id, r1.KeyID)
	}
	// The MAC keyset is not rotated: blind indexes stay valid.
	macAfter := bytesOf(t, db, `SELECT mac AS b FROM keysets WHERE country = 'TH'`)
	bidx := bytesOf(t, db, `SELECT document_number_bidx AS b FROM persons WHERE id = ?`, p.ID)
	st, _ := env.App.Stores.For("TH")
	if !slices.Equal(macBefore, macAfter) || !slices.Equal(bidx, st.Keys.BlindIndex(vault.KindDocumentNumber, "N0412345")) {
		t.Fatal("the MAC keyset or a blind index changed")
	}

	r2, err := sealed.Rotate(ctx, db, m, "TH")
	if err != nil || !r2.Finished || r2.KeyID == r1.KeyID {
		t.Fatalf("second rotate: %+v, %v", r2, err)
	}
	again := openAll(t, db, m, "TH")
	if n := underKey(again, r2.KeyID); n != len(again) || n != len(after)+1 {
		t.Fatalf("%d of %d values under the second key", n, len(again))
	}
	primary, ids, err := m.KeyIDs("TH", "aead", readAEAD(t, db))
	if err != nil || primary != r2.KeyID || len(ids) != 3 || !slices.Contains(ids, r1.KeyID) {
		t.Fatalf("keyset after two rotations: primary %d, ids %v, %v", primary, ids, err)
	}
	if s, d := auditCount(t, db, sealed.StoreKeyRotateStart), auditCount(t, db, sealed.StoreKeyRotateDone); s != 2 || d != 2 {
		t.Fatalf("audit rows: %d starts, %d done", s, d)
	}
	if err := audit.Verify(ctx, db); err != nil {
		t.Fatalf("audit chain after rotations: %v", err)
	}
	// The other store is untouched.
	kh, _ := ownerStore(t, env, "KH")
	if n := auditCount(t, kh, sealed.StoreKeyRotateStart); n != 0 {
		t.Fatalf("KH has %d rotation rows", n)
	}
}

func readAEAD(t *testing.T, db *gorm.DB) []byte {
	t.Helper()
	return bytesOf(t, db, `SELECT aead AS b FROM keysets WHERE country = 'TH'`)
}

// bytesOf returns the bytea column b of the one row of a query.
func bytesOf(t *testing.T, db *gorm.DB, query string, args ...any) []byte {
	t.Helper()
	var row struct{ B []byte }
	if err := db.Raw(query, args...).Scan(&row).Error; err != nil {
		t.Fatal(err)
	}
	return row.B
}

// TestKeyRotateInterrupted cancels a rotation after its first batches, reads through the running
// app in the middle of it, and resumes it.
func TestKeyRotateInterrupted(t *testing.T) {
	env := apptest.New(t)
	defer sealed.SetRotateBatch(5)()
	db, m := ownerStore(t, env, "TH")
	caseID, document := documentCase(t, env)
	before := openAll(t, db, m, "TH")

	ctx, cancel := context.WithCancel(context.Background())
	batches := 0
	restore := sealed.SetBatchDone(func(sealed.Stored, int) {
		if batches++; batches == 3 {
			cancel()
		}
	})
	r, err := sealed.Rotate(ctx, db, m, "TH")
	restore()
	if !errors.Is(err, context.Canceled) || r.Finished {
		t.Fatalf("cancelled rotate: %+v, %v", r, err)
	}
	mid := openAll(t, db, m, "TH")
	if n := underKey(mid, r.KeyID); n != 15 || len(mid) <= 15 {
		t.Fatalf("after 3 batches of 5: %d of %d values under the new key", n, len(mid))
	}
	// The first re-sealed column is persons.document_number: the app meets the new key id there.
	w := env.Actor(t, thWorker)
	if v, err := env.App.Cases.Get(context.Background(), w, caseID); err != nil || v.Identity.DocumentNumber != document {
		t.Fatalf("app read in the middle of the rotation: %v, %v", v, err)
	}
	var resealedDocs int64
	db.Raw(`SELECT count(*) FROM persons WHERE substring(document_number_enc FROM 1 FOR 5) = ?`, vault.KeyIDPrefix(r.KeyID)).Scan(&resealedDocs)
	if resealedDocs == 0 {
		t.Fatal("no document number re-sealed before the cancel")
	}

	r2, err := sealed.Rotate(context.Background(), db, m, "TH")
	if err != nil || !r2.Finished || !r2.Resumed || r2.KeyID != r.KeyID || int(r2.Resealed) != len(before) {
		t.Fatalf("resumed rotate: %+v (first %+v), %v; %d values", r2, r, err, len(before))
	}
	after := openAll(t, db, m, "TH")
	if diff := cmp.Diff(plain(before), plain(after)); diff != "" || underKey(after, r.KeyID) != len(after) {
		t.Fatalf("after resume: %d of %d under the key; diff:\n%s", underKey(after, r.KeyID), len(after), diff)
	}
	if s, d := auditCount(t, db, sealed.StoreKeyRotateStart), auditCount(t, db, sealed.StoreKeyRotateDone); s != 1 || d != 1 {
		t.Fatalf("audit rows: %d starts, %d done", s, d)
	}
	if p := auditCount(t, db, sealed.StoreKeyRotateProgress); p == 0 {
		t.Fatal("no progress audit row")
	}
	if err := audit.Verify(context.Background(), db); err != nil {
		t.Fatal(err)
	}
}

// TestKeyRotateConcurrentStart starts two rotations from the same read of the keyset: the second
// replaces nothing, so no key is lost.
func TestKeyRotateConcurrentStart(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	db, m := ownerStore(t, env, "TH")
	aead, version, err := sealed.KeysetVersion(ctx, db, "TH")
	if err != nil {
		t.Fatal(err)
	}
	first, err := sealed.BeginRotation(ctx, db, m, "TH", aead, version)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sealed.BeginRotation(ctx, db, m, "TH", aead, version); !errors.Is(err, sealed.ErrKeysetChanged) {
		t.Fatalf("second start from a stale keyset: %v", err)
	}
	primary, ids, err := m.KeyIDs("TH", "aead", readAEAD(t, db))
	if err != nil || primary != first.KeyID || len(ids) != 2 {
		t.Fatalf("keyset: primary %d ids %v, %v", primary, ids, err)
	}
	// The open rotation is resumed, not doubled.
	r, err := sealed.Rotate(ctx, db, m, "TH")
	if err != nil || !r.Resumed || r.KeyID != first.KeyID || !r.Finished {
		t.Fatalf("rotate after the start: %+v, %v", r, err)
	}
}
