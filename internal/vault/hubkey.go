package vault

import (
	"bytes"
	"fmt"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// HubKey is one of the hub's own AEAD keysets (table hub_keys), kept for one purpose, such as
// sealing TOTP secrets. It is safe for concurrent use.
type HubKey struct {
	Purpose string
	aead    tink.AEAD
}

// hubWrapAD binds a wrapped hub keyset to its purpose.
func hubWrapAD(purpose string) []byte { return []byte("homeward/hub/" + purpose) }

// NewHubKeyset generates an AES256-GCM keyset for purpose and returns it wrapped by the master key.
func (m *MasterKey) NewHubKeyset(purpose string) ([]byte, error) {
	if purpose == "" {
		return nil, fmt.Errorf("vault: hub keyset needs a purpose")
	}
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("vault: generate hub keyset: %w", err)
	}
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), m.aead, hubWrapAD(purpose)); err != nil {
		return nil, fmt.Errorf("vault: wrap hub keyset: %w", err)
	}
	return buf.Bytes(), nil
}

// OpenHubKeyset unwraps a hub keyset; one wrapped for another purpose or by another master key is
// refused with an error wrapping ErrDecrypt.
func (m *MasterKey) OpenHubKeyset(purpose string, wrapped []byte) (*HubKey, error) {
	h, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(wrapped)), m.aead, hubWrapAD(purpose))
	if err != nil {
		return nil, fmt.Errorf("vault: unwrap the hub %s keyset: %w: %w", purpose, ErrDecrypt, err)
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("vault: hub %s keyset: %w", purpose, err)
	}
	return &HubKey{Purpose: purpose, aead: a}, nil
}

// Seal encrypts plaintext bound to ad (which names the row and column it is stored in).
func (k *HubKey) Seal(ad string, plaintext []byte) ([]byte, error) {
	ct, err := k.aead.Encrypt(plaintext, []byte(k.Purpose+"|"+ad))
	if err != nil {
		return nil, fmt.Errorf("vault: seal %s: %w", ad, err)
	}
	return ct, nil
}

// Open decrypts what Seal sealed with the same ad; anything else gives an error wrapping ErrDecrypt.
func (k *HubKey) Open(ad string, ciphertext []byte) ([]byte, error) {
	pt, err := k.aead.Decrypt(ciphertext, []byte(k.Purpose+"|"+ad))
	if err != nil {
		return nil, fmt.Errorf("vault: open %s: %w", ad, ErrDecrypt)
	}
	return pt, nil
}
