package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/aead/aesgcm"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/mac"
	tinkpb "github.com/tink-crypto/tink-go/v2/proto/tink_go_proto"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// MasterKey wraps and unwraps the stores' keysets. It is a Tink AES256-GCM
// AEAD keyset kept as a cleartext JSON keyset in a file readable only by its
// owner (mode 0600).
type MasterKey struct {
	aead tink.AEAD
}

// GenerateMasterKeyFile writes a new master key to path with mode 0600. It
// refuses to overwrite an existing file (the error then wraps fs.ErrExist):
// replacing a master key makes every store's keysets unreadable. The file
// appears atomically, complete or not at all.
func GenerateMasterKeyFile(path string) error {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return fmt.Errorf("vault: generate master key: %w", err)
	}
	var buf bytes.Buffer
	if err := insecurecleartextkeyset.Write(h, keyset.NewJSONWriter(&buf)); err != nil {
		return fmt.Errorf("vault: serialise master key: %w", err)
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("vault: master key file %s: %w", path, fs.ErrExist)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".masterkey-*")
	if err != nil {
		return fmt.Errorf("vault: create master key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := writeAndSync(tmp, buf.Bytes()); err != nil {
		return fmt.Errorf("vault: write master key file: %w", err)
	}
	// Link fails if path exists, so a concurrent writer can never be overwritten.
	if err := os.Link(tmp.Name(), path); err != nil {
		return fmt.Errorf("vault: master key file %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// writeAndSync writes data to f (created by os.CreateTemp, so mode 0600),
// flushes it to disk and closes it.
func writeAndSync(f *os.File, data []byte) error {
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// LoadMasterKey reads the master key from path. The file must be a regular
// file that neither group nor others can read or write, holding a cleartext
// JSON keyset whose primary key is AES256-GCM.
func LoadMasterKey(path string) (*MasterKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vault: master key: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("vault: master key: %w", err)
	}
	switch perm := info.Mode().Perm(); {
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("vault: master key file %s is not a regular file", path)
	case perm&0o044 != 0:
		return nil, fmt.Errorf("vault: master key file %s must not be readable by group or others (mode %04o; chmod 600 it)", path, perm)
	case perm&0o022 != 0:
		return nil, fmt.Errorf("vault: master key file %s must not be writable by group or others (mode %04o; chmod 600 it)", path, perm)
	}
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(f))
	if err != nil {
		return nil, fmt.Errorf("vault: master key file %s is not a Tink JSON keyset: %w", path, err)
	}
	if err := checkAES256GCM(h); err != nil {
		return nil, fmt.Errorf("vault: master key file %s: %w", path, err)
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("vault: master key file %s: %w", path, err)
	}
	return &MasterKey{aead: a}, nil
}

// checkAES256GCM reports an error unless the primary key of h is AES-GCM
// with a 256-bit key.
func checkAES256GCM(h *keyset.Handle) error {
	p, err := h.Primary()
	if err != nil {
		return fmt.Errorf("no primary key: %w", err)
	}
	k, ok := p.Key().(*aesgcm.Key)
	if !ok {
		return fmt.Errorf("primary key is %T, want AES-GCM", p.Key())
	}
	params, ok := k.Parameters().(*aesgcm.Parameters)
	if !ok || params.KeySizeInBytes() != 32 {
		return errors.New("primary key is not a 256-bit AES-GCM key")
	}
	return nil
}

// LoadOrCreateMasterKey loads the master key from path, first generating it
// (and its parent directory, mode 0700) when the file does not exist. It is
// meant for development; production loads a provisioned key with
// LoadMasterKey.
func LoadOrCreateMasterKey(path string) (*MasterKey, error) {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("vault: master key directory: %w", err)
		}
		// Another process may win the race; its key is then loaded below.
		if err := GenerateMasterKeyFile(path); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
	}
	return LoadMasterKey(path)
}

// WrappedKeysets is what a store persists: its AEAD and MAC keysets, each a
// binary Tink encrypted keyset wrapped by the master key, with associated
// data binding it to the store's country.
type WrappedKeysets struct {
	AEAD []byte
	MAC  []byte
}

