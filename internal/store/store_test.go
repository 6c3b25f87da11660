package store_test

import (
	"context"
	"errors"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/store"
	"homeward/internal/vault"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// TestCiphertextOfOneStoreRefusedByTheOther takes a sealed document number from the TH store and
// tries the KH store's keys on it.
func TestCiphertextOfOneStoreRefusedByTheOther(t *testing.T) {
	env := apptest.New(t)
	th, _ := env.App.Stores.For("TH")
	kh, _ := env.App.Stores.For("KH")
	var row struct {
		ID                string
		DocumentNumberEnc []byte
	}
	if err := th.DB.Raw(`SELECT id, document_number_enc FROM persons WHERE document_number_enc IS NOT NULL LIMIT 1`).Scan(&row).Error; err != nil || row.ID == "" {
		t.Fatalf("no sealed document number in TH demo data: %v", err)
	}
	if _, err := th.Keys.Open("persons.document_number", row.ID, row.DocumentNumberEnc); err != nil {
		t.Fatalf("TH keys cannot open TH ciphertext: %v", err)
	}
	if _, err := kh.Keys.Open("persons.document_number", row.ID, row.DocumentNumberEnc); !errors.Is(err, vault.ErrDecrypt) {
		t.Fatalf("KH keys on TH ciphertext = %v, want ErrDecrypt", err)
	}
	if string(th.Keys.BlindIndex("document_number", "AB123")) == string(kh.Keys.BlindIndex("document_number", "AB123")) {
		t.Fatal("blind indexes agree across stores")
	}
}

func TestSetForUnknownCountry(t *testing.T) {
	env := apptest.New(t)
	for _, cc := range []string{"", "LA", "th"} {
		if _, err := env.App.Stores.For(cc); !errors.Is(err, store.ErrNoStore) {
			t.Errorf("For(%q) = %v", cc, err)
		}
	}
	if err := env.App.Stores.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}
