package provision

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
)

// The background jobs (internal/jobs) keep their queue in River's tables (river_job, river_leader,
// river_queue, river_client, river_migration) in every database, the hub's and each store's: each
// database's jobs live, are retried and fail in that database. River's own migrator creates and
// upgrades those tables, run by Migrate as the owner role right after Homeward's goose migrations
// (so an upgrade of River brings its schema changes with `homeward migrate`), and GrantApp then
// gives the app role row access to them like to every other table.
//
// migrateRiver applies River's migrations (line "main") through owner.
func migrateRiver(ctx context.Context, owner *sql.DB, d Database) error {
	m, err := rivermigrate.New(riverdatabasesql.New(owner), &rivermigrate.Config{Logger: quietLogger()})
	if err != nil {
		return fmt.Errorf("river migrations for %s: %w", d.Name, err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations for %s: %w", d.Name, err)
	}
	return nil
}

// quietLogger logs River's migrator's warnings and errors only (it logs every version at info).
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