// wrapAD is the associated data binding a wrapped keyset to its country and
// purpose ("aead" or "mac").
func wrapAD(country, purpose string) []byte {
	return []byte("homeward/" + country + "/" + purpose)
}

// NewKeysets generates a country's keysets, an AES256-GCM AEAD keyset and an
// HMAC-SHA256 MAC keyset with 256-bit tags, and wraps them with m.
func (m *MasterKey) NewKeysets(country string) (WrappedKeysets, error) {
	if err := checkCountry(country); err != nil {
		return WrappedKeysets{}, err
	}
	a, err := m.newWrapped(country, "aead", aead.AES256GCMKeyTemplate())
	if err != nil {
		return WrappedKeysets{}, err
	}
	ma, err := m.newWrapped(country, "mac", mac.HMACSHA256Tag256KeyTemplate())
	if err != nil {
		return WrappedKeysets{}, err
	}
	return WrappedKeysets{AEAD: a, MAC: ma}, nil
}

// newWrapped generates one keyset from template and returns it wrapped.
func (m *MasterKey) newWrapped(country, purpose string, template *tinkpb.KeyTemplate) ([]byte, error) {
	h, err := keyset.NewHandle(template)
	if err != nil {
		return nil, fmt.Errorf("vault: generate %s %s keyset: %w", country, purpose, err)
	}
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), m.aead, wrapAD(country, purpose)); err != nil {
		return nil, fmt.Errorf("vault: wrap %s %s keyset: %w", country, purpose, err)
	}
	return buf.Bytes(), nil
}

// Open unwraps a country's keysets. Keysets wrapped by another master key or
// for another country are refused with an error wrapping ErrDecrypt.
func (m *MasterKey) Open(country string, w WrappedKeysets) (*Keys, error) {
	if err := checkCountry(country); err != nil {
		return nil, err
	}
	p, err := m.openPrimitives(country, w)
	if err != nil {
		return nil, err
	}
	k := &Keys{Country: country, master: m}
	k.cur.Store(p)
	return k, nil
}

// openPrimitives unwraps a country's keysets into the primitives Keys use.
func (m *MasterKey) openPrimitives(country string, w WrappedKeysets) (*primitives, error) {
	ah, err := m.unwrap(country, "aead", w.AEAD)
	if err != nil {
		return nil, err
	}
	mh, err := m.unwrap(country, "mac", w.MAC)
	if err != nil {
		return nil, err
	}
	a, err := aead.New(ah)
	if err != nil {
		return nil, fmt.Errorf("vault: %s aead keyset: %w", country, err)
	}
	ma, err := mac.New(mh)
	if err != nil {
		return nil, fmt.Errorf("vault: %s mac keyset: %w", country, err)
	}
	info := ah.KeysetInfo()
	p := &primitives{aead: a, mac: ma, wrappedAEAD: w.AEAD, wrappedMAC: w.MAC, primary: info.GetPrimaryKeyId(), ids: map[uint32]bool{}}
	for _, ki := range info.GetKeyInfo() {
		p.ids[ki.GetKeyId()] = true
	}
	return p, nil
}

// unwrap decrypts one wrapped keyset.
func (m *MasterKey) unwrap(country, purpose string, wrapped []byte) (*keyset.Handle, error) {
	r := keyset.NewBinaryReader(bytes.NewReader(wrapped))
	h, err := keyset.ReadWithAssociatedData(r, m.aead, wrapAD(country, purpose))
	if err != nil {
		return nil, fmt.Errorf("vault: unwrap %s %s keyset (wrong master key or country?): %w: %w", country, purpose, ErrDecrypt, err)
	}
	return h, nil
}

// checkCountry accepts a country code of two upper-case ASCII letters.
func checkCountry(country string) error {
	if len(country) != 2 || country[0] < 'A' || country[0] > 'Z' || country[1] < 'A' || country[1] > 'Z' {
		return fmt.Errorf("vault: invalid country code %q (want two upper-case letters)", country)
	}
	return nil
}
