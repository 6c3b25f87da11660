package ratelimit_test

import (
	"context"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/ratelimit"
	"homeward/internal/store"
)

// TestSlotsSharedByPools: two Slots over two pools of one store (two `serve` processes) share its
// slots: with two, the third is refused by either; the request's context ending does not free a
// slot, Release does; another store's slots are its own.
func TestSlotsSharedByPools(t *testing.T) {
	env := apptest.NewEmpty(t)
	ctx := context.Background()
	other, err := store.Open(ctx, env.Cfg.StoreDSNs["TH"])
	if err != nil {
		t.Fatal(err)
	}
	if db, err := other.DB(); err == nil {
		t.Cleanup(func() { db.Close() })
	}
	a := ratelimit.NewSlots(env.App.Stores, ratelimit.ImportSlotClass, 2)
	b := ratelimit.NewSlots(store.NewSet(&store.Store{Country: "TH", DB: other}), ratelimit.ImportSlotClass, 2)
	take := func(s *ratelimit.Slots, ctx context.Context, cc string) *ratelimit.Slot {
		t.Helper()
		slot, err := s.Take(ctx, cc)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(slot.Release)
		return slot
	}
	reqCtx, endRequest := context.WithCancel(ctx)
	first := take(a, reqCtx, "TH")
	second := take(b, ctx, "TH")
	if first == nil || second == nil || first.N == second.N {
		t.Fatalf("two slots: %+v, %+v", first, second)
	}
	endRequest()
	for name, s := range map[string]*ratelimit.Slots{"a": a, "b": b} {
		if got := take(s, ctx, "TH"); got != nil {
			t.Errorf("a third slot from %s: %+v", name, got)
		}
	}
	if kh := take(a, ctx, "KH"); kh == nil {
		t.Error("KH's slot refused while TH's are held")
	}
	first.Release()
	first.Release() // twice: nothing
	if again := take(b, ctx, "TH"); again == nil || again.N != first.N {
		t.Errorf("after a release: %+v, want slot %d", again, first.N)
	}
	if _, err := a.Take(ctx, "ZZ"); err == nil {
		t.Error("a store that does not exist: no error")
	}
}
