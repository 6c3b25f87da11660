package backup_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"homeward/internal/app"
	"homeward/internal/apptest"
	"homeward/internal/backup"
	"homeward/internal/cases"
	"homeward/internal/provision"
	"homeward/internal/testdb"
	"homeward/internal/vault"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const thWorker = "caseworker@th-msdhs-sakaeo.demo"

// target is a database to restore into.
type target struct {
	Name, OwnerDSN, AppDSN string
	App                    string
}

// emptyTarget creates an empty database for key ("hub", "TH", "KH") owned by its owner role and
// locked down as provisioning does.
func emptyTarget(t *testing.T, key string) target {
	t.Helper()
	d := provision.HubDatabase()
	if key != "hub" {
		d = provision.StoreDatabase(key)
	}
	d.Name = testdb.CreateDatabase(t, "t_restore_"+strings.ToLower(key), "", d.Owner)
	admin, err := sql.Open("pgx", testdb.DSN(t, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := provision.Lockdown(context.Background(), admin, d); err != nil {
		t.Fatal(err)
	}
	return target{Name: d.Name, OwnerDSN: apptest.RoleDSN(t, d.Owner, d.Name), AppDSN: apptest.RoleDSN(t, d.App, d.Name), App: d.App}
}

// envTarget is one of the environment's own (non-empty) databases as a target.
func envTarget(t *testing.T, env *apptest.Env, key string) target {
	t.Helper()
	app := provision.StoreDatabase(key).App
	if key == "hub" {
		app = provision.HubDatabase().App
	}
	return target{Name: env.Databases[key], OwnerDSN: env.OwnerDSN(t, key), App: app}
}

func master(t *testing.T, env *apptest.Env) *vault.MasterKey {
	t.Helper()
	m, err := vault.LoadMasterKey(env.Cfg.MasterKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// takeBackup backs up one of the environment's databases into a new directory.
func takeBackup(t *testing.T, env *apptest.Env, key string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "backup-"+key)
	if _, err := backup.Backup(context.Background(), key, env.OwnerDSN(t, key), dir); err != nil {
		t.Fatalf("backup %s: %v", key, err)
	}
	return dir
}

// relations counts the relations of a database's schema public.
func relations(t *testing.T, dbname string) int {
	t.Helper()
	db, err := sql.Open("pgx", testdb.DSN(t, dbname))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	w := env.Actor(t, thWorker)
	p, c, err := env.App.Cases.Intake(ctx, w, cases.IntakeInput{GivenName: "Dara", FamilyName: "Sok", Sex: "male",
		BirthDate: "1996-05-01", Nationality: "KH", DocumentNumber: "N0998877", Contact: "+855 12 345 678"})
	if err != nil {
		t.Fatal(err)
	}
	dir := takeBackup(t, env, "TH")

	// The files: 0600 in a 0700 directory, a manifest naming the database and both files.
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("backup directory: %v %v", fi.Mode(), err)
	}
	for _, name := range []string{backup.DumpFile, backup.KeysetsFile, backup.ManifestFile} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", name, fi, err)
		}
	}
	m, err := backup.ReadManifest(dir)
	if err != nil || m.Database != "TH" || m.Kind != "store" || m.Country != "TH" || len(m.Files) != 2 || m.Migration < 31 || m.Homeward == "" {
		t.Fatalf("manifest %+v, %v", m, err)
	}
	var keysets []backup.Keyset
	b, _ := os.ReadFile(filepath.Join(dir, backup.KeysetsFile))
	if err := json.Unmarshal(b, &keysets); err != nil || len(keysets) != 4 || keysets[0].Purpose != "aead" || len(keysets[1].Wrapped) == 0 ||
		keysets[2].Table != "store_keys" || keysets[2].Purpose != "audit-anchor" ||
		keysets[3].Table != "store_keys" || !strings.HasPrefix(keysets[3].Purpose, "linkage:") || len(keysets[3].Wrapped) == 0 {
		t.Fatalf("keysets file %s: %v", b, err)
	}
	// A second backup into the same directory is refused.
	if _, err := backup.Backup(ctx, "TH", env.OwnerDSN(t, "TH"), dir); !errors.Is(err, backup.ErrExists) {
		t.Fatalf("backup over a backup: %v", err)
	}

	// Restore into a fresh empty database and read the new person back through the app.
	tgt := emptyTarget(t, "TH")
	res, err := backup.Restore(ctx, backup.RestoreOptions{Database: "TH", From: dir, OwnerDSN: tgt.OwnerDSN, AppRole: tgt.App, Master: master(t, env)})
	if err != nil || res.Audit != nil || res.Keysets != 4 || res.Sealed < 10 || len(res.Dropped) != 0 {
		t.Fatalf("restore: %+v, %v", res, err)
	}
	cfg := env.Cfg
	cfg.StoreDSNs = map[string]string{"TH": tgt.AppDSN, "KH": env.Cfg.StoreDSNs["KH"]}
	restored, err := app.Open(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatalf("open the app on the restored store: %v", err)
	}
	defer restored.Close()
	v, err := restored.Cases.Get(ctx, w, c.ID)
	if err != nil || v.Identity.DocumentNumber != "N0998877" || v.Identity.Contact != "+855 12 345 678" || v.Case.PersonID != p.ID {
		t.Fatalf("case read from the restored store: %+v, %v", v, err)
	}
	// The app role may write rows again, as after provisioning.
	if _, _, err := restored.Cases.Intake(ctx, w, cases.IntakeInput{GivenName: "Vanna", FamilyName: "Keo", Sex: "female",
		BirthDate: "2000-01-01", Nationality: "KH"}); err != nil {
		t.Fatalf("intake on the restored store: %v", err)
	}

	// --replace restores over a database that changed since the backup: the change is gone.
	if _, _, err := env.App.Cases.Intake(ctx, w, cases.IntakeInput{GivenName: "Later", FamilyName: "Person", Sex: "male",
		BirthDate: "1990-01-01", Nationality: "KH"}); err != nil {
		t.Fatal(err)
	}
	live := envTarget(t, env, "TH")
	res, err = backup.Restore(ctx, backup.RestoreOptions{Database: "TH", From: dir, OwnerDSN: live.OwnerDSN, AppRole: live.App, Master: master(t, env), Replace: true})
	if err != nil || res.Audit != nil || len(res.Dropped) < 20 {
		t.Fatalf("restore --replace: %+v, %v", res, err)
	}
	var later int
	st, _ := env.App.Stores.For("TH")
	st.DB.Raw(`SELECT count(*) FROM persons WHERE given_name = 'Later'`).Scan(&later)
	if later != 0 {
		t.Fatal("the person written after the backup survived --replace")
	}
}

