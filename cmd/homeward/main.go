// Command homeward runs Homeward: serve, dev, migrate, seed-demo, token, audit.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: homeward COMMAND

  dev                  start the local PostgreSQL, migrate, seed demo data, serve on HOMEWARD_ADDR
  dev env              print export lines for the local cluster's DSNs (starts it if needed)
  serve                serve with the configuration in the environment
  migrate              apply migrations to the hub and every store
  seed-demo            load the demo data into empty databases
  seed-scale --persons N [--store CC,...]     development only: add N generated persons to each store
  token create --user EMAIL [--agency SLUG]   print a new API bearer token
  token revoke --id ID | --token TOKEN        revoke an API token
  audit verify [--db hub|TH|KH]               check the audit chains
  directory apply FILE                        create or update agencies from a TOML file
  user invite --email E --agency SLUG --role ROLE [--name N]   print a one-time enrolment URL
  backup --db hub|CC --out DIR                 dump one database and its wrapped keysets (never the master key)
  restore --db hub|CC --from DIR [--target OWNER_DSN] [--replace]   restore and verify a backup
  keys rotate --db CC                          new primary key for a store, every sealed value re-sealed
  linkage rotate-key                           new record-linkage key in every store, every person re-encoded
  linkage publish                              encode the persons without an encoding, publish to the hub
  keys init --out FILE                         writes a new master key (mode 0600); refuses an existing file
`

// errUsage marks a command-line mistake.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, os.Args[1:])
	if err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprint(os.Stderr, usage)
		}
		fmt.Fprintln(os.Stderr, "homeward:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func run(ctx context.Context, args []string) (int, error) {
	if len(args) == 0 {
		return 2, errUsage
	}
	rest := args[1:]
	switch args[0] {
	case "dev":
		if len(rest) > 0 && rest[0] == "env" {
			return 0, devEnv(ctx)
		}
		return 0, dev(ctx)
	case "serve":
		return 0, serve(ctx)
	case "migrate":
		return 0, migrate(ctx)
	case "seed-demo":
		return 0, seedDemo(ctx)
	case "seed-scale":
		return 0, seedScale(ctx, rest)
	case "token":
		return 0, token(ctx, rest)
	case "audit":
		return auditCmd(ctx, rest)
	case "directory":
		return 0, directoryCmd(ctx, rest)
	case "user":
		return 0, userCmd(ctx, rest)
	case "backup":
		return 0, backupCmd(ctx, rest)
	case "restore":
		return restoreCmd(ctx, rest)
	case "keys":
		return keysCmd(ctx, rest)
	case "linkage":
		return linkageCmd(ctx, rest)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return 0, nil
	}
	return 2, fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}
