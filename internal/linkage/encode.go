// Package linkage encodes persons for privacy-preserving record linkage between two country
// stores, and matches the encodings in the hub.
//
// Each store encodes a person under a linkage key that the two stores share and the hub never
// holds. The encoding is a cryptographic long-term key (CLK, Schnell, Bachteler and Reiher 2009;
// the clkhash scheme): one Bloom filter per person into which the padded bigrams of every word of
// the romanised given name, family name and aliases (package romanise), a sex token and a
// birth-year token are hashed. Positions come from HMAC-SHA256 under a key derived from the
// linkage key, with the field name in the input (a salt per field), each HMAC giving independent
// positions (not g1+i·g2 double hashing, whose structure the Niedermeyer et al. 2014 attack
// uses); the 1024-bit filter is then XOR-folded to 512 bits (Schnell, Borgs and Encarnação
// 2016), so that no stored bit belongs to a single q-gram position. Document numbers are not in
// the filter: each is a separate keyed HMAC, compared for equality only. Blocking uses a keyed
// token of (sex, birth-year band), so the hub sees which encodings share a block, never the band.
// docs/linkage.md says what an attacker holding the hub's database can and cannot learn.
package linkage

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash"
	"math/bits"
	"strconv"
	"strings"
	"unicode"

	"homeward/internal/romanise"
)

// Sizes of the encoding.
const (
	rawBits    = 1024 // bits of the filter before folding
	FilterBits = rawBits / 2
	words      = FilterBits / 64
	// BandYears is the width of a birth-year band; a person is compared with the persons of
	// the same sex (or unknown sex) in the same or a neighbouring band.
	BandYears = 3
	// DocBytes is the length kept of a document number's HMAC.
	DocBytes = 16
)

// Hashes per feature (k). A name bigram weighs most; the birth year a little less than a
// two-letter word; sex little (it already selects the block).
const (
	kName = 12
	kYear = 10
	kSex  = 4
)

// Filter is a folded Bloom filter.
type Filter [words]uint64

// Count returns the number of bits set.
func (f *Filter) Count() int {
	n := 0
	for _, w := range f {
		n += bits.OnesCount64(w)
	}
	return n
}

// Dice returns the Dice coefficient 2|a∧b| / (|a|+|b|) of two filters, 0 when both are empty.
func Dice(a, b *Filter) float64 {
	ca, cb := a.Count(), b.Count()
	if ca+cb == 0 {
		return 0
	}
	return 2 * float64(and(a, b)) / float64(ca+cb)
}

// The unrolled comparisons (and, Index.scan) read eight words: a filter of another size does not compile.
var _ = [1]int{}[words-8]

// and counts the bits set in both filters (unrolled: words is 8).
func and(a, b *Filter) int {
	return bits.OnesCount64(a[0]&b[0]) + bits.OnesCount64(a[1]&b[1]) +
		bits.OnesCount64(a[2]&b[2]) + bits.OnesCount64(a[3]&b[3]) +
		bits.OnesCount64(a[4]&b[4]) + bits.OnesCount64(a[5]&b[5]) +
		bits.OnesCount64(a[6]&b[6]) + bits.OnesCount64(a[7]&b[7])
}

// Person is what a store encodes of one person.
type Person struct {
	GivenName, FamilyName string
	Aliases               []string
	Sex                   string // "female", "male", or "" when unknown
	BirthYear             int    // 0 when unknown
	DocumentNumbers       []string
}

// Encoding is what the hub receives and keeps for one person: no name, date or number.
type Encoding struct {
	KeyVersion uint32 // the linkage key version it was made under
	Filter     Filter
	Block      uint32           // keyed token of (sex, birth-year band)
	Probes     []uint32         // the blocks this person is compared with (sent with a new encoding)
	Docs       [][DocBytes]byte // keyed HMACs of the normalised document numbers
}

// ErrNoName is returned for a person with no name to encode.
var ErrNoName = errors.New("linkage: no name to encode")

// Encoder computes encodings under one linkage key. It is not safe for concurrent use: give
// each goroutine its own (NewEncoder is cheap).
type Encoder struct {
	version          uint32
	name, block, doc hash.Hash
	sum              []byte
	raw              [rawBits / 64]uint64
}

