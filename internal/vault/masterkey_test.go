package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/mac"
	tinkpb "github.com/tink-crypto/tink-go/v2/proto/tink_go_proto"
)

// newMasterKey generates a master key file in a temporary directory and loads it.
func newMasterKey(tb testing.TB) *MasterKey {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "master.json")
	if err := GenerateMasterKeyFile(path); err != nil {
		tb.Fatalf("GenerateMasterKeyFile: %v", err)
	}
	m, err := LoadMasterKey(path)
	if err != nil {
		tb.Fatalf("LoadMasterKey: %v", err)
	}
	return m
}

// newKeys creates fresh keysets for country under m and opens them.
func newKeys(tb testing.TB, m *MasterKey, country string) *Keys {
	tb.Helper()
	w, err := m.NewKeysets(country)
	if err != nil {
		tb.Fatalf("NewKeysets(%s): %v", country, err)
	}
	k, err := m.Open(country, w)
	if err != nil {
		tb.Fatalf("Open(%s): %v", country, err)
	}
	return k
}

// writeCleartextKeyset writes a cleartext JSON keyset made from template to path with mode 0600.
func writeCleartextKeyset(t *testing.T, path string, template *tinkpb.KeyTemplate) {
	t.Helper()
	h, err := keyset.NewHandle(template)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := insecurecleartextkeyset.Write(h, keyset.NewJSONWriter(&buf)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestGenerateMasterKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.json")
	if err := GenerateMasterKeyFile(path); err != nil {
		t.Fatalf("GenerateMasterKeyFile: %v", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("mode = %04o, want 0600", got)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(before) || !bytes.Contains(before, []byte("AesGcmKey")) {
		t.Errorf("master key file is not a JSON AES-GCM keyset: %.80s", before)
	}

	t.Run("refuses to overwrite", func(t *testing.T) {
		err := GenerateMasterKeyFile(path)
		if !errors.Is(err, fs.ErrExist) {
			t.Fatalf("second GenerateMasterKeyFile error = %v, want fs.ErrExist", err)
		}
		after, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(before, after) {
			t.Error("existing master key file was changed")
		}
		entries, err := os.ReadDir(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Errorf("directory holds %d entries, want only the key file", len(entries))
		}
	})
}

func TestLoadMasterKeyRejects(t *testing.T) {
	dir := t.TempDir()
	good := func(mode os.FileMode) func(t *testing.T) string {
		return func(t *testing.T) string {
			p := filepath.Join(dir, t.Name()[strings.LastIndex(t.Name(), "/")+1:])
			if err := GenerateMasterKeyFile(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, mode); err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T) string
		wantErr string
		wantIs  error
	}{
		{name: "missing", setup: func(*testing.T) string { return filepath.Join(dir, "absent.json") },
			wantErr: "absent.json", wantIs: fs.ErrNotExist},
		{name: "group_readable", setup: good(0o640), wantErr: "must not be readable by group or others"},
		{name: "other_readable", setup: good(0o604), wantErr: "must not be readable by group or others"},
		{name: "group_writable", setup: good(0o620), wantErr: "must not be writable by group or others"},
		{name: "directory", setup: func(*testing.T) string { return dir }, wantErr: "not a regular file"},
		{name: "not_a_keyset", setup: func(t *testing.T) string {
			p := filepath.Join(dir, "garbage.json")
			if err := os.WriteFile(p, []byte(`{"hello":`), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}, wantErr: "not a Tink JSON keyset"},
		{name: "mac_keyset", setup: func(t *testing.T) string {
			p := filepath.Join(dir, "mac.json")
			writeCleartextKeyset(t, p, mac.HMACSHA256Tag256KeyTemplate())
			return p
		}, wantErr: "want AES-GCM"},
		{name: "aes128_keyset", setup: func(t *testing.T) string {
			p := filepath.Join(dir, "aes128.json")
			writeCleartextKeyset(t, p, aead.AES128GCMKeyTemplate())
			return p
		}, wantErr: "not a 256-bit AES-GCM key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.setup(t)
			m, err := LoadMasterKey(path)
			if err == nil {
				t.Fatalf("LoadMasterKey(%s) = %v, want error", path, m)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %q, want it to contain %q", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error = %v, want errors.Is %v", err, tt.wantIs)
			}
		})
	}
}

func TestLoadOrCreateMasterKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "keys")
	path := filepath.Join(dir, "master.json")
	first, err := LoadOrCreateMasterKey(path)
	if err != nil {
		t.Fatalf("first LoadOrCreateMasterKey: %v", err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o700 {
		t.Errorf("directory mode = %04o, want 0700", got)
	}
	second, err := LoadOrCreateMasterKey(path)
	if err != nil {
		t.Fatalf("second LoadOrCreateMasterKey: %v", err)
	}
	w, err := first.NewKeysets("TH")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.Open("TH", w); err != nil {
		t.Errorf("the reloaded master key cannot open keysets of the created one: %v", err)
	}
}

func TestOpenWrappedKeysetsRefused(t *testing.T) {
	m := newMasterKey(t)
	other := newMasterKey(t)
	w, err := m.NewKeysets("TH")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Open("TH", w); err != nil {
		t.Fatalf("Open with the right master key and country: %v", err)
	}
	tampered := WrappedKeysets{AEAD: bytes.Clone(w.AEAD), MAC: w.MAC}
	tampered.AEAD[len(tampered.AEAD)-1] ^= 1
	tests := []struct {
		name    string
		m       *MasterKey
		country string
		w       WrappedKeysets
	}{
		{"TH keysets opened as KH", m, "KH", w},
		{"another master key", other, "TH", w},
		{"aead and mac swapped", m, "TH", WrappedKeysets{AEAD: w.MAC, MAC: w.AEAD}},
		{"tampered", m, "TH", tampered},
		{"empty", m, "TH", WrappedKeysets{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := tt.m.Open(tt.country, tt.w)
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("Open = %v, %v; want error wrapping ErrDecrypt", k, err)
			}
		})
	}
}

func TestInvalidCountry(t *testing.T) {
	m := newMasterKey(t)
	w, err := m.NewKeysets("TH")
	if err != nil {
		t.Fatal(err)
	}
	for _, country := range []string{"", "th", "THA", "T|", "ไท"} {
		t.Run(country, func(t *testing.T) {
			if _, err := m.NewKeysets(country); err == nil {
				t.Errorf("NewKeysets(%q) succeeded, want error", country)
			}
			if _, err := m.Open(country, w); err == nil {
				t.Errorf("Open(%q) succeeded, want error", country)
			}
		})
	}
}
