package vault

import (
	"bytes"
	"context"
	"encoding/binary"
	"log/slog"
	"time"

	"github.com/tink-crypto/tink-go/v2/tink"
)

// RefreshInterval is how often sealing re-checks, in the background, whether the store's keysets
// changed (a rotation added a primary key). A process meeting a ciphertext under a key it does
// not know re-reads them at once, whatever the interval.
var RefreshInterval = 30 * time.Second

// reloadTimeout bounds one read of the store's keysets.
const reloadTimeout = 10 * time.Second

// minReloadGap is the least time between two reloads caused by unknown key ids, so ciphertexts
// that no key of the store opens (another store's, tampered ones) do not query the store each time.
const minReloadGap = time.Second

// primitives are one version of a country's opened keysets.
type primitives struct {
	aead        tink.AEAD
	mac         tink.MAC
	wrappedAEAD []byte
	wrappedMAC  []byte
	primary     uint32          // the AEAD keyset's primary key id
	ids         map[uint32]bool // every AEAD key id
}

// keySource re-reads a store's wrapped keysets.
type keySource struct {
	master *MasterKey
	read   func(ctx context.Context) (WrappedKeysets, error)
}

// tinkPrefix is the first byte of a ciphertext made by a key with Tink's output prefix, followed by
// the key id (big-endian): every key Homeward generates has it.
const tinkPrefix = 0x01

// CiphertextKeyID returns the id of the key that made a Tink ciphertext; ok is false for a
// ciphertext without Tink's 5-byte prefix.
func CiphertextKeyID(ct []byte) (id uint32, ok bool) {
	if len(ct) < 5 || ct[0] != tinkPrefix {
		return 0, false
	}
	return binary.BigEndian.Uint32(ct[1:5]), true
}

// KeyIDPrefix is the 5-byte prefix of every ciphertext made by key id.
func KeyIDPrefix(id uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{tinkPrefix}, id)
}

// PrimaryKeyID is the id of the AEAD key Seal uses now.
func (k *Keys) PrimaryKeyID() uint32 { return k.cur.Load().primary }

// KnowsKey reports whether the AEAD keyset held now has key id.
func (k *Keys) KnowsKey(id uint32) bool { return k.cur.Load().ids[id] }

// Refresh re-reads the store's keysets and uses them from now on if they changed. Fixed keys
// (MasterKey.Open) ignore it.
func (k *Keys) Refresh(ctx context.Context) error {
	if k.source == nil {
		return nil
	}
	k.reloadMu.Lock()
	defer k.reloadMu.Unlock()
	return k.refreshLocked(ctx)
}

func (k *Keys) refreshLocked(ctx context.Context) error {
	k.checkedAt.Store(time.Now().UnixNano())
	k.lastReload = time.Now()
	w, err := k.source.read(ctx)
	if err != nil {
		return err
	}
	cur := k.cur.Load()
	if bytes.Equal(w.AEAD, cur.wrappedAEAD) && bytes.Equal(w.MAC, cur.wrappedMAC) {
		return nil
	}
	p, err := k.source.master.openPrimitives(k.Country, w)
	if err != nil {
		return err
	}
	k.cur.Store(p)
	return nil
}

// reloadFor is called when p failed to open ct: if ct names a key p does not have, it re-reads the
// store's keysets (at most once per minReloadGap) and reports whether the keys now have that key.
func (k *Keys) reloadFor(p *primitives, ct []byte) bool {
	id, ok := CiphertextKeyID(ct)
	if !ok || p.ids[id] || k.source == nil {
		return false
	}
	k.reloadMu.Lock()
	defer k.reloadMu.Unlock()
	if k.cur.Load().ids[id] { // another caller reloaded meanwhile
		return true
	}
	if time.Since(k.lastReload) < minReloadGap {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), reloadTimeout)
	defer cancel()
	if err := k.refreshLocked(ctx); err != nil {
		slog.Warn("vault: reload keysets", "store", k.Country, "err", err)
		return false
	}
	return k.cur.Load().ids[id]
}

// maybeRefresh starts a background Refresh when the last check is older than RefreshInterval.
func (k *Keys) maybeRefresh() {
	if k.source == nil || time.Since(time.Unix(0, k.checkedAt.Load())) < RefreshInterval {
		return
	}
	if !k.checking.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer k.checking.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), reloadTimeout)
		defer cancel()
		if err := k.Refresh(ctx); err != nil {
			slog.Warn("vault: refresh keysets", "store", k.Country, "err", err)
		}
	}()
}
