package web

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"homeward/internal/ratelimit"
	"homeward/internal/store"
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

// apiLimiter is the API rate limit: a token bucket per bearer token, rate per second with burst,
// kept in the hub (ratelimit, table api_rate_buckets) so that every `serve` process of a
// deployment takes from the same bucket.
type apiLimiter struct {
	lim *ratelimit.Limiter
}

// newAPILimiter returns nil (no limit) when perSecond is 0.
func newAPILimiter(hub *gorm.DB, perSecond float64, burst int) *apiLimiter {
	lim := ratelimit.New(hub, perSecond, burst)
	if lim == nil {
		return nil
	}
	return &apiLimiter{lim: lim}
}

// allow takes one request from token's bucket, or returns the 429 rate_limited refusal.
func (l *apiLimiter) allow(ctx context.Context, token string) error {
	if l == nil {
		return nil
	}
	wait, err := l.lim.Take(ctx, token)
	if err != nil {
		return err
	}
	if wait > 0 {
		return &retryLater{status: http.StatusTooManyRequests, code: "rate_limited", after: wait}
	}
	return nil
}

// importSlots limits the imports running at once in each country store: an import parses and
// writes many rows in one store, and a few at a time keep that store answering everyone else. The
// slots are advisory locks in the store itself (ratelimit.Slots), so every `serve` process of a
// deployment counts against one limit, and a server that dies frees the slots it held. One import
// more is refused 429 busy with Retry-After.
type importSlots struct {
	slots *ratelimit.Slots
}

// importBusyRetryAfter is the Retry-After of a refused import: imports take seconds to a minute.
const importBusyRetryAfter = 30 * time.Second

func newImportSlots(stores *store.Set, perStore int) *importSlots {
	if perStore < 1 {
		perStore = 2
	}
	return &importSlots{slots: ratelimit.NewSlots(stores, ratelimit.ImportSlotClass, perStore)}
}

// limit runs next holding one of the actor's store's import slots, or refuses when none is free.
// An actor without a store reaches no import (the route's permission refused it before).
func (s *importSlots) limit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := actorOf(c)
		if a == nil || !a.HasStore() {
			return next(c)
		}
		slot, err := s.slots.Take(c.Request().Context(), a.Country)
		if errors.Is(err, store.ErrNoStore) {
			return next(c)
		}
		if err != nil {
			return err
		}
		if slot == nil {
			return &retryLater{status: http.StatusTooManyRequests, code: "busy", after: importBusyRetryAfter}
		}
		defer slot.Release()
		return next(c)
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
