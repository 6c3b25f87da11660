package web

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestWebBuildsNoService keeps internal/app the one composition root: no non-test file of this
// package constructs a domain service or reads the environment.
func TestWebBuildsNoService(t *testing.T) {
	construct := regexp.MustCompile(`\b(attachments|cases|closure|complaints|consent|dashboard|directory|exchange|exports|handover|imports|investigation|jointreport|notes|operations|reintegration|repatriation|reports|screening|services|auditlog|mfa|passwords)\.New[A-Za-z]*\(`)
	environ := regexp.MustCompile(`\bos\.(Getenv|LookupEnv|Environ)\b|config\.FromEnv\(`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if m := construct.FindString(line); m != "" {
				t.Errorf("%s:%d builds a service (%s): build it in internal/app and hand it over in Deps", f, i+1, m)
			}
			if m := environ.FindString(line); m != "" {
				t.Errorf("%s:%d reads the environment (%s): configuration comes through Deps", f, i+1, m)
			}
		}
	}
}

// TestNewRefusesMissingService: a server missing a service fails to build rather than falling back
// to one built without its hooks.
func TestNewRefusesMissingService(t *testing.T) {
	if err := checkDeps(Deps{}); !errors.Is(err, errMissing) {
		t.Fatalf("checkDeps(empty) = %v, want errMissing", err)
	}
}
