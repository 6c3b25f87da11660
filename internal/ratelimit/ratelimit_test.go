package ratelimit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/ratelimit"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// TestSharedBucket: two limiters over one hub (two `serve` processes) take from one bucket per
// token: the burst is allowed once in all, then each refuses with the wait until the next token;
// another token has its own bucket.
func TestSharedBucket(t *testing.T) {
	env := apptest.NewEmpty(t)
	ctx := context.Background()
	a, b := ratelimit.New(env.App.Hub, 0.5, 3), ratelimit.New(env.App.Hub, 0.5, 3)
	for i, l := range []*ratelimit.Limiter{a, b, a} {
		if wait, err := l.Take(ctx, "token-1"); err != nil || wait != 0 {
			t.Fatalf("request %d: wait %s, %v", i, wait, err)
		}
	}
	for _, l := range []*ratelimit.Limiter{b, a} {
		wait, err := l.Take(ctx, "token-1")
		if err != nil || wait <= time.Second || wait > 2*time.Second {
			t.Errorf("over the burst: wait %s, %v; want about 2s", wait, err)
		}
	}
	if wait, err := b.Take(ctx, "token-2"); err != nil || wait != 0 {
		t.Errorf("another token: wait %s, %v", wait, err)
	}
	if ratelimit.New(env.App.Hub, 0, 3) != nil {
		t.Error("rate 0 is a limiter")
	}
}

// TestConcurrentTakes: requests of one token racing through two limiters get exactly the burst.
func TestConcurrentTakes(t *testing.T) {
	env := apptest.NewEmpty(t)
	ctx := context.Background()
	ls := []*ratelimit.Limiter{ratelimit.New(env.App.Hub, 0.001, 5), ratelimit.New(env.App.Hub, 0.001, 5)}
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wait, err := ls[i%2].Take(ctx, "racing-token")
			if err != nil {
				t.Error(err)
				return
			}
			if wait == 0 {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := allowed.Load(); n != 5 {
		t.Errorf("allowed %d of 24 racing requests, want the burst 5", n)
	}
}
