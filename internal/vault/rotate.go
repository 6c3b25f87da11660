package vault

import (
	"bytes"
	"fmt"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

// AddPrimaryAEAD unwraps a country's wrapped AEAD keyset, adds a new AES256-GCM key, makes it the
// primary and returns the keyset wrapped again with the new key's id. Every earlier key stays, so
// whatever they sealed still opens. The MAC keyset (blind indexes) is not touched.
func (m *MasterKey) AddPrimaryAEAD(country string, wrapped []byte) (rewrapped []byte, keyID uint32, err error) {
	if err := checkCountry(country); err != nil {
		return nil, 0, err
	}
	h, err := m.unwrap(country, "aead", wrapped)
	if err != nil {
		return nil, 0, err
	}
	mgr := keyset.NewManagerFromHandle(h)
	id, err := mgr.Add(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, 0, fmt.Errorf("vault: add a %s aead key: %w", country, err)
	}
	if err := mgr.SetPrimary(id); err != nil {
		return nil, 0, fmt.Errorf("vault: make %s aead key %d primary: %w", country, id, err)
	}
	nh, err := mgr.Handle()
	if err != nil {
		return nil, 0, fmt.Errorf("vault: %s aead keyset: %w", country, err)
	}
	var buf bytes.Buffer
	if err := nh.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), m.aead, wrapAD(country, "aead")); err != nil {
		return nil, 0, fmt.Errorf("vault: wrap %s aead keyset: %w", country, err)
	}
	return buf.Bytes(), id, nil
}

// KeyIDs returns the key ids of a country's wrapped keyset ("aead" or "mac") and its primary, after
// checking that the master key unwraps it (restore uses it to verify a backup's keysets).
func (m *MasterKey) KeyIDs(country, purpose string, wrapped []byte) (primary uint32, ids []uint32, err error) {
	if err := checkCountry(country); err != nil {
		return 0, nil, err
	}
	h, err := m.unwrap(country, purpose, wrapped)
	if err != nil {
		return 0, nil, err
	}
	info := h.KeysetInfo()
	for _, ki := range info.GetKeyInfo() {
		ids = append(ids, ki.GetKeyId())
	}
	return info.GetPrimaryKeyId(), ids, nil
}

// Reseal opens a value sealed for field and row and seals its plaintext again under the primary
// key (key rotation). Unlike Seal, an empty plaintext is sealed too: the column keeps a value.
func (k *Keys) Reseal(field, rowID string, ciphertext []byte) ([]byte, error) {
	if len(ciphertext) == 0 {
		return nil, nil
	}
	pt, err := k.Open(field, rowID, ciphertext)
	if err != nil {
		return nil, err
	}
	ad, err := k.fieldAD(field, rowID)
	if err != nil {
		return nil, err
	}
	ct, err := k.cur.Load().aead.Encrypt(pt, ad)
	if err != nil {
		return nil, fmt.Errorf("vault: reseal %s: %w", field, err)
	}
	return ct, nil
}
