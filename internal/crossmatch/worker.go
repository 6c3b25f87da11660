package crossmatch

import (
	"context"
	"time"

	"homeward/internal/personlink"
)

// WorkerInterval is how often each store's changed encodings are published to the hub and matched
// (the linkage_publish job of internal/jobs, periodic and unique per store and period).
const WorkerInterval = 5 * time.Second

// ReencodeInterval is how often each store's persons without a current encoding are encoded (the
// linkage_encode job, which also runs when a server starts).
const ReencodeInterval = 10 * time.Minute

// Encode encodes the persons of country's store that no identity change encoded (persons loaded by
// COPY, recorded before the store had a linkage key, or encoded under a rotated key), then
// publishes what changed. It returns how many persons it looked at and how many encodings it
// published.
func (s *Service) Encode(ctx context.Context, country string) (encoded, published int, err error) {
	st, err := s.stores.For(country)
	if err != nil {
		return 0, 0, err
	}
	if encoded, err = personlink.Reencode(ctx, st, s.now); err != nil {
		return encoded, 0, err
	}
	published, err = s.Publish(ctx, country)
	return encoded, published, err
}
