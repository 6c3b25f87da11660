package linkage

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStoredForm(t *testing.T) {
	for _, p := range []Person{
		{GivenName: "សុខា", FamilyName: "ចាន់", Sex: "female", BirthYear: 2001, DocumentNumbers: []string{"N0123456", "AB 99"}},
		{GivenName: "Somchai", BirthYear: 0},
	} {
		e := mustEncode(t, testKey, p)
		b, err := e.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != StoredSize(len(e.Docs)) {
			t.Errorf("stored form %d bytes, StoredSize %d", len(b), StoredSize(len(e.Docs)))
		}
		var got Encoding
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		e.Probes = nil
		if diff := cmp.Diff(e, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		for _, bad := range [][]byte{nil, b[:len(b)-1], append(append([]byte{}, b...), 0), append([]byte{2}, b[1:]...)} {
			if err := new(Encoding).UnmarshalBinary(bad); !errors.Is(err, ErrFormat) {
				t.Errorf("%d bytes starting %v: err %v, want ErrFormat", len(bad), bad[:min(1, len(bad))], err)
			}
		}
	}
}
