// Package ratelimit is the API rate limit shared by every server of a deployment: a token bucket
// per key (the SHA-256 of a bearer token) in the hub's api_rate_buckets table, taken from with one
// atomic upsert, so two `serve` processes behind one balancer allow a token its rate once, not
// twice. The database's clock is the only clock: the servers' clocks may differ.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"sync"
	"time"

	"gorm.io/gorm"
)

// Limiter allows Rate requests per second per key, with bursts of Burst.
type Limiter struct {
	db    *gorm.DB
	rate  float64
	burst int
	mu    sync.Mutex
	swept time.Time
}

// sweepEvery is how often one process deletes idle buckets; idleAfter how long a bucket stays
// after its last request (at least until it is full again).
const (
	sweepEvery = time.Minute
	idleAfter  = 10 * time.Minute
)

// New returns the limiter over the hub, or nil (no limit) when perSecond is 0.
func New(hub *gorm.DB, perSecond float64, burst int) *Limiter {
	if perSecond <= 0 {
		return nil
	}
	return &Limiter{db: hub, rate: perSecond, burst: max(1, burst), swept: time.Now()}
}

// takeSQL refills the key's bucket for the time since its last request (up to the burst) and takes
// one token when there is one; a new key starts with a full bucket less this request. The row lock
// of the upsert orders concurrent requests of one key across processes.
const takeSQL = `
INSERT INTO api_rate_buckets AS b (key, tokens, allowed, updated_at)
VALUES (decode(@key, 'hex'), @burst - 1, true, clock_timestamp())
ON CONFLICT (key) DO UPDATE SET
    tokens = LEAST(@burst, b.tokens + @rate * EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at))
             - CASE WHEN LEAST(@burst, b.tokens + @rate * EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at)) >= 1 THEN 1 ELSE 0 END,
    allowed = LEAST(@burst, b.tokens + @rate * EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at)) >= 1,
    updated_at = clock_timestamp()
RETURNING tokens, allowed`

// Take takes one request from token's bucket. It returns 0 when the request may go on, else how
// long until the bucket holds one again.
func (l *Limiter) Take(ctx context.Context, token string) (time.Duration, error) {
	key := sha256.Sum256([]byte(token))
	var row struct {
		Tokens  float64
		Allowed bool
	}
	err := l.db.WithContext(ctx).Raw(takeSQL, map[string]any{"key": hex.EncodeToString(key[:]), "burst": float64(l.burst), "rate": l.rate}).Scan(&row).Error
	if err != nil {
		return 0, fmt.Errorf("ratelimit: take: %w", err)
	}
	l.sweep(ctx)
	if row.Allowed {
		return 0, nil
	}
	wait := time.Duration(math.Ceil((1 - row.Tokens) / l.rate * float64(time.Second)))
	return max(wait, time.Millisecond), nil
}

// sweepSQL deletes buckets idle long enough to be full again.
const sweepSQL = `DELETE FROM api_rate_buckets WHERE updated_at < clock_timestamp() - make_interval(secs => ?)`

// sweep deletes idle buckets, at most once a minute per process; a failure waits for the next.
func (l *Limiter) sweep(ctx context.Context) {
	l.mu.Lock()
	due := time.Since(l.swept) >= sweepEvery
	if due {
		l.swept = time.Now()
	}
	l.mu.Unlock()
	if !due {
		return
	}
	idle := max(idleAfter.Seconds(), float64(l.burst)/l.rate)
	_ = l.db.WithContext(ctx).Exec(sweepSQL, idle).Error
}
