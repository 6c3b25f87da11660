// Package store opens the hub and the country stores, one pool each, and hands a request the one
// store of its actor's country.
package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"homeward/internal/authz"

	"homeward/internal/vault"
)

// ErrNoStore is returned for a country without a store.
var ErrNoStore = errors.New("store: no store for this country")

// Store is one country's case database with its keys.
type Store struct {
	Country string
	DB      *gorm.DB
	Keys    *vault.Keys
}

// Set holds every configured store.
type Set struct {
	stores map[string]*Store
}

// NewSet builds a Set from opened stores.
func NewSet(stores ...*Store) *Set {
	s := &Set{stores: map[string]*Store{}}
	for _, st := range stores {
		s.stores[st.Country] = st
	}
	return s
}

// For returns the store of one country, or ErrNoStore.
func (s *Set) For(country string) (*Store, error) {
	st, ok := s.stores[country]
	if !ok || country == "" {
		return nil, ErrNoStore
	}
	return st, nil
}

// Countries lists the store countries, sorted.
func (s *Set) Countries() []string {
	out := make([]string, 0, len(s.stores))
	for cc := range s.stores {
		out = append(out, cc)
	}
	sort.Strings(out)
	return out
}

// Open opens a GORM pool: no default transactions, translated errors, quiet logger.
func Open(ctx context.Context, dsn string) (*gorm.DB, error) {
	db, err := gorm.Open(postgres.Open(dsn), &gorm.Config{
		SkipDefaultTransaction: true,
		TranslateError:         true,
		Logger:                 logger.Default.LogMode(logger.Silent),
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	// 32 connections (the dev and test clusters allow 200 per cluster: a hub and two stores stay well
	// under it). A request waiting for a connection is woken in random order (database/sql picks a
	// waiter at random), which made the tail of 32 concurrent clients over 20 connections: with as
	// many connections as clients the queueing is PostgreSQL's, in arrival order. As many idle
	// connections as open ones: with fewer idle slots, connections returned at once were closed and
	// reopened, and a new connection pays for its backend and its first plans.
	sqlDB.SetMaxOpenConns(32)
	sqlDB.SetMaxIdleConns(32)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return db, nil
}

// OpenStore opens a country store and its keys (created on first use).
func OpenStore(ctx context.Context, country, dsn string, master *vault.MasterKey) (*Store, error) {
	db, err := Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", country, err)
	}
	keys, err := vault.LoadOrCreateKeys(ctx, db, master, country)
	if err != nil {
		return nil, fmt.Errorf("store %s keys: %w", country, err)
	}
	return &Store{Country: country, DB: db, Keys: keys}, nil
}

// Ping checks every store answers.
func (s *Set) Ping(ctx context.Context) error {
	for cc, st := range s.stores {
		sqlDB, err := st.DB.DB()
		if err != nil {
			return err
		}
		if err := sqlDB.PingContext(ctx); err != nil {
			return fmt.Errorf("store %s: %w", cc, err)
		}
	}
	return nil
}

// Close closes every pool.
func (s *Set) Close() {
	for _, st := range s.stores {
		if sqlDB, err := st.DB.DB(); err == nil {
			sqlDB.Close()
		}
	}
}

// Bind checks the actor's right to a section and returns the actor's own store and row scope:
// the one way a domain service reaches case data. Refusals are authz.ErrNotFound.
func (s *Set) Bind(a *authz.Actor, sec authz.Section, act authz.Action) (*Store, authz.Scope, error) {
	if err := a.Require(sec, act); err != nil {
		return nil, authz.Scope{}, err
	}
	scope, err := authz.ScopeFor(a)
	if err != nil {
		return nil, authz.Scope{}, err
	}
	st, err := s.For(scope.Country)
	if err != nil {
		return nil, authz.Scope{}, fmt.Errorf("%v: %w", err, authz.ErrNotFound)
	}
	return st, scope, nil
}
