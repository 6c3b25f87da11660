// Package demo loads the demo data of `homeward seed-demo` and `homeward dev`: the agencies of
// DOMAIN.md, one login per role (CONTRACT.md "Demo users") and fictional persons and cases in every
// stage in each country store. All of it is fictional and generated without outside data.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"homeward/internal/cases"
	"homeward/internal/directory"
	"homeward/internal/store"
)

// Password is every demo user's password (dev mode only).
const Password = "homeward-demo"

// ErrNotEmpty is returned by Seed when the hub or a store already holds data.
var ErrNotEmpty = errors.New("demo: databases are not empty; seed-demo loads only into empty databases")

// Seed loads the demo data into empty databases. It refuses (returns ErrNotEmpty) when the hub has
// any user or any store has any person. The person data depend only on fixed seeds, except that
// dates (birth dates, operation dates) are relative to the day of seeding. Seed is not atomic: if it
// fails part-way, the databases must be recreated before seeding again. With px.Exchange set (pass
// the app's services), Seed also loads packets, consents and support work (packets.go).
func Seed(ctx context.Context, dir *directory.Service, cs *cases.Service, stores *store.Set, px Packets) error {
	for _, p := range plans {
		if _, err := stores.For(p.country); err != nil {
			return fmt.Errorf("demo: store %s: %w", p.country, err)
		}
	}
	if err := checkEmpty(ctx, dir, stores); err != nil {
		return err
	}
	agencyIDs, err := createAgencies(ctx, dir)
	if err != nil {
		return err
	}
	userIDs, err := createUsers(ctx, dir, agencyIDs)
	if err != nil {
		return err
	}
	s := &seeder{dir: dir, cs: cs, stores: stores, agencies: agencyIDs, users: userIDs, now: time.Now().UTC(),
		seeded: map[string][]seededCase{}}
	for _, p := range plans {
		if err := s.seedStore(ctx, p); err != nil {
			return fmt.Errorf("demo: store %s: %w", p.country, err)
		}
	}
	if px.Exchange == nil {
		return nil
	}
	return s.seedPackets(ctx, px)
}

// Users lists the demo logins as "email (role, agency slug)" lines, for printing by `make run`.
func Users() []string {
	out := make([]string, 0, len(users))
	for _, u := range users {
		out = append(out, fmt.Sprintf("%s (%s, %s)", u.email(), u.role, u.slug))
	}
	return out
}

// checkEmpty returns ErrNotEmpty when the hub has a user or a store has a person.
func checkEmpty(ctx context.Context, dir *directory.Service, stores *store.Set) error {
	n, err := dir.CountUsers(ctx)
	if err != nil {
		return fmt.Errorf("demo: count users: %w", err)
	}
	if n > 0 {
		return ErrNotEmpty
	}
	for _, cc := range stores.Countries() {
		st, err := stores.For(cc)
		if err != nil {
			return fmt.Errorf("demo: store %s: %w", cc, err)
		}
		var persons int64
		if err := st.DB.WithContext(ctx).Raw(`SELECT count(*) FROM persons`).Scan(&persons).Error; err != nil {
			return fmt.Errorf("demo: count persons in store %s: %w", cc, err)
		}
		if persons > 0 {
			return ErrNotEmpty
		}
	}
	return nil
}
