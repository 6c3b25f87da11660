package linkage

import (
	"bytes"
	"errors"
	"testing"
)

func mustEncode(t *testing.T, key []byte, p Person) Encoding {
	t.Helper()
	enc, err := NewEncoder(1, key)
	if err != nil {
		t.Fatal(err)
	}
	e, err := enc.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEncodeAcrossScripts(t *testing.T) {
	for _, tc := range []struct{ a, b Person }{
		{Person{GivenName: "สมชาย", FamilyName: "ใจดี", Sex: "male", BirthYear: 1990},
			Person{GivenName: "Somchai", FamilyName: "Jaidee", Sex: "male", BirthYear: 1990}},
		{Person{GivenName: "សុខា", FamilyName: "ចាន់", Sex: "female", BirthYear: 2001},
			Person{GivenName: "Chan", FamilyName: "Sokha", Sex: "female", BirthYear: 2001}}, // order swapped
		{Person{GivenName: "ដារ៉ា", FamilyName: "សុខ", Sex: "male", BirthYear: 1995},
			Person{GivenName: "Dara", FamilyName: "Sok", Sex: "male", BirthYear: 1996}},
	} {
		a, b := mustEncode(t, testKey, tc.a), mustEncode(t, testKey, tc.b)
		x := NewIndex(1)
		mustAdd(t, x, &b)
		if cs := x.Match(&a, Threshold, 1); len(cs) != 1 {
			t.Errorf("%v and %v: no candidate (Dice %.2f)", tc.a, tc.b, Dice(&a.Filter, &b.Filter))
		}
	}
}

func TestEncodeRefusals(t *testing.T) {
	if _, err := NewEncoder(1, []byte("short")); err == nil {
		t.Error("a 5-byte key was accepted")
	}
	enc, err := NewEncoder(1, testKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Encode(Person{GivenName: " - ", Sex: "male"}); !errors.Is(err, ErrNoName) {
		t.Errorf("no name: err %v, want ErrNoName", err)
	}
}

// TestEncodeKeyed: under another linkage key the same person shares nothing beyond chance, so the
// hub cannot compare encodings made under an old and a new key, nor build a dictionary without it.
func TestEncodeKeyed(t *testing.T) {
	p := Person{GivenName: "Somchai", FamilyName: "Jaidee", Sex: "male", BirthYear: 1990, DocumentNumbers: []string{"AA 1234567"}}
	a := mustEncode(t, testKey, p)
	b := mustEncode(t, bytes.Repeat([]byte{1}, 32), p)
	if d := Dice(&a.Filter, &b.Filter); d > 0.6 {
		t.Errorf("Dice under two keys %.2f", d)
	}
	if a.Block == b.Block || a.Docs[0] == b.Docs[0] {
		t.Error("block or document token equal under two keys")
	}
	if c := mustEncode(t, testKey, p); c.Filter != a.Filter || c.Block != a.Block {
		t.Error("encoding is not deterministic")
	}
}

func TestMatchDocumentAndBlocks(t *testing.T) {
	stored := []Person{
		{GivenName: "Sokha", FamilyName: "Chan", Sex: "female", BirthYear: 2001, DocumentNumbers: []string{"N0123456"}},
		{GivenName: "Sokha", FamilyName: "Chan", Sex: "male", BirthYear: 2001},   // other sex
		{GivenName: "Sokha", FamilyName: "Chan", Sex: "female", BirthYear: 1980}, // other band
		{GivenName: "Sokha", FamilyName: "Chan", Sex: "", BirthYear: 2002},       // unknown sex
	}
	x := NewIndex(1)
	for _, p := range stored {
		e := mustEncode(t, testKey, p)
		mustAdd(t, x, &e)
	}
	q := mustEncode(t, testKey, Person{GivenName: "Mony", FamilyName: "Ly", Sex: "female", BirthYear: 2000, DocumentNumbers: []string{"n-012 3456"}})
	cs := x.Match(&q, Threshold, 0)
	if len(cs) != 1 || cs[0].ID != 0 || !cs[0].Document || cs[0].Score != 1 {
		t.Errorf("document match: %+v", cs)
	}
	q = mustEncode(t, testKey, Person{GivenName: "សុខា", FamilyName: "ចាន់", Sex: "female", BirthYear: 2000})
	cs = x.Match(&q, Threshold, 0)
	ids := map[int]bool{}
	for _, c := range cs {
		ids[c.ID] = true
	}
	if !ids[0] || ids[1] || ids[2] || !ids[3] {
		t.Errorf("blocking: candidates %+v, want ids 0 and 3", cs)
	}
}

func TestKeyVersions(t *testing.T) {
	p := Person{GivenName: "Somchai", FamilyName: "Jaidee", Sex: "male", BirthYear: 1990}
	old := mustEncode(t, testKey, p)
	enc, err := NewEncoder(2, testKey)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := enc.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	x := NewIndex(2)
	if _, err := x.Add(&old); !errors.Is(err, ErrKeyVersion) {
		t.Errorf("adding a version 1 encoding to a version 2 index: err %v", err)
	}
	mustAdd(t, x, &fresh)
	if cs := x.Match(&old, 0, 0); len(cs) != 0 {
		t.Errorf("a version 1 encoding matched in a version 2 index: %+v", cs)
	}
	if cs := x.Match(&fresh, Threshold, 0); len(cs) != 1 {
		t.Errorf("same version: %+v", cs)
	}
}
