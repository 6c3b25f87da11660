package repatriation_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/exchange"
	"homeward/internal/problem"
	"homeward/internal/repatriation"
)

// TestReplyFormTypesTheDeclaredFields: the typed form covers exactly the declared reply fields, in
// their order, and its choices are the section's own codes.
func TestReplyFormTypesTheDeclaredFields(t *testing.T) {
	var names []string
	for _, f := range repatriation.ReplyForm {
		names = append(names, f.Name)
		if f.Type == repatriation.ReplyChoice && !slices.Equal(f.Choices, repatriation.TravelDocumentTypes) {
			t.Errorf("%s offers %v, want the section's document types", f.Name, f.Choices)
		}
	}
	if d := cmp.Diff(repatriation.Spec.ReplyFields, names); d != "" {
		t.Errorf("ReplyForm names (-declared +typed):\n%s", d)
	}
}

// TestCheckReply: good values pass (normalised), anything Apply could not read exactly is refused
// with the field's message.
func TestCheckReply(t *testing.T) {
	now := time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC) // 11 March in UTC+7
	svc := repatriation.New(nil, nil, nil).WithClock(func() time.Time { return now })
	got, err := svc.CheckReply(exchange.Payload{"nationality_verified": "yes", "travel_document_type": "laissez_passer",
		"travel_document_number": "LP-1", "travel_document_valid_until": "2026-03-11", "travel_date": "2026-04-01",
		"travel_route": "flight:   TG 581 BKK-PNH via Poipet", "note": "ok"})
	if err != nil {
		t.Fatalf("good reply: %v", err)
	}
	if got["nationality_verified"] != true || got["travel_route"] != "flight: TG 581 BKK-PNH via Poipet" {
		t.Errorf("normalised: %v", got)
	}
	for _, tt := range []struct {
		name  string
		reply exchange.Payload
		field string
		key   string
	}{
		{"yes/no", exchange.Payload{"nationality_verified": "perhaps"}, "nationality_verified", "form.error.choose"},
		{"document type in words", exchange.Payload{"travel_document_type": "Passport"}, "travel_document_type", "form.error.choose"},
		{"document type unknown", exchange.Payload{"travel_document_type": "visa"}, "travel_document_type", "form.error.choose"},
		{"route in words", exchange.Payload{"travel_route": "Poipet – Aranyaprathet"}, "travel_route", "form.error.choose"},
		{"flight without details", exchange.Payload{"travel_route": "flight"}, "travel_route", "repatriation.error.flight_details"},
		{"flight: and nothing", exchange.Payload{"travel_route": "flight:  "}, "travel_route", "repatriation.error.flight_details"},
		{"route not text", exchange.Payload{"travel_route": 3.0}, "travel_route", "form.error.choose"},
		{"malformed date", exchange.Payload{"travel_date": "1 April"}, "travel_date", "form.error.date"},
		{"valid until yesterday", exchange.Payload{"travel_document_valid_until": "2026-03-10"}, "travel_document_valid_until", "repatriation.error.valid_until_past"},
		{"travel date in the past", exchange.Payload{"travel_date": "2026-03-01"}, "travel_date", "repatriation.error.planned_past"},
		{"far future", exchange.Payload{"travel_date": "2999-01-01"}, "travel_date", "form.error.date_range"},
		{"number too long", exchange.Payload{"travel_document_number": string(make([]byte, 61))}, "travel_document_number", "form.error.too_long"},
		{"number not text", exchange.Payload{"travel_document_number": true}, "travel_document_number", "form.error.invalid"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.CheckReply(tt.reply)
			if inv, ok := problem.AsInvalid(err); !ok || inv.Fields[tt.field] != tt.key {
				t.Errorf("err = %v, want %s: %s", err, tt.field, tt.key)
			}
		})
	}
}

// TestApplyTypedRoute: the typed form's flight keeps its details even when they name a checkpoint;
// a checkpoint's code is taken as it is.
func TestApplyTypedRoute(t *testing.T) {
	env := apptest.New(t)
	st, _ := env.App.Stores.For("KH")
	for _, tt := range []struct{ route, want, details string }{
		{"flight: PNH-BKK, then by road via Poipet", "flight", "PNH-BKK, then by road via Poipet"},
		{"cham_yeam_hat_lek", "cham_yeam_hat_lek", ""},
	} {
		c := returnCase(t, env, "Malee", "TH")
		orig := &exchange.Packet{ID: "01900000-0000-7000-8000-000000000002", Kind: exchange.KindRepatriation, Recipient: "th-embassy-pnh"}
		if err := st.DB.Transaction(func(tx *gorm.DB) error {
			return env.App.Repatriation.ApplyReplies(tx, st, []exchange.ReplyItem{{CaseID: c.ID, Original: orig, Reply: exchange.Payload{"travel_route": tt.route}}})
		}); err != nil {
			t.Fatal(err)
		}
		r, err := env.App.Repatriation.Get(context.Background(), env.Actor(t, khWorker), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Route != tt.want || r.FlightDetails != tt.details {
			t.Errorf("%q applied as %q %q, want %q %q", tt.route, r.Route, r.FlightDetails, tt.want, tt.details)
		}
	}
}

// TestReplyRefusedByTheExchange: the exchange runs the check on every reply to a repatriation
// request (the JSON API and the form both go through it): nothing is sent on a bad value.
func TestReplyRefusedByTheExchange(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	worker, sup, officer := env.Actor(t, khWorker), env.Actor(t, khSupervisor), env.Actor(t, thEmbassy)
	c := documented(t, env)
	agree(t, env, c.ID)
	p, err := env.App.Repatriation.RequestEmbassy(ctx, worker, c.ID, repatriation.RequestInput{Items: repatriation.RequestItems})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Exchange.Approve(ctx, sup, p.ID, 0); err != nil {
		t.Fatal(err)
	}
	_, err = env.App.Exchange.Reply(ctx, officer, p.ID, exchange.Payload{"travel_document_type": "Passport", "travel_route": "by bus"})
	inv, ok := problem.AsInvalid(err)
	if !ok || inv.Fields["travel_document_type"] == "" || inv.Fields["travel_route"] == "" {
		t.Fatalf("bad reply: %v", err)
	}
	hub := env.App.Hub
	var replies int64
	hub.Raw(`SELECT count(*) FROM packets WHERE reply_to = ?`, p.ID).Scan(&replies)
	if replies != 0 {
		t.Errorf("%d replies sent after a refused one", replies)
	}
}

// BenchmarkCheckReply checks a full embassy reply (every field, a flight).
func BenchmarkCheckReply(b *testing.B) {
	svc := repatriation.New(nil, nil, nil)
	day := time.Now().In(repatriation.Zone).AddDate(0, 0, 30).Format(time.DateOnly)
	reply := exchange.Payload{"nationality_verified": "yes", "travel_document_type": "emergency_travel_document",
		"travel_document_number": "TH-ETD-1", "travel_document_valid_until": day, "travel_date": day,
		"travel_route": "flight: TG 580 BKK-PNH 09:10", "note": "Collect at the consular section."}
	for i := 0; i < b.N; i++ {
		if _, err := svc.CheckReply(reply); err != nil {
			b.Fatal(err)
		}
	}
}
