package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"homeward/internal/config"
	"homeward/internal/directory"
)

// directoryCmd is `homeward directory apply FILE`: creates or updates the file's agencies and prints
// what changed; a refused file writes nothing.
func directoryCmd(ctx context.Context, args []string) error {
	if len(args) != 2 || args[0] != "apply" {
		return fmt.Errorf("%w: directory apply FILE", errUsage)
	}
	f, err := os.Open(args[1])
	if err != nil {
		return err
	}
	defer f.Close()
	file, err := directory.ParseDirectoryFile(f)
	if err != nil {
		return err
	}
	cfg, env, err := configure(ctx)
	if err != nil {
		return err
	}
	stores := cfg.Countries()
	if env != nil {
		stores = config.LocalCountries()
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	changes, err := a.Directory.ApplyDirectory(ctx, file, stores)
	if err != nil {
		return err
	}
	if len(changes) == 0 {
		fmt.Println("no changes")
	}
	for _, c := range changes {
		fmt.Println(c.String())
	}
	return nil
}

// userCmd is `homeward user invite --email E --agency SLUG --role ROLE [--name N]`: creates the user
// if new, with the role at the agency, and prints a one-time enrolment URL.
func userCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "invite" {
		return fmt.Errorf("%w: user invite --email E --agency SLUG --role ROLE [--name N]", errUsage)
	}
	fs := flag.NewFlagSet("user invite", flag.ContinueOnError)
	email := fs.String("email", "", "the person's email")
	agency := fs.String("agency", "", "agency slug")
	role := fs.String("role", "", "role at the agency")
	name := fs.String("name", "", "the person's name (default: the email)")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *email == "" || *agency == "" || *role == "" {
		return fmt.Errorf("%w: --email, --agency and --role are required", errUsage)
	}
	cfg, _, err := configure(ctx)
	if err != nil {
		return err
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	inv, err := a.Directory.InviteFromCommandLine(ctx, *email, *name, *agency, *role)
	if err != nil {
		if errors.Is(err, directory.ErrNotFound) {
			return fmt.Errorf("no agency %q", *agency)
		}
		return err
	}
	fmt.Println(cfg.PublicURL + directory.EnrolmentPath(inv.Token))
	fmt.Fprintf(os.Stderr, "one-time enrolment link for %s, good until %s\n", inv.User.Email, inv.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"))
	return nil
}
