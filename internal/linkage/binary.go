package linkage

import (
	"encoding/binary"
	"errors"
)

// formatV1 is the first byte of an encoding's stored form.
const formatV1 = 1

// StoredSize returns the bytes of an encoding's stored form: format, key version, filter, block,
// document count and document HMACs (the blocks it probes are not stored).
func StoredSize(docs int) int { return 1 + 4 + FilterBits/8 + 4 + 1 + docs*DocBytes }

// ErrFormat is returned for bytes that are not an encoding's stored form.
var ErrFormat = errors.New("linkage: not a stored encoding")

// MarshalBinary returns the form the hub stores.
func (e *Encoding) MarshalBinary() ([]byte, error) {
	if len(e.Docs) > 255 {
		return nil, errors.New("linkage: more than 255 document numbers")
	}
	b := make([]byte, 0, StoredSize(len(e.Docs)))
	b = append(b, formatV1)
	b = binary.BigEndian.AppendUint32(b, e.KeyVersion)
	for _, w := range e.Filter {
		b = binary.BigEndian.AppendUint64(b, w)
	}
	b = binary.BigEndian.AppendUint32(b, e.Block)
	b = append(b, byte(len(e.Docs)))
	for _, d := range e.Docs {
		b = append(b, d[:]...)
	}
	return b, nil
}

// UnmarshalBinary reads the stored form; Probes stay empty.
func (e *Encoding) UnmarshalBinary(b []byte) error {
	if len(b) < StoredSize(0) || b[0] != formatV1 || len(b) != StoredSize(int(b[StoredSize(0)-1])) {
		return ErrFormat
	}
	*e = Encoding{KeyVersion: binary.BigEndian.Uint32(b[1:])}
	b = b[5:]
	for i := range e.Filter {
		e.Filter[i] = binary.BigEndian.Uint64(b[8*i:])
	}
	b = b[FilterBits/8:]
	e.Block = binary.BigEndian.Uint32(b)
	n := int(b[4])
	b = b[5:]
	for i := range n {
		var d [DocBytes]byte
		copy(d[:], b[i*DocBytes:])
		e.Docs = append(e.Docs, d)
	}
	return nil
}
