package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/consent"
	"homeward/internal/locale"
	"homeward/internal/repatriation"
)

// repatRequest is a sent request of a KH case (a Thai national, consent given) to the Thai
// embassy: the case id and the packet id.
func repatRequest(t *testing.T, env *apptest.Env, given string) (string, string) {
	t.Helper()
	ctx := context.Background()
	id := repatCase(t, env, given, "TH")
	if _, err := env.App.Consent.Record(ctx, env.Actor(t, khWorker), id, consent.Input{Purpose: consent.PurposeShareEmbassy,
		Answer: consent.AnswerGiven, AnsweredOn: repatDay(0), Method: "written", Language: "th"}); err != nil {
		t.Fatal(err)
	}
	p, err := env.App.Repatriation.RequestEmbassy(ctx, env.Actor(t, khWorker), id, repatriation.RequestInput{Items: repatriation.RequestItems})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Exchange.Approve(ctx, env.Actor(t, repKHSupervisor), p.ID, 0); err != nil {
		t.Fatal(err)
	}
	return id, p.ID
}

// TestPacketsTypedReplyForm: the embassy's reply to a repatriation request is a typed form (yes/no
// radios, selects of the section's document types and routes, dates, a note); a value the section
// could not read is 422 with the messages and the typed input kept, by the form and by the API; a
// good reply lands in the case's section exactly.
func TestPacketsTypedReplyForm(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	caseID, pid := repatRequest(t, env, "Boonmee")
	officer := env.Login(t, thEmbassy)
	pkt := env.URL() + "/inbox/" + pid

	for _, lang := range locale.Supported {
		repatLanguage(t, env, officer, lang)
		status, body := apptest.Get(t, officer, pkt)
		if status != http.StatusOK {
			t.Fatalf("%s packet page: %d %s", lang, status, excerpt(body))
		}
		for _, want := range []string{`<select id="r-travel_document_type" name="travel_document_type">`,
			`<select id="r-travel_route" name="travel_route">`, `type="radio" id="r-nationality_verified-yes" name="nationality_verified" value="yes"`,
			`id="r-travel_document_valid_until" name="travel_document_valid_until" type="date"`, `id="r-travel_date" name="travel_date" type="date"`,
			`<textarea id="r-note" name="note"`, `id="r-travel_route_flight" name="travel_route_flight"`,
			message(t, body, "repatriation.reply.hint"), message(t, body, "repatriation.reply.flight_details")} {
			if !strings.Contains(body, want) {
				t.Errorf("%s reply form lacks %q", lang, want)
			}
		}
		for _, code := range repatriation.TravelDocumentTypes {
			if want := `<option value="` + code + `">` + message(t, body, "repatriation.document_type."+code) + `</option>`; !strings.Contains(body, want) {
				t.Errorf("%s reply form lacks %s", lang, want)
			}
		}
		for _, code := range repatriation.Routes {
			if want := `<option value="` + code + `">` + message(t, body, "repatriation.route."+code) + `</option>`; !strings.Contains(body, want) {
				t.Errorf("%s reply form lacks %s", lang, want)
			}
		}
	}
	repatLanguage(t, env, officer, "en")

	// Bad values: 422, each message shown, what was typed kept, nothing sent.
	bad := url.Values{"nationality_verified": {"no"}, "travel_document_type": {"Passport"}, "travel_document_number": {"KEEP-123"},
		"travel_document_valid_until": {repatDay(-1)}, "travel_date": {"31/12/2026"}, "travel_route": {"flight"},
		"travel_route_flight": {""}, "note": {"Keep this note"}}
	status, body := postPage(t, officer, pkt, pkt+"/replies", bad)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("bad reply: %d %s", status, excerpt(body))
	}
	for _, want := range []string{message(t, body, "form.error.choose"), message(t, body, "repatriation.error.valid_until_past"),
		message(t, body, "form.error.date"), message(t, body, "repatriation.error.flight_details"),
		`value="KEEP-123"`, `value="31/12/2026"`, `value="` + repatDay(-1) + `"`, "Keep this note</textarea>",
		`<option value="flight" selected>`, `value="no" checked`} {
		if !strings.Contains(body, want) {
			t.Errorf("re-rendered form lacks %q", want)
		}
	}
	bad = url.Values{"travel_document_type": {"visa"}, "travel_route": {"flight"}, "travel_route_flight": {"TG 580 BKK-PNH"}}
	if status, body = postPage(t, officer, pkt, pkt+"/replies", bad); status != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `value="TG 580 BKK-PNH"`) {
		t.Errorf("unknown document type: %d, flight details kept: %v", status, strings.Contains(body, `value="TG 580 BKK-PNH"`))
	}
	// The JSON API checks the same way.
	tok := env.Token(t, thEmbassy)
	status, body = apptest.API(t, http.MethodPost, env.URL()+"/api/v1/inbox/"+pid+"/replies", tok,
		`{"fields":{"travel_document_type":"ETD","travel_route":"Poipet","travel_date":"soon","travel_document_valid_until":"2001-01-01","nationality_verified":"maybe"}}`)
	fields := decodeError(t, body).Error.Fields
	if status != http.StatusUnprocessableEntity || fields["travel_document_type"] != "form.error.choose" || fields["travel_route"] != "form.error.choose" ||
		fields["travel_date"] != "form.error.date" || fields["travel_document_valid_until"] != "repatriation.error.valid_until_past" ||
		fields["nationality_verified"] != "form.error.choose" {
		t.Errorf("API bad reply: %d %s", status, body)
	}
	var replies int64
	env.App.Hub.Raw(`SELECT count(*) FROM packets WHERE reply_to = ?`, pid).Scan(&replies)
	if replies != 0 {
		t.Fatalf("%d replies sent by refused input", replies)
	}

	// A good reply through the form lands exactly in the section once the KH store syncs.
	good := url.Values{"nationality_verified": {"yes"}, "travel_document_type": {"laissez_passer"}, "travel_document_number": {"LP-2026-17"},
		"travel_document_valid_until": {repatDay(90)}, "travel_date": {repatDay(10)}, "travel_route": {"osmach_chong_chom"},
		"travel_route_flight": {""}, "note": {"Collect on Monday."}}
	res := apptest.PostForm(t, officer, pkt, pkt+"/replies", good)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("good reply: %d", res.StatusCode)
	}
	if _, err := env.App.Exchange.Sync(ctx, "KH"); err != nil {
		t.Fatal(err)
	}
	worker := env.Actor(t, khWorker)
	r, err := env.App.Repatriation.Get(ctx, worker, caseID)
	if err != nil {
		t.Fatal(err)
	}
	if r.NationalityStatus != "verified" || r.TravelDocumentType != "laissez_passer" || r.TravelDocumentNumber != "LP-2026-17" ||
		r.TravelDocumentValidUntil != repatDay(90) || r.PlannedDate != repatDay(10) || r.Route != "osmach_chong_chom" || r.FlightDetails != "" {
		t.Errorf("section after the form's reply: %+v", r)
	}

	// A flight through the form: its details kept as typed, even when they name a checkpoint.
	flight := url.Values{"travel_route": {"flight"}, "travel_route_flight": {"TG 580 BKK-PNH, then road via Poipet"}, "travel_document_type": {"passport"}}
	res = apptest.PostForm(t, officer, pkt, pkt+"/replies", flight)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("flight reply: %d", res.StatusCode)
	}
	if _, err := env.App.Exchange.Sync(ctx, "KH"); err != nil {
		t.Fatal(err)
	}
	if r, err = env.App.Repatriation.Get(ctx, worker, caseID); err != nil {
		t.Fatal(err)
	}
	if r.Route != repatriation.RouteFlight || r.FlightDetails != "TG 580 BKK-PNH, then road via Poipet" || r.TravelDocumentType != "passport" {
		t.Errorf("section after the flight: route %q %q, document %q", r.Route, r.FlightDetails, r.TravelDocumentType)
	}
	cw := env.Login(t, khWorker)
	repatLanguage(t, env, cw, "en")
	_, body = apptest.Get(t, cw, env.URL()+"/cases/"+caseID+"/repatriation")
	wants := []string{message(t, body, "repatriation.route.flight"), "TG 580 BKK-PNH, then road via Poipet",
		message(t, body, "repatriation.document_type.passport")}
	if i := strings.Index(body, `data-testid="repatriation-steps"`); i >= 0 {
		body = body[i:strings.Index(body, `id="repatriation-embassy"`)] // the steps table, not the edit form's options
	} else {
		t.Fatalf("no steps table: %s", excerpt(body))
	}
	for _, want := range wants {
		if !strings.Contains(body, want) {
			t.Errorf("section's steps lack %q", want)
		}
	}
}
