package web

import (
	"crypto/sha256"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// retryLater is a refusal the caller should repeat later: the error handler answers it with its
// status, its code and Retry-After.
type retryLater struct {
	status int
	code   string
	after  time.Duration
}

func (e *retryLater) Error() string { return e.code + ": retry after " + e.after.String() }

// retryAfterSeconds is the Retry-After value of a wait: whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

// unavailableRetryAfter is the Retry-After of a 503 for a database that cannot be reached: the
// outage tracker retries every second, so a few seconds is the soonest an answer can change.
const unavailableRetryAfter = 5 * time.Second

// apiLimiter is the API rate limit: a token bucket per bearer token (keyed by the token's SHA-256,
// which identifies the token row as its id does), rate per second with burst.
//
// The buckets live in this process's memory: two `serve` processes behind one balancer each allow
// the full rate. Issue 14 (item 2, "two servers") wants throttling state in PostgreSQL; this is
// the single-process step before that.
type apiLimiter struct {
	rate  rate.Limit
	burst int
	mu    sync.Mutex
	byKey map[[32]byte]*bucket
	swept time.Time
}

type bucket struct {
	lim  *rate.Limiter
	used time.Time
}

// newAPILimiter returns nil (no limit) when perSecond is 0.
func newAPILimiter(perSecond float64, burst int) *apiLimiter {
	if perSecond <= 0 {
		return nil
	}
	return &apiLimiter{rate: rate.Limit(perSecond), burst: max(1, burst), byKey: map[[32]byte]*bucket{}, swept: time.Now()}
}

// allow takes one request from token's bucket, or returns the 429 rate_limited refusal.
func (l *apiLimiter) allow(token string) error {
	if l == nil {
		return nil
	}
	key := sha256.Sum256([]byte(token))
	now := time.Now()
	l.mu.Lock()
	b, ok := l.byKey[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.byKey[key] = b
	}
	b.used = now
	l.sweep(now)
	l.mu.Unlock()
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return &retryLater{status: http.StatusTooManyRequests, code: "rate_limited", after: d}
	}
	return nil
}

// sweep forgets, at most once a minute, the buckets unused for ten minutes (full again by then).
func (l *apiLimiter) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	for k, b := range l.byKey {
		if now.Sub(b.used) > 10*time.Minute {
			delete(l.byKey, k)
		}
	}
}

// importSlots limits the imports running at once in each country store (a semaphore per store):
// an import parses and writes many rows in one store, and a few at a time keep that store
// answering everyone else. One more is refused 503 busy with Retry-After.
type importSlots struct {
	byCountry map[string]chan struct{}
}

// importBusyRetryAfter is the Retry-After of a refused import: imports take seconds to a minute.
const importBusyRetryAfter = 30 * time.Second

func newImportSlots(countries []string, perStore int) *importSlots {
	if perStore < 1 {
		perStore = 2
	}
	s := &importSlots{byCountry: map[string]chan struct{}{}}
	for _, cc := range countries {
		s.byCountry[cc] = make(chan struct{}, perStore)
	}
	return s
}

// limit runs next holding one of the actor's store's import slots, or refuses when none is free.
// An actor without a store reaches no import (the route's permission refused it before).
func (s *importSlots) limit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := actorOf(c)
		if a == nil || !a.HasStore() {
			return next(c)
		}
		slots, ok := s.byCountry[a.Country]
		if !ok {
			return next(c)
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			return next(c)
		default:
			return &retryLater{status: http.StatusServiceUnavailable, code: "busy", after: importBusyRetryAfter}
		}
	}
}

// isImportRoute reports whether a route runs an import: case imports of an operation and
// complaint imports, page and API.
func isImportRoute(method, path string) bool {
	if method != http.MethodPost {
		return false
	}
	switch path {
	case importPage, importAPI, complaintImportPage, complaintImportAPI:
		return true
	}
	return false
}
