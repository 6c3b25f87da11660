package audit

import (
	"context"
	"errors"
	"fmt"
)

// Seal chains the committed audit rows of one database ("hub" or a country code) and returns how
// many it sealed; a database another sealer is sealing is left to it (0, nil). The audit_seal
// job calls it (internal/jobs); an error makes the job retry.
func (s *Sealer) Seal(ctx context.Context, name string) (int, error) {
	for _, l := range append([]Ledger{s.hub}, s.stores...) {
		if l.Name != name {
			continue
		}
		n, err := sealAll(ctx, l.DB, false)
		if errors.Is(err, errBusy) {
			return n, nil
		}
		return n, err
	}
	return 0, fmt.Errorf("audit: no ledger %q", name)
}

// Anchor publishes each store's head into the hub and the hub's head into every store, like
// Publish, and returns what failed (the audit_anchor job retries it).
func (s *Sealer) Anchor(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, st := range s.stores {
		errs = append(errs, s.publishHead(ctx, st, s.hub), s.publishHead(ctx, s.hub, st))
	}
	return errors.Join(errs...)
}
