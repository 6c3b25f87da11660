package repatriation_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/consent"
	"homeward/internal/exchange"
	"homeward/internal/problem"
	"homeward/internal/repatriation"
)

// agree records the person's consent to share with the embassy.
func agree(tb testing.TB, env *apptest.Env, caseID string) {
	tb.Helper()
	_, err := env.App.Consent.Record(context.Background(), env.Actor(tb, khWorker), caseID, consent.Input{
		Purpose: consent.PurposeShareEmbassy, Answer: consent.AnswerGiven,
		AnsweredOn: time.Now().In(repatriation.Zone).Format(time.DateOnly), Method: "spoken", Language: "th"})
	if err != nil {
		tb.Fatalf("consent: %v", err)
	}
}

// documented registers a Thai national holding a passport with a number.
func documented(tb testing.TB, env *apptest.Env) *cases.Case {
	tb.Helper()
	age := 31
	_, c, err := env.App.Cases.Intake(context.Background(), env.Actor(tb, khWorker), cases.IntakeInput{
		GivenName: "Kanya", FamilyName: "Srisuk", Aliases: []string{"Nok"}, Sex: "female", AgeEstimate: &age,
		Nationality: "TH", Languages: []string{"th", "en"},
		DocumentsHeld: []cases.HeldDocument{{Kind: "passport", Number: "AA1234567"}}, DocumentsMissing: []string{"national_id"}})
	if err != nil {
		tb.Fatalf("intake: %v", err)
	}
	setStage(tb, env, c.ID, "return_preparation")
	return c
}

// TestRequestGoesToTheEmbassyOfTheNationality: a Thai national's request goes to the Thai embassy,
// an Indonesian's to the Indonesian one, whatever else is asked; a nationality without an embassy
// and a request without consent are refused.
func TestRequestGoesToTheEmbassyOfTheNationality(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := env.App.Repatriation
	worker := env.Actor(t, khWorker)
	thai := documented(t, env)
	indo := returnCase(t, env, "Siti", "ID")
	viet := returnCase(t, env, "Lan", "VN")
	for _, c := range []*cases.Case{thai, indo, viet} {
		agree(t, env, c.ID)
	}

	p, err := svc.RequestEmbassy(ctx, worker, thai.ID, repatriation.RequestInput{
		Items: []string{"nationality_verification", "travel_document"}, Note: "Urgent: flight home offered by family."})
	if err != nil {
		t.Fatal(err)
	}
	if p.Recipient != "th-embassy-pnh" || p.Kind != exchange.KindRepatriation || p.Status != exchange.StatusPendingApproval {
		t.Errorf("Thai national's packet: %+v", p)
	}
	docs, _ := p.Payload["documents"].([]map[string]string)
	want := exchange.Payload{"given_name": "Kanya", "family_name": "Srisuk", "aliases": []string{"Nok"}, "sex": "female",
		"age_estimate": 31, "nationality": "TH", "languages": []string{"th", "en"},
		"documents": []map[string]string{{"kind": "passport", "number": "AA1234567"}},
		"requested": []string{"nationality_verification", "travel_document"}, "note": "Urgent: flight home offered by family."}
	if d := cmp.Diff(want, p.Payload); d != "" || len(docs) != 1 {
		t.Errorf("payload (-want +got):\n%s", d)
	}
	r, err := svc.Get(ctx, worker, thai.ID)
	if err != nil || r.NationalityStatus != "requested" || r.TravelDocumentStatus != "requested" || r.NationalityRequestedOn == "" {
		t.Errorf("section after the request: %+v, %v", r, err)
	}

	p, err = svc.RequestEmbassy(ctx, worker, indo.ID, repatriation.RequestInput{Items: []string{"travel_arrangements"}})
	if err != nil || p.Recipient != "id-embassy-pnh" {
		t.Errorf("Indonesian national's packet: %+v, %v", p, err)
	}
	// The exchange itself refuses another embassy.
	_, err = env.App.Exchange.Prepare(ctx, worker, indo.ID, exchange.Draft{Kind: exchange.KindRepatriation, Recipient: "th-embassy-pnh"})
	if inv, ok := problem.AsInvalid(err); !ok || inv.Fields["recipient"] == "" {
		t.Errorf("request to the Thai embassy for an Indonesian = %v, want invalid recipient", err)
	}
	tests := []struct {
		name   string
		caseID string
		in     repatriation.RequestInput
		field  string
	}{
		{"no embassy serves the nationality", viet.ID, repatriation.RequestInput{Items: []string{"travel_document"}}, ""},
		{"nothing asked", thai.ID, repatriation.RequestInput{Note: "hello"}, "requested"},
		{"unknown item", thai.ID, repatriation.RequestInput{Items: []string{"visa"}}, "requested"},
		{"without consent", returnCase(t, env, "Anong", "TH").ID, repatriation.RequestInput{Items: []string{"travel_document"}}, "consent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.RequestEmbassy(ctx, worker, tt.caseID, tt.in)
			if inv, ok := problem.AsInvalid(err); !ok || inv.Fields[tt.field] == "" {
				t.Errorf("err = %v, want invalid %q", err, tt.field)
			}
		})
	}
}

