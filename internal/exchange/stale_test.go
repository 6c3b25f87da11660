package exchange_test

import (
	"errors"
	"testing"
	"time"

	"homeward/internal/authz"
	"homeward/internal/consent"
)

// TestAcceptedPastExpiryIsGoneOnEveryOpen (issue 13, capability 6): an accepted packet past its
// expiry is not found on every open, not only on the first one (which also erases its payload),
// and its recipient can neither reply to it nor decide it again.
func TestAcceptedPastExpiryIsGoneOnEveryOpen(t *testing.T) {
	f := newFixture(t)
	c := f.newCase(t, khWorker, "TH")
	f.consent(t, khWorker, c.ID, consent.PurposeShareEmbassy, consent.AnswerGiven)
	p := f.sent(t, khWorker, khSupervisor, c.ID, repatriation("th-embassy-pnh", "given_name"))
	emb := f.actor(t, thEmbassy)
	if _, err := f.x.Accept(ctx, emb, p.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := f.x.Open(ctx, emb, p.ID); err != nil || got.Payload["given_name"] == nil {
		t.Fatalf("open before the expiry = %v, %v; want the payload", got, err)
	}
	f.x.WithClock(func() time.Time { return time.Now().Add(61 * 24 * time.Hour) })
	defer f.x.WithClock(time.Now)
	for i := range 3 {
		if got, err := f.x.Open(ctx, emb, p.ID); !errors.Is(err, authz.ErrNotFound) {
			t.Fatalf("open %d past the expiry = %+v, %v; want not found", i+1, got, err)
		}
	}
	if !f.hubPayloadGone(t, p.ID) {
		t.Fatal("the payload of the accepted packet is still held past its expiry")
	}
	if _, err := f.x.OpenMany(ctx, emb, []string{p.ID}); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("open many past the expiry = %v; want not found", err)
	}
	if _, err := f.x.Reply(ctx, emb, p.ID, map[string]any{"note": "late"}); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("reply past the expiry = %v; want not found", err)
	}
}
