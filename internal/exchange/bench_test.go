package exchange_test

import (
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/consent"
	"homeward/internal/exchange"
)

// BenchmarkInbox10k lists the inbox of an embassy holding 10,000 packets: the first page, a page
// filtered by status, and a page deep in the list (by cursor). Reports p95 of 200 calls each.
func BenchmarkInbox10k(b *testing.B) {
	f := newFixture(b)
	emb := f.actor(b, thEmbassy)
	sender := f.actor(b, khWorker)
	err := f.env.App.Hub.Exec(`INSERT INTO packets (id, kind, sender_agency_id, recipient_agency_id, case_ref, status,
  sealed_payload, expires_at, created_at, updated_at, purpose, fields, sender_country, sender_seen_status)
SELECT gen_random_uuid(), 'repatriation', ?, ?, 'KH-2026-' || lpad(i::text, 6, '0'),
  (ARRAY['sent', 'opened', 'accepted', 'declined'])[1 + i % 4],
  CASE WHEN i % 4 = 3 THEN NULL ELSE '\x00'::bytea END,
  now() + interval '60 days', now() - (i || ' minutes')::interval, now(), 'share_embassy', '{given_name}', 'KH',
  (ARRAY['sent', 'opened', 'accepted', 'declined'])[1 + i % 4]
FROM generate_series(1, 10000) AS i`, sender.AgencyID, emb.AgencyID).Error
	if err != nil {
		b.Fatal(err)
	}
	f.env.App.Hub.Exec(`ANALYZE packets`)
	page, err := f.x.Inbox(ctx, emb, exchange.InboxFilter{Limit: 200})
	if err != nil || len(page.Items) != 200 {
		b.Fatalf("inbox: %v", err)
	}
	deep := ""
	for i := 0; i < 40; i++ { // 40 pages of 200: the 8,000th packet
		p, err := f.x.Inbox(ctx, emb, exchange.InboxFilter{Limit: 200, Cursor: deep})
		if err != nil {
			b.Fatal(err)
		}
		deep = p.NextCursor
	}
	cases := []struct {
		name string
		f    exchange.InboxFilter
	}{
		{"first", exchange.InboxFilter{}},
		{"status", exchange.InboxFilter{Status: exchange.StatusOpened}},
		{"deep", exchange.InboxFilter{Cursor: deep}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := f.x.Inbox(ctx, emb, c.f); err != nil {
					b.Fatal(err)
				}
			}
			p95 := apptest.P95(b, 200, func() error { _, err := f.x.Inbox(ctx, emb, c.f); return err })
			b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
		})
	}
}

// BenchmarkPrepareApprove prepares and approves one repatriation packet (consent check, projection,
// sealing, hub and store audit at each step).
func BenchmarkPrepareApprove(b *testing.B) {
	f := newFixture(b)
	c := f.newCase(b, khWorker, "TH")
	f.consent(b, khWorker, c.ID, consent.PurposeShareEmbassy, consent.AnswerGiven)
	w, sup := f.actor(b, khWorker), f.actor(b, khSupervisor)
	d := repatriation("th-embassy-pnh", "given_name", "family_name", "nationality", "note")
	one := func() error {
		p, err := f.x.Prepare(ctx, w, c.ID, d)
		if err != nil {
			return err
		}
		_, err = f.x.Approve(ctx, sup, p.ID, p.Version)
		return err
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := one(); err != nil {
			b.Fatal(err)
		}
	}
	p95 := apptest.P95(b, 50, one)
	b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
}
