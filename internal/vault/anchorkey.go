package vault

import (
	"bytes"
	"fmt"

	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/signature"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// AnchorKey signs the audit chain heads one database (the hub or a store) publishes to the others
// (internal/audit/anchors.go), and verifies them. It is an Ed25519 Tink keyset of that database,
// wrapped by the master key and bound to the database's name. It is safe for concurrent use.
type AnchorKey struct {
	Name     string // "hub" or a country code
	signer   tink.Signer
	verifier tink.Verifier
}

// anchorWrapAD binds a wrapped anchor keyset to its database.
func anchorWrapAD(name string) []byte { return []byte("homeward/" + name + "/audit-anchor") }

// NewAnchorKeyset generates an Ed25519 keyset for the database name and returns it wrapped.
func (m *MasterKey) NewAnchorKeyset(name string) ([]byte, error) {
	if name == "" {
		return nil, fmt.Errorf("vault: anchor keyset needs a database name")
	}
	h, err := keyset.NewHandle(signature.ED25519KeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("vault: generate %s anchor keyset: %w", name, err)
	}
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), m.aead, anchorWrapAD(name)); err != nil {
		return nil, fmt.Errorf("vault: wrap %s anchor keyset: %w", name, err)
	}
	return buf.Bytes(), nil
}

// OpenAnchorKeyset unwraps the anchor keyset of the database name; one wrapped for another
// database or by another master key is refused with an error wrapping ErrDecrypt.
func (m *MasterKey) OpenAnchorKeyset(name string, wrapped []byte) (*AnchorKey, error) {
	h, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(wrapped)), m.aead, anchorWrapAD(name))
	if err != nil {
		return nil, fmt.Errorf("vault: unwrap the %s anchor keyset: %w: %w", name, ErrDecrypt, err)
	}
	s, err := signature.NewSigner(h)
	if err != nil {
		return nil, fmt.Errorf("vault: %s anchor signer: %w", name, err)
	}
	pub, err := h.Public()
	if err != nil {
		return nil, fmt.Errorf("vault: %s anchor public key: %w", name, err)
	}
	v, err := signature.NewVerifier(pub)
	if err != nil {
		return nil, fmt.Errorf("vault: %s anchor verifier: %w", name, err)
	}
	return &AnchorKey{Name: name, signer: s, verifier: v}, nil
}

// Sign signs msg.
func (k *AnchorKey) Sign(msg []byte) ([]byte, error) {
	sig, err := k.signer.Sign(msg)
	if err != nil {
		return nil, fmt.Errorf("vault: sign with the %s anchor key: %w", k.Name, err)
	}
	return sig, nil
}

// Verify reports an error unless sig is this key's signature of msg.
func (k *AnchorKey) Verify(sig, msg []byte) error {
	if err := k.verifier.Verify(sig, msg); err != nil {
		return fmt.Errorf("vault: not a signature of the %s anchor key", k.Name)
	}
	return nil
}
