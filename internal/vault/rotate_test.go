package vault

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestAddPrimaryAEAD checks a rotated keyset: a new primary, every earlier key kept, so old
// ciphertexts open and new ones carry the new key id; the MAC keyset and blind indexes unchanged.
func TestAddPrimaryAEAD(t *testing.T) {
	m := newMasterKey(t)
	w, err := m.NewKeysets("TH")
	if err != nil {
		t.Fatal(err)
	}
	old, err := m.Open("TH", w)
	if err != nil {
		t.Fatal(err)
	}
	oldCT, _ := old.SealString(testField, testRow, "AB123456")
	rotated, id, err := m.AddPrimaryAEAD("TH", w.AEAD)
	if err != nil {
		t.Fatal(err)
	}
	primary, ids, err := m.KeyIDs("TH", "aead", rotated)
	if err != nil || primary != id || len(ids) != 2 || !slices.Contains(ids, old.PrimaryKeyID()) {
		t.Fatalf("rotated keyset: primary %d (want %d), ids %v, %v", primary, id, ids, err)
	}
	k, err := m.Open("TH", WrappedKeysets{AEAD: rotated, MAC: w.MAC})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k.OpenString(testField, testRow, oldCT); err != nil || got != "AB123456" {
		t.Fatalf("old ciphertext after rotation: %q, %v", got, err)
	}
	newCT, _ := k.SealString(testField, testRow, "AB123456")
	if got, ok := CiphertextKeyID(newCT); !ok || got != id || !bytes.HasPrefix(newCT, KeyIDPrefix(id)) {
		t.Fatalf("new ciphertext key id %d, want %d", got, id)
	}
	if got, ok := CiphertextKeyID(oldCT); !ok || got != old.PrimaryKeyID() {
		t.Fatalf("old ciphertext key id %d", got)
	}
	resealed, err := old.Reseal(testField, testRow, oldCT)
	if err != nil || !bytes.HasPrefix(resealed, KeyIDPrefix(old.PrimaryKeyID())) {
		t.Fatalf("reseal with the old keys: %v", err)
	}
	if resealed, err = k.Reseal(testField, testRow, oldCT); err != nil || !bytes.HasPrefix(resealed, KeyIDPrefix(id)) {
		t.Fatalf("reseal with the new keys: %x, %v", resealed, err)
	}
	if !bytes.Equal(k.BlindIndex(KindDocumentNumber, "AB 123456"), old.BlindIndex(KindDocumentNumber, "AB123456")) {
		t.Fatal("blind index changed by an AEAD rotation")
	}
	// The wrapped keyset stays bound to its country.
	if _, _, err := m.AddPrimaryAEAD("KH", w.AEAD); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("rotate TH's keyset as KH: %v", err)
	}
}

// TestKeysReloadOnUnknownKey gives keys a source whose keyset rotates: a ciphertext under the new
// key makes them reload once and open it; garbage under an unknown id does not reload again
// within minReloadGap; fixed keys never reload.
func TestKeysReloadOnUnknownKey(t *testing.T) {
	m := newMasterKey(t)
	w, err := m.NewKeysets("TH")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	current, reads := w, 0
	app, err := m.Open("TH", w)
	if err != nil {
		t.Fatal(err)
	}
	app.source = &keySource{master: m, read: func(context.Context) (WrappedKeysets, error) {
		mu.Lock()
		defer mu.Unlock()
		reads++
		return current, nil
	}}
	fixed, _ := m.Open("TH", w)

	rotated, id, err := m.AddPrimaryAEAD("TH", w.AEAD)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	current = WrappedKeysets{AEAD: rotated, MAC: w.MAC}
	mu.Unlock()
	rotator, _ := m.Open("TH", current)
	ct, _ := rotator.SealString(testField, testRow, "new value")

	if _, err := fixed.OpenString(testField, testRow, ct); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("fixed keys opened a ciphertext of a key they lack: %v", err)
	}
	if got, err := app.OpenString(testField, testRow, ct); err != nil || got != "new value" || reads != 1 {
		t.Fatalf("reloading keys: %q, %v, %d reads", got, err, reads)
	}
	if app.PrimaryKeyID() != id || !app.KnowsKey(id) {
		t.Fatalf("after the reload the primary is %d, want %d", app.PrimaryKeyID(), id)
	}
	// An unknown key id right after a reload does not query the store again.
	bogus := append(KeyIDPrefix(id+1), bytes.Repeat([]byte{7}, 40)...)
	if _, err := app.Open(testField, testRow, bogus); !errors.Is(err, ErrDecrypt) || reads != 1 {
		t.Fatalf("bogus ciphertext: %v, %d reads", err, reads)
	}
	// Sealing re-checks in the background once RefreshInterval has passed.
	app.checkedAt.Store(time.Now().Add(-2 * RefreshInterval).UnixNano())
	if _, err := app.SealString(testField, testRow, "x"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := reads
		mu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no background refresh: %d reads", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
