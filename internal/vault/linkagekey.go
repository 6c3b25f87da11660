package vault

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/prf"
)

// The linkage key (issue 15, docs/linkage.md) is the secret under which every store encodes its
// persons for record linkage: the same secret in every store, never in the hub. It is a Tink
// HMAC-SHA256 PRF keyset kept in each store's store_keys (purpose "linkage"), wrapped by the master
// key and bound to that store's country, like the other keysets. Its version is the keyset's
// primary key id; the secret handed to the encoder is the primary PRF of a fixed label, so a
// rotation (a new primary key) changes the secret and the version together.

// LinkagePurpose is the purpose of the linkage keyset in store_keys.
const LinkagePurpose = "linkage"

// LinkageKey is the opened linkage secret of one version.
type LinkageKey struct {
	Version uint32
	Secret  []byte // 32 bytes
}

// ErrNoLinkageKey is returned where a store holds no linkage key yet.
var ErrNoLinkageKey = errors.New("vault: no linkage key in the store")

func linkageWrapAD(country string) []byte {
	return []byte("homeward/" + country + "/" + LinkagePurpose)
}

// NewLinkageKeyset generates a linkage keyset (one HMAC-SHA256 PRF key).
func NewLinkageKeyset() (*keyset.Handle, error) {
	h, err := keyset.NewHandle(prf.HMACSHA256PRFKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("vault: generate the linkage keyset: %w", err)
	}
	return h, nil
}

// RotateLinkageKeyset returns h with a new primary key and without its former keys: every
// encoding is recomputed under the new key (`homeward linkage rotate-key`), so an old key is never
// needed again.
func RotateLinkageKeyset(h *keyset.Handle) (*keyset.Handle, error) {
	m := keyset.NewManagerFromHandle(h)
	id, err := m.Add(prf.HMACSHA256PRFKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("vault: rotate the linkage keyset: %w", err)
	}
	if err := m.SetPrimary(id); err != nil {
		return nil, fmt.Errorf("vault: rotate the linkage keyset: %w", err)
	}
	for _, ki := range h.KeysetInfo().GetKeyInfo() {
		if err := m.Delete(ki.GetKeyId()); err != nil {
			return nil, fmt.Errorf("vault: rotate the linkage keyset: %w", err)
		}
	}
	return m.Handle()
}

// WrapLinkageKeyset wraps the linkage keyset for the store of country.
func (m *MasterKey) WrapLinkageKeyset(country string, h *keyset.Handle) ([]byte, error) {
	if err := checkCountry(country); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), m.aead, linkageWrapAD(country)); err != nil {
		return nil, fmt.Errorf("vault: wrap the %s linkage keyset: %w", country, err)
	}
	return buf.Bytes(), nil
}

// OpenLinkageKeyset unwraps the linkage keyset of the store of country; one wrapped for another
// store or by another master key is refused with an error wrapping ErrDecrypt.
func (m *MasterKey) OpenLinkageKeyset(country string, wrapped []byte) (*keyset.Handle, error) {
	h, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(wrapped)), m.aead, linkageWrapAD(country))
	if err != nil {
		return nil, fmt.Errorf("vault: unwrap the %s linkage keyset: %w: %w", country, ErrDecrypt, err)
	}
	return h, nil
}

// LinkageKeyOf returns the secret of the keyset's primary key and its version.
func LinkageKeyOf(h *keyset.Handle) (*LinkageKey, error) {
	set, err := prf.NewPRFSet(h)
	if err != nil {
		return nil, fmt.Errorf("vault: linkage keyset: %w", err)
	}
	secret, err := set.ComputePrimaryPRF([]byte("homeward linkage secret v1"), 32)
	if err != nil {
		return nil, fmt.Errorf("vault: linkage secret: %w", err)
	}
	return &LinkageKey{Version: set.PrimaryID, Secret: secret}, nil
}

// linkageCache keeps the last opened linkage key per country and wrapped form, so that refreshing
// an encoding (in the transaction of every identity change) does not unwrap the keyset each time.
var linkageCache sync.Map // country -> linkageCached

type linkageCached struct {
	wrapped []byte
	key     *LinkageKey
}

// LinkageKey opens the store's wrapped linkage keyset (as read from store_keys in the caller's
// transaction) with the master key these keys were opened by.
func (k *Keys) LinkageKey(wrapped []byte) (*LinkageKey, error) {
	if len(wrapped) == 0 {
		return nil, ErrNoLinkageKey
	}
	if c, ok := linkageCache.Load(k.Country); ok && bytes.Equal(c.(linkageCached).wrapped, wrapped) {
		return c.(linkageCached).key, nil
	}
	if k.master == nil {
		return nil, fmt.Errorf("vault: %s keys hold no master key", k.Country)
	}
	h, err := k.master.OpenLinkageKeyset(k.Country, wrapped)
	if err != nil {
		return nil, err
	}
	key, err := LinkageKeyOf(h)
	if err != nil {
		return nil, err
	}
	linkageCache.Store(k.Country, linkageCached{wrapped: bytes.Clone(wrapped), key: key})
	return key, nil
}
