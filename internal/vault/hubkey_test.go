package vault

import (
	"bytes"
	"errors"
	"testing"
)

func TestHubKeySealsBoundToPurposeAndRow(t *testing.T) {
	m := newMasterKey(t)
	wrapped, err := m.NewHubKeyset("mfa")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.OpenHubKeyset("other", wrapped); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("opening the mfa keyset for another purpose = %v, want ErrDecrypt", err)
	}
	if _, err := newMasterKey(t).OpenHubKeyset("mfa", wrapped); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("opening with another master key = %v, want ErrDecrypt", err)
	}
	k, err := m.OpenHubKeyset("mfa", wrapped)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("JBSWY3DPEHPK3PXP")
	ct, err := k.Seal("mfa_totp.secret_enc|user-a", secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, secret) {
		t.Fatal("the sealed value holds the plaintext")
	}
	if pt, err := k.Open("mfa_totp.secret_enc|user-a", ct); err != nil || !bytes.Equal(pt, secret) {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	if _, err := k.Open("mfa_totp.secret_enc|user-b", ct); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("opening another user's row = %v, want ErrDecrypt", err)
	}
	if _, err := m.NewHubKeyset(""); err == nil {
		t.Fatal("a hub keyset without a purpose was made")
	}
}
