package main

import (
	"flag"
	"fmt"

	"homeward/internal/vault"
)

// keysInit writes a new master key to --out (mode 0600), refusing a file that exists: the first
// step of a deployment (docs/deploy.md). The key never leaves that file; keep its copies as
// docs/operations.md (Key custody) says.
func keysInit(args []string) (int, error) {
	const use = "keys init --out FILE"
	fs := flag.NewFlagSet("keys init", flag.ContinueOnError)
	out := fs.String("out", "", "where to write the new master key")
	if err := fs.Parse(args); err != nil || *out == "" || fs.NArg() > 0 {
		return 2, fmt.Errorf("%w: %s", errUsage, use)
	}
	if err := vault.GenerateMasterKeyFile(*out); err != nil {
		return 1, fmt.Errorf("keys init: %w", err)
	}
	if _, err := vault.LoadMasterKey(*out); err != nil {
		return 1, err
	}
	fmt.Println("wrote a new master key to", *out)
	return 0, nil
}
