// Package migrations embeds the SQL migrations of the hub and of every country store.
package migrations

import "embed"

// Hub holds the hub database migrations (directory, sessions, tokens, exchange, hub audit).
//
//go:embed hub/*.sql
var Hub embed.FS

// Store holds the migrations shared by every country store.
//
//go:embed store/*.sql
var Store embed.FS
