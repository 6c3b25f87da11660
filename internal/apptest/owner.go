package apptest

import "testing"

// OwnerDSN is the DSN of the owner role of one of the environment's databases ("hub", "TH",
// "KH"): what migrations, backups, restores and key rotation use.
func (e *Env) OwnerDSN(tb testing.TB, key string) string {
	tb.Helper()
	name, ok := e.Databases[key]
	if !ok {
		tb.Fatalf("apptest: no database %q", key)
	}
	return roleDSN(tb, databaseFor(key).Owner, name)
}

// RoleDSN is the DSN of role (of the test cluster, every role with the test password) on dbname.
func RoleDSN(tb testing.TB, role, dbname string) string {
	tb.Helper()
	return roleDSN(tb, role, dbname)
}
