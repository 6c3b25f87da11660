package vault

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// AgencyKey is the packet keyset of one recipient agency: packets addressed to the agency are
// sealed with it in the hub's exchange. It is safe for concurrent use.
type AgencyKey struct {
	AgencyID string
	aead     tink.AEAD
}

// agencyWrapAD binds a wrapped agency keyset to its agency.
func agencyWrapAD(agencyID string) []byte { return []byte("homeward/agency/" + agencyID + "/packets") }

// NewAgencyKeyset generates an AES256-GCM keyset for a recipient agency and returns it wrapped by
// the master key, bound to the agency id.
func (m *MasterKey) NewAgencyKeyset(agencyID string) ([]byte, error) {
	if agencyID == "" {
		return nil, fmt.Errorf("vault: agency keyset needs an agency id")
	}
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("vault: generate agency keyset: %w", err)
	}
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), m.aead, agencyWrapAD(agencyID)); err != nil {
		return nil, fmt.Errorf("vault: wrap agency keyset: %w", err)
	}
	return buf.Bytes(), nil
}

// OpenAgencyKeyset unwraps an agency's keyset; one wrapped for another agency or by another master
// key is refused with an error wrapping ErrDecrypt.
func (m *MasterKey) OpenAgencyKeyset(agencyID string, wrapped []byte) (*AgencyKey, error) {
	h, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(wrapped)), m.aead, agencyWrapAD(agencyID))
	if err != nil {
		return nil, fmt.Errorf("vault: unwrap the packet keyset of agency %s: %w: %w", agencyID, ErrDecrypt, err)
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("vault: agency %s keyset: %w", agencyID, err)
	}
	return &AgencyKey{AgencyID: agencyID, aead: a}, nil
}

// packetAD binds a sealed payload to its packet and its recipient agency.
func (k *AgencyKey) packetAD(packetID string) ([]byte, error) {
	if packetID == "" || strings.Contains(packetID, "|") {
		return nil, fmt.Errorf("vault: invalid packet id %q", packetID)
	}
	return []byte("packet|" + packetID + "|" + k.AgencyID), nil
}

// Seal encrypts a packet's payload for this agency.
func (k *AgencyKey) Seal(packetID string, plaintext []byte) ([]byte, error) {
	ad, err := k.packetAD(packetID)
	if err != nil {
		return nil, err
	}
	ct, err := k.aead.Encrypt(plaintext, ad)
	if err != nil {
		return nil, fmt.Errorf("vault: seal packet %s: %w", packetID, err)
	}
	return ct, nil
}

// Open decrypts a payload sealed by Seal for the same packet and agency; anything else gives an
// error wrapping ErrDecrypt.
func (k *AgencyKey) Open(packetID string, ciphertext []byte) ([]byte, error) {
	ad, err := k.packetAD(packetID)
	if err != nil {
		return nil, err
	}
	pt, err := k.aead.Decrypt(ciphertext, ad)
	if err != nil {
		return nil, fmt.Errorf("vault: open packet %s for agency %s: %w", packetID, k.AgencyID, ErrDecrypt)
	}
	return pt, nil
}
