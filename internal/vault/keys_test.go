package vault

import (
	"bytes"
	"errors"
	"testing"
)

const (
	testField = "persons.document_number"
	testRow   = "0190f2a4-7c3e-7b6a-9d1e-2f4c5a6b7c8d"
)

func TestSealOpenRoundTrip(t *testing.T) {
	k := newKeys(t, newMasterKey(t), "TH")
	tests := []struct {
		name      string
		plaintext []byte
	}{
		{"ascii", []byte("AB123456")},
		{"thai", []byte("นางสาว สมหญิง บ้านเลขที่ ๑๒ ตำบลคลองลึก")},
		{"khmer", []byte("ភូមិ ប៉ោយប៉ែត")},
		{"binary", []byte{0, 1, 2, 0xff, 0xfe}},
		{"one byte", []byte{'x'}},
		{"large", bytes.Repeat([]byte("testimony "), 10_000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, err := k.Seal(testField, testRow, tt.plaintext)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if len(ct) <= len(tt.plaintext) {
				t.Fatalf("ciphertext %x is not longer than the plaintext", ct)
			}
			// A short plaintext may occur in random bytes by chance; a long one may not.
			if len(tt.plaintext) >= 8 && bytes.Contains(ct, tt.plaintext) {
				t.Fatalf("ciphertext contains the plaintext: %x", ct)
			}
			again, err := k.Seal(testField, testRow, tt.plaintext)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(ct, again) {
				t.Error("sealing twice gave the same ciphertext")
			}
			pt, err := k.Open(testField, testRow, ct)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(pt, tt.plaintext) {
				t.Errorf("Open = %q, want %q", pt, tt.plaintext)
			}
			sct, err := k.SealString(testField, testRow, string(tt.plaintext))
			if err != nil {
				t.Fatalf("SealString: %v", err)
			}
			s, err := k.OpenString(testField, testRow, sct)
			if err != nil {
				t.Fatalf("OpenString: %v", err)
			}
			if s != string(tt.plaintext) {
				t.Errorf("OpenString = %q, want %q", s, tt.plaintext)
			}
		})
	}
}

func TestSealOpenEmpty(t *testing.T) {
	k := newKeys(t, newMasterKey(t), "TH")
	for _, in := range [][]byte{nil, {}} {
		ct, err := k.Seal(testField, testRow, in)
		if err != nil || ct != nil {
			t.Errorf("Seal(%#v) = %#v, %v; want nil, nil", in, ct, err)
		}
		pt, err := k.Open(testField, testRow, in)
		if err != nil || pt != nil {
			t.Errorf("Open(%#v) = %#v, %v; want nil, nil", in, pt, err)
		}
	}
	ct, err := k.SealString(testField, testRow, "")
	if err != nil || ct != nil {
		t.Errorf(`SealString("") = %#v, %v; want nil, nil`, ct, err)
	}
	s, err := k.OpenString(testField, testRow, nil)
	if err != nil || s != "" {
		t.Errorf("OpenString(nil) = %q, %v; want \"\", nil", s, err)
	}
}

func TestOpenRefused(t *testing.T) {
	m := newMasterKey(t)
	th := newKeys(t, m, "TH")
	kh := newKeys(t, m, "KH")
	thAgain := newKeys(t, m, "TH")
	ct, err := th.Seal(testField, testRow, []byte("AB123456"))
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(ct)
	tampered[len(tampered)-1] ^= 1
	tests := []struct {
		name       string
		k          *Keys
		field, row string
		ct         []byte
	}{
		{"KH keys", kh, testField, testRow, ct},
		{"other TH keysets", thAgain, testField, testRow, ct},
		{"wrong field", th, "persons.phone", testRow, ct},
		{"wrong row", th, testField, "0190f2a4-7c3e-7b6a-9d1e-2f4c5a6b7c8e", ct},
		{"tampered", th, testField, testRow, tampered},
		{"truncated", th, testField, testRow, ct[:len(ct)-1]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt, err := tt.k.Open(tt.field, tt.row, tt.ct)
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("Open = %q, %v; want error wrapping ErrDecrypt", pt, err)
			}
		})
	}
	if _, err := th.Open(testField, testRow, ct); err != nil {
		t.Errorf("the right keys, field and row: %v", err)
	}
}

func TestSealInvalidLocation(t *testing.T) {
	k := newKeys(t, newMasterKey(t), "TH")
	tests := []struct{ name, field, row string }{
		{"empty field", "", testRow},
		{"empty row", testField, ""},
		{"separator in field", "persons|x", testRow},
		{"separator in row", testField, "a|b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ct, err := k.Seal(tt.field, tt.row, []byte("x")); err == nil {
				t.Errorf("Seal = %x, want error", ct)
			}
			if pt, err := k.Open(tt.field, tt.row, []byte("x")); err == nil {
				t.Errorf("Open = %q, want error", pt)
			}
		})
	}
}

func TestBlindIndex(t *testing.T) {
	m := newMasterKey(t)
	th := newKeys(t, m, "TH")
	kh := newKeys(t, m, "KH")
	ref := th.BlindIndex(KindDocumentNumber, "AB 123-456")
	if len(ref) != 5+32 {
		t.Fatalf("len(BlindIndex) = %d, want 37 (Tink prefix and 256-bit tag)", len(ref))
	}
	tests := []struct {
		name      string
		k         *Keys
		kind      string
		value     string
		wantEqual bool
	}{
		{"same value", th, KindDocumentNumber, "AB 123-456", true},
		{"lower case, no separators", th, KindDocumentNumber, "ab123456", true},
		{"full width, dots and slashes", th, KindDocumentNumber, "ＡＢ.123/456", true},
		{"other value", th, KindDocumentNumber, "AB123457", false},
		{"other country", kh, KindDocumentNumber, "AB 123-456", false},
		{"other kind, same normalised value", th, "passport_mrz", "AB123456", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.k.BlindIndex(tt.kind, tt.value)
			if got == nil {
				t.Fatal("BlindIndex = nil")
			}
			if bytes.Equal(got, ref) != tt.wantEqual {
				t.Errorf("BlindIndex(%q, %q) equal to reference = %v, want %v", tt.kind, tt.value, !tt.wantEqual, tt.wantEqual)
			}
		})
	}
	for _, empty := range []string{"", "  ", " - . / ", "\u200b"} {
		if got := th.BlindIndex(KindDocumentNumber, empty); got != nil {
			t.Errorf("BlindIndex(%q) = %x, want nil", empty, got)
		}
	}
	if got := th.BlindIndex("name", "   "); got != nil {
		t.Errorf(`BlindIndex("name", "   ") = %x, want nil`, got)
	}
}

func BenchmarkSealOpen32(b *testing.B) {
	k := newKeys(b, newMasterKey(b), "TH")
	value := bytes.Repeat([]byte{'7'}, 32)
	b.ReportAllocs()
	for b.Loop() {
		ct, err := k.Seal(testField, testRow, value)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := k.Open(testField, testRow, ct); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBlindIndex(b *testing.B) {
	k := newKeys(b, newMasterKey(b), "TH")
	b.ReportAllocs()
	for b.Loop() {
		if k.BlindIndex(KindDocumentNumber, "AB 123-456") == nil {
			b.Fatal("nil blind index")
		}
	}
}
