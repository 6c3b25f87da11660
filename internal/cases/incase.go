package cases

import (
	"context"

	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/store"
)

// InCase is the one way a section service reaches a case: it checks the actor's right act on the
// section sec, binds the actor to its own store and row scope (store.Set.Bind), and runs fn in one
// transaction of that store with the case found within the scope. A case outside the scope, or
// that does not exist, is ErrNotFound and fn does not run. fn writes its change and its audit row
// with tx, so that both commit or roll back together; its error is returned as it is.
func InCase(ctx context.Context, stores *store.Set, a *authz.Actor, sec authz.Section, act authz.Action, caseID string,
	fn func(tx *gorm.DB, st *store.Store, c *Case) error) error {
	st, scope, err := stores.Bind(a, sec, act)
	if err != nil {
		return err
	}
	return st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := Find(tx, scope, caseID)
		if err != nil {
			return err
		}
		return fn(tx, st, c)
	})
}
