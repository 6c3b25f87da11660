package audit

import (
	"bytes"
	"crypto/sha256"
	"strconv"
	"testing"
	"time"
)

// TestHashOfRowsWithoutSection: a row without a section hashes exactly as rows did before rows
// carried one (so chains written then keep verifying); a section changes the hash.
func TestHashOfRowsWithoutSection(t *testing.T) {
	user := "0190f0a0-0000-7000-8000-000000000001"
	r := Row{ID: 7, At: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), ActorUserID: &user,
		Action: "case.read", Entity: "case", EntityID: "c1", Detail: `{"a":1}`, PrevHash: []byte{1, 2, 3}}
	// The scheme before sections, written out.
	h := sha256.New()
	h.Write(r.PrevHash)
	for _, f := range []string{"7", r.At.Format(time.RFC3339Nano), user, "", "case.read", "case", "c1", `{"a":1}`} {
		h.Write([]byte{0x1f})
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	if !bytes.Equal(r.computeHash(), h.Sum(nil)) {
		t.Fatal("a row without a section no longer hashes as before")
	}
	withSection := r
	withSection.Section = "cases"
	if bytes.Equal(withSection.computeHash(), r.computeHash()) {
		t.Fatal("the section is not part of the hash")
	}
}
