// Package backup writes and restores backups of one Homeward database: a pg_dump (custom format)
// taken as the database's owner role, the database's wrapped keysets, and a manifest with the
// files' SHA-256. A backup never holds the master key nor any unwrapped key: restoring one needs
// the master key, kept apart from the backups (docs/operations.md).
package backup

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"time"
)

// The files of a backup directory.
const (
	DumpFile     = "database.dump"
	KeysetsFile  = "keysets.json"
	ManifestFile = "manifest.json"
)

// formatVersion is the manifest's format.
const formatVersion = 1

// Errors of Restore; each leaves the target database untouched.
var (
	ErrWrongDatabase = errors.New("backup: the backup is of another database")
	ErrTampered      = errors.New("backup: a file does not match the manifest")
	ErrNotEmpty      = errors.New("backup: the target database is not empty")
	ErrExists        = errors.New("backup: the directory already holds files")
)

// Manifest describes a backup.
type Manifest struct {
	Format     int       `json:"format"`
	Database   string    `json:"database"` // "hub" or a country code
	Kind       string    `json:"kind"`     // "hub" or "store"
	Country    string    `json:"country,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	Migration  int64     `json:"migration_version"`
	Homeward   string    `json:"homeward_version"`
	PostgreSQL string    `json:"postgresql_version"`
	Files      []File    `json:"files"`
}

// File is one file of a backup with its size and SHA-256 (hex).
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Keyset is one wrapped keyset of the database, as stored: still wrapped by the master key.
type Keyset struct {
	Table   string    `json:"table"`   // keysets, hub_keys or agency_keys
	Owner   string    `json:"owner"`   // the country, the hub purpose or the agency id
	Purpose string    `json:"purpose"` // aead or mac (stores), the purpose (hub), packets (agencies)
	Created time.Time `json:"created"`
	Version int       `json:"version,omitempty"`
	Wrapped []byte    `json:"wrapped"` // base64 in JSON
}

var countryCode = regexp.MustCompile(`^[A-Z]{2}$`)

// ParseDatabase checks a --db value: "hub" or a country code (any case); it returns "hub" or the
// upper-case code.
func ParseDatabase(s string) (string, error) {
	if strings.EqualFold(s, "hub") {
		return "hub", nil
	}
	if cc := strings.ToUpper(s); countryCode.MatchString(cc) {
		return cc, nil
	}
	return "", fmt.Errorf("backup: --db must be hub or a country code, not %q", s)
}

// kindOf is "hub" or "store".
func kindOf(db string) string {
	if db == "hub" {
		return "hub"
	}
	return "store"
}

// Version is the Homeward build: the module version and VCS revision when known.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			v += " " + s.Value
		}
	}
	return v
}

// hashFile returns the size and SHA-256 of a file.
func hashFile(path string) (File, error) {
	f, err := os.Open(path)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, err
	}
	return File{Name: filepath.Base(path), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// writeJSON writes v to a new file (mode 0600) that must not exist.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadManifest reads a backup's manifest and checks that the directory holds exactly its files,
// each with its recorded SHA-256; a mismatch wraps ErrTampered.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("backup: %s: %w", ManifestFile, err)
	}
	if m.Format != formatVersion {
		return m, fmt.Errorf("backup: manifest format %d, this Homeward reads %d", m.Format, formatVersion)
	}
	want := map[string]bool{DumpFile: true, KeysetsFile: true}
	for _, f := range m.Files {
		if !want[f.Name] {
			return m, fmt.Errorf("%w: unexpected file %q in the manifest", ErrTampered, f.Name)
		}
		delete(want, f.Name)
		got, err := hashFile(filepath.Join(dir, f.Name))
		if err != nil {
			return m, fmt.Errorf("backup: %w", err)
		}
		if got.SHA256 != f.SHA256 || got.Size != f.Size {
			return m, fmt.Errorf("%w: %s has SHA-256 %s, the manifest says %s", ErrTampered, f.Name, got.SHA256, f.SHA256)
		}
	}
	if len(want) > 0 {
		return m, fmt.Errorf("%w: the manifest lists no %s", ErrTampered, strings.Join(sortedNames(want), ", "))
	}
	return m, nil
}

func sortedNames(m map[string]bool) []string {
	var out []string
	for _, n := range []string{DumpFile, KeysetsFile} {
		if m[n] {
			out = append(out, n)
		}
	}
	return out
}