func TestBackupRestoreHub(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	dir := takeBackup(t, env, "hub")
	var keysets []backup.Keyset
	b, _ := os.ReadFile(filepath.Join(dir, backup.KeysetsFile))
	if err := json.Unmarshal(b, &keysets); err != nil || len(keysets) == 0 {
		t.Fatalf("hub keysets file %s: %v", b, err)
	}
	tgt := emptyTarget(t, "hub")
	res, err := backup.Restore(ctx, backup.RestoreOptions{Database: "hub", From: dir, OwnerDSN: tgt.OwnerDSN, AppRole: tgt.App, Master: master(t, env)})
	if err != nil || res.Audit != nil || res.Keysets != len(keysets) {
		t.Fatalf("restore hub: %+v, %v", res, err)
	}
	cfg := env.Cfg
	cfg.HubDSN = tgt.AppDSN
	restored, err := app.Open(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if n, err := restored.Directory.CountUsers(ctx); err != nil || n == 0 {
		t.Fatalf("users in the restored hub: %d, %v", n, err)
	}
}

// TestBackupHoldsNoMasterKey searches every file of a backup, and the dump's SQL, for the master
// key file and its key material in every encoding the files could hold it in.
func TestBackupHoldsNoMasterKey(t *testing.T) {
	env := apptest.New(t)
	file, err := os.ReadFile(env.Cfg.MasterKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	var ks struct {
		Key []struct {
			KeyData struct {
				Value string `json:"value"`
			} `json:"keyData"`
		} `json:"key"`
	}
	if err := json.Unmarshal(file, &ks); err != nil || len(ks.Key) == 0 {
		t.Fatalf("master key file: %v", err)
	}
	value, err := base64.StdEncoding.DecodeString(ks.Key[0].KeyData.Value)
	if err != nil || len(value) < 34 {
		t.Fatalf("master key data: %v", err)
	}
	material := value[len(value)-32:] // AesGcmKey: ..., key_value (field 3) = the 32 key bytes, last
	needles := [][]byte{file, value, material, []byte(hex.EncodeToString(material)), []byte(base64.StdEncoding.EncodeToString(material)),
		[]byte(ks.Key[0].KeyData.Value)}
	for _, key := range []string{"TH", "hub"} {
		dir := takeBackup(t, env, key)
		var hay [][]byte
		for _, name := range []string{backup.DumpFile, backup.KeysetsFile, backup.ManifestFile} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			hay = append(hay, b)
		}
		sqlText, err := exec.Command(pgRestore(t), "--file=-", filepath.Join(dir, backup.DumpFile)).Output()
		if err != nil || !bytes.Contains(sqlText, []byte("COPY public.keysets")) && key == "TH" {
			t.Fatalf("pg_restore to SQL: %v", err)
		}
		hay = append(hay, sqlText)
		for i, h := range hay {
			for j, n := range needles {
				if bytes.Contains(h, n) {
					t.Errorf("%s backup: part %d holds master key form %d", key, i, j)
				}
			}
		}
	}
}

func pgRestore(t *testing.T) string {
	t.Helper()
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_restore")
	if len(matches) > 0 {
		return matches[len(matches)-1]
	}
	p, err := exec.LookPath("pg_restore")
	if err != nil {
		t.Fatal(err)
	}
	return p
}
