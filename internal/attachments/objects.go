package attachments

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
)

// ObjectStore keeps the sealed contents of attachments under storage keys. The local directory
// (Dir) is the default; S3 keeps them in S3-compatible object storage (s3.go). A key is a
// country code, a slash and the attachment id: each country's objects lie under their own prefix.
type ObjectStore interface {
	// Put stores data under key, replacing nothing: the keys are fresh ids.
	Put(ctx context.Context, key string, data []byte) error
	// Get returns the data under key, or an error wrapping fs.ErrNotExist.
	Get(ctx context.Context, key string) ([]byte, error)
	// Delete removes key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Dir is an ObjectStore in a local directory: key "TH/0190…" is the file Root/TH/0190….
type Dir struct {
	Root string
}

// keyPattern is a storage key: a country code, a slash and an id. Nothing else reaches the disk.
var keyPattern = regexp.MustCompile(`^[A-Z]{2}/[0-9a-f-]{36}$`)

func (d Dir) path(key string) (string, error) {
	if !keyPattern.MatchString(key) {
		return "", fmt.Errorf("attachments: bad storage key %q", key)
	}
	if d.Root == "" {
		return "", errors.New("attachments: no directory configured")
	}
	return filepath.Join(d.Root, filepath.FromSlash(key)), nil
}

// Put writes data to a temporary file beside the target and renames it, so a reader never sees a
// partial file. Files are readable by the process's user only.
func (d Dir) Put(_ context.Context, key string, data []byte) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("attachments: create directory: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return fmt.Errorf("attachments: create file: %w", err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("attachments: write file: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("attachments: rename file: %w", err)
	}
	return nil
}

// Get reads the file of key.
func (d Dir) Get(_ context.Context, key string) ([]byte, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("attachments: read file: %w", err)
	}
	return b, nil
}

// Delete removes the file of key.
func (d Dir) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("attachments: delete file: %w", err)
	}
	return nil
}
