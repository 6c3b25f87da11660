// Package vault encrypts case-data fields with each country store's own Tink
// keysets and computes blind indexes for exact-match search.
//
// A store persists its keysets wrapped by the process's master key
// (WrappedKeysets); MasterKey.Open or LoadOrCreateKeys turns them into Keys.
package vault

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ErrDecrypt is wrapped by every error caused by a ciphertext or wrapped
// keyset that the keys at hand cannot decrypt: another country's keys,
// another master key, another field or row, or tampered bytes.
var ErrDecrypt = errors.New("vault: cannot decrypt")

// Keys is one country's opened keys. It is safe for concurrent use.
//
// Keys loaded from a store (LoadOrCreateKeys) follow key rotation (reload.go): a ciphertext under a
// key id they do not know makes them re-read the store's keysets once before giving up, and
// sealing re-checks the store's keysets in the background every RefreshInterval, so a running
// process picks up a new primary key without a restart.
type Keys struct {
	Country string
	cur     atomic.Pointer[primitives]
	master  *MasterKey // opens the store's other keysets (the linkage key, linkagekey.go)

	source     *keySource   // nil: fixed keys (MasterKey.Open)
	reloadMu   sync.Mutex   // one reload at a time
	lastReload time.Time    // guarded by reloadMu
	checkedAt  atomic.Int64 // unix nanoseconds of the last background check
	checking   atomic.Bool
}

// fieldAD is the associated data of a field value: country|field|rowID, so a
// ciphertext decrypts only in the store, column and row it was sealed for.
func (k *Keys) fieldAD(field, rowID string) ([]byte, error) {
	if field == "" || rowID == "" {
		return nil, fmt.Errorf("vault: field and row id are required (field %q, row %q)", field, rowID)
	}
	if strings.Contains(field, "|") || strings.Contains(rowID, "|") {
		return nil, fmt.Errorf("vault: field %q or row id %q contains '|'", field, rowID)
	}
	return []byte(k.Country + "|" + field + "|" + rowID), nil
}

// Seal encrypts plaintext for field (e.g. "persons.document_number") of the
// row rowID. Empty plaintext gives a nil ciphertext, which means "no value".
func (k *Keys) Seal(field, rowID string, plaintext []byte) ([]byte, error) {
	ad, err := k.fieldAD(field, rowID)
	if err != nil {
		return nil, err
	}
	if len(plaintext) == 0 {
		return nil, nil
	}
	k.maybeRefresh()
	ct, err := k.cur.Load().aead.Encrypt(plaintext, ad)
	if err != nil {
		return nil, fmt.Errorf("vault: seal %s: %w", field, err)
	}
	return ct, nil
}

// Open decrypts a ciphertext made by Seal for the same field and row. An
// empty ciphertext gives nil; a ciphertext for other keys, another field or
// row, or altered bytes gives an error wrapping ErrDecrypt.
func (k *Keys) Open(field, rowID string, ciphertext []byte) ([]byte, error) {
	ad, err := k.fieldAD(field, rowID)
	if err != nil {
		return nil, err
	}
	if len(ciphertext) == 0 {
		return nil, nil
	}
	p := k.cur.Load()
	pt, err := p.aead.Decrypt(ciphertext, ad)
	if err != nil && k.reloadFor(p, ciphertext) {
		pt, err = k.cur.Load().aead.Decrypt(ciphertext, ad)
	}
	if err != nil {
		return nil, fmt.Errorf("vault: open %s of %s in %s: %w", field, rowID, k.Country, ErrDecrypt)
	}
	return pt, nil
}

// SealString is Seal for a string value; "" gives nil.
func (k *Keys) SealString(field, rowID, plaintext string) ([]byte, error) {
	return k.Seal(field, rowID, []byte(plaintext))
}

// OpenString is Open for a string value; an empty ciphertext gives "".
func (k *Keys) OpenString(field, rowID string, ciphertext []byte) (string, error) {
	pt, err := k.Open(field, rowID, ciphertext)
	if err != nil {
		return "", err
	}
	return string(pt), nil
}

// KindDocumentNumber is the blind-index kind for identity-document numbers,
// normalised with NormalizeDocumentNumber.
const KindDocumentNumber = "document_number"

// BlindIndex returns a keyed MAC of value, normalised for kind, for
// exact-match search and duplicate checks within this country's store. It is
// nil when the normalised value is empty. KindDocumentNumber uses
// NormalizeDocumentNumber; any other kind uses NormalizeText. The kind is part
// of the MAC input, so equal values of different kinds do not match.
//
// BlindIndex panics if the MAC primitive fails, which Tink's HMAC does not
// do once the keyset has been opened.
func (k *Keys) BlindIndex(kind, value string) []byte {
	var norm string
	if kind == KindDocumentNumber {
		norm = NormalizeDocumentNumber(value)
	} else {
		norm = NormalizeText(value)
	}
	if norm == "" {
		return nil
	}
	data := make([]byte, 0, binary.MaxVarintLen64+len(kind)+len(norm))
	data = binary.AppendUvarint(data, uint64(len(kind)))
	data = append(data, kind...)
	data = append(data, norm...)
	tag, err := k.cur.Load().mac.ComputeMAC(data)
	if err != nil {
		panic(fmt.Sprintf("vault: blind index %s in %s: %v", kind, k.Country, err))
	}
	return tag
}