// TestEmbassyReplyUpdatesTheSection: the whole round — request, approval, the embassy officer's
// reply, Sync in the KH store — ends with the section verified and the travel document issued.
func TestEmbassyReplyUpdatesTheSection(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := env.App.Repatriation
	worker, sup, officer := env.Actor(t, khWorker), env.Actor(t, khSupervisor), env.Actor(t, thEmbassy)
	c := documented(t, env)
	agree(t, env, c.ID)
	p, err := svc.RequestEmbassy(ctx, worker, c.ID, repatriation.RequestInput{Items: repatriation.RequestItems})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Exchange.Approve(ctx, sup, p.ID, 0); err != nil {
		t.Fatalf("approve: %v", err)
	}
	// Another embassy does not see it.
	if _, err := env.App.Exchange.Open(ctx, env.Actor(t, idEmbassy), p.ID); err == nil {
		t.Error("the Indonesian embassy opened the Thai embassy's request")
	}
	opened, err := env.App.Exchange.Open(ctx, officer, p.ID)
	if err != nil || opened.Payload["given_name"] != "Kanya" {
		t.Fatalf("open: %+v, %v", opened, err)
	}
	travel := time.Now().In(repatriation.Zone).AddDate(0, 0, 20).Format(time.DateOnly)
	valid := time.Now().In(repatriation.Zone).AddDate(0, 3, 0).Format(time.DateOnly)
	_, err = env.App.Exchange.Reply(ctx, officer, p.ID, exchange.Payload{"nationality_verified": true,
		"travel_document_type": "emergency_travel_document", "travel_document_number": "TH-ETD-2026-0099",
		"travel_document_valid_until": valid, "travel_date": travel, "travel_route": "poipet_aranyaprathet",
		"note": "Collect the document at the consular section on Monday."})
	if err != nil {
		t.Fatalf("reply: %v", err)
	}
	if n, err := env.App.Exchange.Sync(ctx, "KH"); err != nil || n < 1 {
		t.Fatalf("Sync = %d, %v", n, err)
	}
	r, err := svc.Get(ctx, worker, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{r.NationalityStatus, r.TravelDocumentStatus, r.TravelDocumentType, r.TravelDocumentNumber,
		r.TravelDocumentValidUntil, r.PlannedDate, r.Route}
	want := []string{"verified", "issued", "emergency_travel_document", "TH-ETD-2026-0099", valid, travel, "poipet_aranyaprathet"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("section after the reply (-want +got):\n%s", d)
	}
	if r.Embassy == nil || r.Embassy.PacketID != p.ID || r.Embassy.Note != "Collect the document at the consular section on Monday." {
		t.Errorf("embassy reply: %+v", r.Embassy)
	}
	for _, s := range []repatriation.Step{repatriation.StepNationality, repatriation.StepTravelDocument, repatriation.StepRoute, repatriation.StepPlannedDate} {
		if !r.Step(s).Done {
			t.Errorf("step %s not done after the reply", s)
		}
	}
	// The number is sealed, and the application is audited as coming from the packet.
	st, _ := env.App.Stores.For("KH")
	var enc []byte
	st.DB.Raw(`SELECT travel_document_number_enc FROM repatriations WHERE case_id = ?`, c.ID).Row().Scan(&enc)
	if len(enc) == 0 || bytes.Contains(enc, []byte("ETD-2026")) {
		t.Errorf("number stored in clear: %q", enc)
	}
	var details []string
	st.DB.Raw(`SELECT detail FROM audit_log WHERE action = 'repatriation.apply' AND entity_id = ?`, c.ID).Scan(&details)
	if len(details) != 1 || !bytes.Contains([]byte(details[0]), []byte(p.ID)) || bytes.Contains([]byte(details[0]), []byte("ETD")) {
		t.Errorf("apply audit: %q", details)
	}

	// A decline of a second request records the decision and the reason, and changes nothing else.
	p2, err := svc.RequestEmbassy(ctx, worker, c.ID, repatriation.RequestInput{Items: []string{"travel_arrangements"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Exchange.Approve(ctx, sup, p2.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Exchange.Decline(ctx, officer, p2.ID, "Travel already arranged."); err != nil {
		t.Fatalf("decline: %v", err)
	}
	if _, err := env.App.Exchange.Sync(ctx, "KH"); err != nil {
		t.Fatal(err)
	}
	r2, err := svc.Get(ctx, worker, c.ID)
	if err != nil || r2.Embassy == nil || r2.Embassy.Decision != "declined" || r2.Embassy.PacketID != p2.ID ||
		r2.TravelDocumentNumber != "TH-ETD-2026-0099" || r2.Version != r.Version+1 {
		t.Errorf("after the decline: %+v %+v, %v", r2, r2.Embassy, err)
	}
}

// TestApplySkipsWhatItCannotRead: values of the wrong kind are skipped and named in the audit.
func TestApplySkipsWhatItCannotRead(t *testing.T) {
	env := apptest.New(t)
	c := returnCase(t, env, "Preeya", "TH")
	st, _ := env.App.Stores.For("KH")
	orig := &exchange.Packet{ID: "01900000-0000-7000-8000-000000000001", Kind: exchange.KindRepatriation, Recipient: "th-embassy-pnh"}
	err := st.DB.Transaction(func(tx *gorm.DB) error {
		return env.App.Repatriation.ApplyReplies(tx, st, []exchange.ReplyItem{{CaseID: c.ID, Original: orig, Reply: exchange.Payload{"nationality_verified": "perhaps",
			"travel_date": "next month", "travel_route": "TG 581 BKK, 14:05", "travel_document_valid_until": "2020-01-01",
			"travel_document_number": "X1"}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := env.App.Repatriation.Get(context.Background(), env.Actor(t, khWorker), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.NationalityStatus != "" || r.PlannedDate != "" || r.Route != "flight" || r.FlightDetails != "TG 581 BKK, 14:05" ||
		r.TravelDocumentStatus != "issued" || r.TravelDocumentValidUntil != "" {
		t.Errorf("applied: %+v", r)
	}
	var detail string
	st.DB.Raw(`SELECT detail FROM audit_log WHERE action = 'repatriation.apply' AND entity_id = ?`, c.ID).Scan(&detail)
	for _, f := range []string{"nationality_verified", "travel_date", "travel_document_valid_until"} {
		if !bytes.Contains([]byte(detail), []byte(f)) {
			t.Errorf("audit detail %s does not name skipped %s", detail, f)
		}
	}
}

// TestSecondRequestWhileOutstanding: a request still waiting for approval or unopened blocks a
// second one (409); once the first is revoked, a new request goes.
func TestSecondRequestWhileOutstanding(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := env.App.Repatriation
	worker, sup := env.Actor(t, khWorker), env.Actor(t, khSupervisor)
	c := documented(t, env)
	agree(t, env, c.ID)
	p, err := svc.RequestEmbassy(ctx, worker, c.ID, repatriation.RequestInput{Items: []string{"travel_document"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RequestEmbassy(ctx, worker, c.ID, repatriation.RequestInput{Items: []string{"travel_document"}}); !errors.Is(err, problem.ErrConflict) {
		t.Errorf("second request while pending = %v, want conflict", err)
	}
	if _, err := env.App.Exchange.Approve(ctx, sup, p.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RequestEmbassy(ctx, worker, c.ID, repatriation.RequestInput{Items: []string{"travel_document"}}); !errors.Is(err, problem.ErrConflict) {
		t.Errorf("second request while sent = %v, want conflict", err)
	}
	if _, err := env.App.Exchange.Revoke(ctx, sup, p.ID, "sent by mistake"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RequestEmbassy(ctx, worker, c.ID, repatriation.RequestInput{Items: []string{"travel_document"}}); err != nil {
		t.Errorf("request after the first was revoked = %v", err)
	}
}

// TestEmbassyServingSeveralNationalities: once the directory says the Indonesian embassy also serves
// Vietnamese nationals, a Vietnamese national's request goes there and the exchange accepts it;
// the Thai embassy still may not receive it.
func TestEmbassyServingSeveralNationalities(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	if err := env.App.Hub.Exec(`UPDATE agencies SET serves_nationalities = '{ID,VN}' WHERE slug = 'id-embassy-pnh'`).Error; err != nil {
		t.Fatal(err)
	}
	worker := env.Actor(t, khWorker)
	viet := returnCase(t, env, "Lan", "VN")
	agree(t, env, viet.ID)
	_, err := env.App.Exchange.Prepare(ctx, worker, viet.ID, exchange.Draft{Kind: exchange.KindRepatriation, Recipient: "th-embassy-pnh"})
	if inv, ok := problem.AsInvalid(err); !ok || inv.Fields["recipient"] == "" {
		t.Errorf("request to the Thai embassy for a Vietnamese national = %v, want invalid recipient", err)
	}
	p, err := env.App.Repatriation.RequestEmbassy(ctx, worker, viet.ID, repatriation.RequestInput{Items: []string{"travel_document"}})
	if err != nil || p.Recipient != "id-embassy-pnh" {
		t.Errorf("Vietnamese national's packet: %+v, %v; want it addressed to id-embassy-pnh", p, err)
	}
}
