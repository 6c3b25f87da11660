package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"time"

	"gorm.io/gorm"

	"homeward/internal/store"
	"homeward/internal/vault"
)

// HubName names the hub's chain in anchors; a store's chain is named by its country code.
const HubName = "hub"

// anchorPurpose is the key purpose of the anchor keyset in hub_keys (the hub) and store_keys (a store).
const anchorPurpose = "audit-anchor"

// Ledger is one database's audit chain as the sealer sees it: its name ("hub" or a country code),
// its pool, and its anchor key, which signs the heads it publishes.
type Ledger struct {
	Name string
	DB   *gorm.DB
	Key  *vault.AnchorKey
}

// OpenLedger returns the ledger of the database name, with its anchor key loaded (created and
// stored wrapped by master on first use: hub_keys for the hub, store_keys for a store).
func OpenLedger(ctx context.Context, name string, db *gorm.DB, master *vault.MasterKey) (Ledger, error) {
	table := "store_keys"
	if name == HubName {
		table = "hub_keys"
	}
	wrapped, err := store.WrappedKeyset(ctx, db, table, "purpose", anchorPurpose, func() ([]byte, error) {
		return master.NewAnchorKeyset(name)
	})
	if err != nil {
		return Ledger{}, fmt.Errorf("audit: %s anchor key: %w", name, err)
	}
	k, err := master.OpenAnchorKeyset(name, wrapped)
	if err != nil {
		return Ledger{}, err
	}
	return Ledger{Name: name, DB: db, Key: k}, nil
}

// Anchor is a chain head one database published into another: the source chain's name, the
// position and hash of its last sealed row, when it was sealed, and the source's signature.
type Anchor struct {
	Source    string
	Seq       int64
	Hash      []byte
	SealedAt  time.Time
	Signature []byte
}

// message is what the signature covers: every field, length-prefixed, under a version tag.
func (a Anchor) message() []byte {
	var b bytes.Buffer
	for _, f := range []string{"homeward/audit-anchor/v1", a.Source, strconv.FormatInt(a.Seq, 10),
		hex.EncodeToString(a.Hash), a.SealedAt.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)} {
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
		b.WriteByte(0x1f)
	}
	return b.Bytes()
}

func (a Anchor) verifySignature(key *vault.AnchorKey) error {
	if key == nil {
		return fmt.Errorf("the other side recorded a head of this chain but its anchor key is missing")
	}
	if a.Seq < 1 {
		return fmt.Errorf("the other side recorded a head at position %d, which no chain has", a.Seq)
	}
	if err := key.Verify(a.Signature, a.message()); err != nil {
		return fmt.Errorf("the head recorded by the other side at this position is not signed by this database's anchor key")
	}
	return nil
}

// anchorCursor returns a function called with each sealed row in chain order, then with Row{}
// at the chain's end: it fails where a row's hash differs from an anchor at its position, and at
// the end on an anchor past the chain's end.
func anchorCursor(anchors []Anchor) func(Row) error {
	sorted := append([]Anchor(nil), anchors...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Seq < sorted[j].Seq })
	i := 0
	var last int64
	return func(r Row) error {
		if r.Seq == nil {
			if i < len(sorted) {
				a := sorted[i]
				return &Break{Seq: a.Seq, Reason: fmt.Sprintf("%s recorded this chain's head at position %d (sealed %s), but the chain ends at %d: rows were removed and the chain rewritten",
					otherSide(a.Source), a.Seq, a.SealedAt.UTC().Format(time.RFC3339), last)}
			}
			return nil
		}
		last = *r.Seq
		for ; i < len(sorted) && sorted[i].Seq == *r.Seq; i++ {
			if !bytes.Equal(sorted[i].Hash, r.Hash) {
				return &Break{ID: r.ID, Seq: *r.Seq, Reason: fmt.Sprintf("the hash differs from the head %s recorded at this position (sealed %s): the chain was rewritten",
					otherSide(sorted[i].Source), sorted[i].SealedAt.UTC().Format(time.RFC3339))}
			}
		}
		return nil
	}
}

// otherSide names where the anchors of source's chain are kept.
func otherSide(source string) string {
	if source == HubName {
		return "a store"
	}
	return "the hub"
}

// readHead reads the chain's head as an unsigned anchor; Seq is 0 while nothing is sealed.
func readHead(ctx context.Context, l Ledger) (Anchor, error) {
	var h struct {
		LastID   int64
		LastHash []byte
		SealedAt *time.Time
	}
	if err := l.DB.WithContext(ctx).Raw(`SELECT last_id, last_hash, sealed_at FROM audit_head WHERE id = 1`).Scan(&h).Error; err != nil {
		return Anchor{}, fmt.Errorf("audit: read the %s head: %w", l.Name, err)
	}
	a := Anchor{Source: l.Name, Seq: h.LastID, Hash: h.LastHash}
	if h.SealedAt != nil {
		a.SealedAt = h.SealedAt.UTC().Truncate(time.Microsecond)
	}
	return a, nil
}

const insertAnchorSQL = `INSERT INTO audit_anchors (source, seq, hash, sealed_at, signature) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (source, seq) DO NOTHING`

// Publish signs from's current head with from's anchor key and records it in to's audit_anchors
// (idempotent: a head already recorded is left as it is). It returns the position published, 0
// when from has nothing sealed yet.
func Publish(ctx context.Context, from Ledger, to *gorm.DB) (int64, error) {
	a, err := readHead(ctx, from)
	if err != nil || a.Seq == 0 {
		return 0, err
	}
	if a.Signature, err = from.Key.Sign(a.message()); err != nil {
		return 0, err
	}
	if err := to.WithContext(ctx).Exec(insertAnchorSQL, a.Source, a.Seq, a.Hash, a.SealedAt, a.Signature).Error; err != nil {
		return 0, fmt.Errorf("audit: publish the %s head: %w", from.Name, err)
	}
	return a.Seq, nil
}

// AnchorsFor reads the heads of source's chain recorded in db (the other side), by position.
func AnchorsFor(ctx context.Context, db *gorm.DB, source string) ([]Anchor, error) {
	var out []Anchor
	err := db.WithContext(ctx).Raw(`SELECT source, seq, hash, sealed_at, signature FROM audit_anchors WHERE source = ? ORDER BY seq`, source).
		Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("audit: read the anchors of %s: %w", source, err)
	}
	return out, nil
}