// NewEncoder returns an encoder for version version of the linkage key (at least 32 bytes).
func NewEncoder(version uint32, key []byte) (*Encoder, error) {
	if len(key) < 32 {
		return nil, errors.New("linkage: the linkage key must hold at least 32 bytes")
	}
	derive := func(purpose string) hash.Hash {
		m := hmac.New(sha256.New, key)
		m.Write([]byte("homeward linkage v1 " + purpose))
		return hmac.New(sha256.New, m.Sum(nil))
	}
	return &Encoder{version: version, name: derive("filter"), block: derive("block"), doc: derive("document"),
		sum: make([]byte, 0, sha256.Size)}, nil
}

// Encode computes a person's encoding.
func (e *Encoder) Encode(p Person) (Encoding, error) {
	enc := Encoding{KeyVersion: e.version}
	e.raw = [rawBits / 64]uint64{}
	n := 0
	names := append([]string{p.GivenName, p.FamilyName}, p.Aliases...)
	for _, name := range names {
		for _, w := range romanise.Keys(name) {
			n++
			e.addBigrams(w)
		}
	}
	if n == 0 {
		return enc, ErrNoName
	}
	if p.Sex != "" {
		e.add("sex", p.Sex, kSex)
	}
	if p.BirthYear != 0 {
		e.add("year", strconv.Itoa(p.BirthYear), kYear)
	}
	for i := range enc.Filter {
		enc.Filter[i] = e.raw[i] ^ e.raw[i+words]
	}
	enc.Block = e.blockToken(p.Sex, band(p.BirthYear))
	enc.Probes = e.probes(p.Sex, p.BirthYear)
	for _, d := range p.DocumentNumbers {
		if d = NormaliseDocument(d); d != "" {
			enc.Docs = append(enc.Docs, e.docToken(d))
		}
	}
	return enc, nil
}

// addBigrams hashes the padded bigrams of one word (_s so ok k_ for sok).
func (e *Encoder) addBigrams(w string) {
	padded := "_" + w + "_"
	for i := 0; i+2 <= len(padded); i++ {
		e.add("name", padded[i:i+2], kName)
	}
}

// add sets k positions for one feature of a field.
func (e *Encoder) add(field, feature string, k int) {
	e.name.Reset()
	e.name.Write([]byte(field))
	e.name.Write([]byte{0})
	e.name.Write([]byte(feature))
	e.sum = e.name.Sum(e.sum[:0])
	for j := 0; j < k; j++ {
		pos := binary.BigEndian.Uint16(e.sum[2*j:]) % rawBits
		e.raw[pos/64] |= 1 << (pos % 64)
	}
}

func band(year int) int {
	if year == 0 {
		return -1
	}
	return year / BandYears
}

func (e *Encoder) blockToken(sex string, b int) uint32 {
	e.block.Reset()
	e.block.Write([]byte(sex + "|" + strconv.Itoa(b)))
	e.sum = e.block.Sum(e.sum[:0])
	return binary.BigEndian.Uint32(e.sum)
}

// probes lists the blocks a person is compared with: its sex (and unknown sex; every sex when
// its own is unknown) in its band, the neighbouring bands and the unknown band (every band
// from 1900 to 2039 when its own is unknown).
func (e *Encoder) probes(sex string, year int) []uint32 {
	sexes := []string{sex, ""}
	if sex == "" {
		sexes = []string{"", "female", "male"}
	}
	var bands []int
	if year == 0 {
		for b := 1900 / BandYears; b <= 2039/BandYears; b++ {
			bands = append(bands, b)
		}
		bands = append(bands, -1)
	} else {
		b := band(year)
		bands = []int{b - 1, b, b + 1, -1}
	}
	out := make([]uint32, 0, len(sexes)*len(bands))
	for _, s := range sexes {
		for _, b := range bands {
			out = append(out, e.blockToken(s, b))
		}
	}
	return out
}

func (e *Encoder) docToken(d string) [DocBytes]byte {
	e.doc.Reset()
	e.doc.Write([]byte(d))
	e.sum = e.doc.Sum(e.sum[:0])
	var t [DocBytes]byte
	copy(t[:], e.sum)
	return t
}

// NormaliseDocument keeps the letters and digits of a document number, in upper case.
func NormaliseDocument(d string) string {
	var b strings.Builder
	for _, r := range d {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}
