package demo

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/cases"
	caseclosure "homeward/internal/closure"
	"homeward/internal/consent"
	"homeward/internal/exchange"
	"homeward/internal/handover"
	"homeward/internal/reintegration"
	"homeward/internal/repatriation"
	"homeward/internal/services"
)

// Packets are the services the demo's packets go through, wired as the app wires them (the
// exchange with its projectors, appliers and receivers registered): app.App holds all of them.
// With a nil Exchange, Seed loads no packets.
type Packets struct {
	Hub          *gorm.DB
	Exchange     *exchange.Service
	Consent      *consent.Service
	Repatriation *repatriation.Service
}

// zone is the region's time zone (Thailand and Cambodia are both UTC+7).
var zone = time.FixedZone("ICT", 7*3600)

// packetSeeder seeds the exchange: consents, embassy requests and a reply, NGO referrals, a
// handover batch, and the support work (services, a reintegration plan, a closure request).
type packetSeeder struct {
	*seeder
	px   Packets
	used map[string]bool // case ids already picked
}

// seedPackets runs after both stores are seeded. Everything goes through the real services, so it
// is sealed and audited as in real use.
func (s *seeder) seedPackets(ctx context.Context, px Packets) error {
	ps := &packetSeeder{seeder: s, px: px, used: map[string]bool{}}
	if err := ps.kh(ctx); err != nil {
		return fmt.Errorf("demo: packets of store KH: %w", err)
	}
	if err := ps.th(ctx); err != nil {
		return fmt.Errorf("demo: packets of store TH: %w", err)
	}
	return nil
}

// pick returns the first social-welfare case of a store at stage, of a nationality, not yet picked.
func (ps *packetSeeder) pick(country string, stage cases.Stage, nationality string) (seededCase, error) {
	for _, sc := range ps.seeded[country] {
		if !sc.byPolice && sc.c.Stage == stage && sc.nationality == nationality && !ps.used[sc.c.ID] {
			ps.used[sc.c.ID] = true
			return sc, nil
		}
	}
	return seededCase{}, fmt.Errorf("no %s national's case at stage %s left in store %s", nationality, stage, country)
}

// consent records the person's consent for each purpose, as the caseworker.
func (ps *packetSeeder) consent(ctx context.Context, a *authz.Actor, sc seededCase, purposes ...consent.Purpose) error {
	lang := "en"
	if len(sc.languages) > 0 {
		lang = sc.languages[0]
	}
	on := ps.now.In(zone).AddDate(0, 0, -3).Format(time.DateOnly)
	for _, p := range purposes {
		_, err := ps.px.Consent.Record(ctx, a, sc.c.ID, consent.Input{Purpose: p, Answer: consent.AnswerGiven,
			AnsweredOn: on, Method: "written", Language: lang, Interpreter: "Staff interpreter"})
		if err != nil {
			return fmt.Errorf("case %s: consent %s: %w", sc.c.Reference, p, err)
		}
	}
	return nil
}

// kh seeds the KH store's packets: requests to the Thai and Indonesian embassies (one answered and
// applied, one waiting for the supervisor), a shelter referral and a handover batch of Thais.
func (ps *packetSeeder) kh(ctx context.Context) error {
	worker, err := ps.actor(ctx, "kh-mosvy-poipet", "caseworker")
	if err != nil {
		return err
	}
	sup, err := ps.actor(ctx, "kh-mosvy-poipet", "supervisor")
	if err != nil {
		return err
	}
	officer, err := ps.actor(ctx, "th-embassy-pnh", "embassy_officer")
	if err != nil {
		return err
	}
	rp := cases.StageReturnPreparation
	answered, err := ps.pick("KH", rp, "TH")
	if err != nil {
		return err
	}
	sent, err := ps.pick("KH", rp, "TH")
	if err != nil {
		return err
	}
	waiting, err := ps.pick("KH", rp, "TH")
	if err != nil {
		return err
	}
	indo, err := ps.pick("KH", rp, "ID")
	if err != nil {
		return err
	}
	batchmate, err := ps.pick("KH", rp, "TH")
	if err != nil {
		return err
	}
	for _, sc := range []seededCase{answered, sent, waiting, indo} {
		if err := ps.consent(ctx, worker, sc, consent.PurposeServices, consent.PurposeShareEmbassy); err != nil {
			return err
		}
	}
	for _, sc := range []seededCase{answered, batchmate} {
		if err := ps.consent(ctx, worker, sc, consent.PurposeCrossBorderHandover); err != nil {
			return err
		}
	}
	if err := ps.consent(ctx, worker, batchmate, consent.PurposeServices); err != nil {
		return err
	}

	// Embassy requests: three approved, one waiting for the supervisor.
	notes := map[string]string{answered.c.ID: "Passport kept by the compound; please verify nationality and issue a travel document.",
		sent.c.ID: "The family in Sisaket offers to collect the person at the border.", waiting.c.ID: "",
		indo.c.ID: "No documents; the person gives a home address in Medan."}
	var answeredPkt *exchange.Packet
	for _, sc := range []seededCase{answered, sent, indo, waiting} {
		p, err := ps.px.Repatriation.RequestEmbassy(ctx, worker, sc.c.ID, repatriation.RequestInput{
			Items: repatriation.RequestItems, Note: notes[sc.c.ID]})
		if err != nil {
			return fmt.Errorf("case %s: embassy request: %w", sc.c.Reference, err)
		}
		if sc.c.ID == waiting.c.ID {
			continue
		}
		if p, err = ps.px.Exchange.Approve(ctx, sup, p.ID, 0); err != nil {
			return fmt.Errorf("case %s: approve embassy request: %w", sc.c.Reference, err)
		}
		if sc.c.ID == answered.c.ID {
			answeredPkt = p
		}
	}
	// The Thai embassy answers one: nationality verified, emergency travel document issued.
	if _, err := ps.px.Exchange.Open(ctx, officer, answeredPkt.ID); err != nil {
		return fmt.Errorf("embassy opens the request: %w", err)
	}
	day := func(n int) string { return ps.now.In(zone).AddDate(0, 0, n).Format(time.DateOnly) }
	_, err = ps.px.Exchange.Reply(ctx, officer, answeredPkt.ID, exchange.Payload{"nationality_verified": true,
		"travel_document_type": "emergency_travel_document", "travel_document_number": "TH-ETD-2026-0412",
		"travel_document_valid_until": day(90), "travel_date": day(10), "travel_route": "poipet_aranyaprathet",
		"note": "Collect the travel document at the consular section on a weekday morning."})
	if err != nil {
		return fmt.Errorf("embassy reply: %w", err)
	}
	if _, err := ps.px.Exchange.Sync(ctx, "KH"); err != nil {
		return fmt.Errorf("sync: %w", err)
	}

	// A shelter referral to the KH NGO, approved and waiting for the NGO.
	if err := ps.refer(ctx, "KH", "ngo-kh-shelter", "shelter", worker, sup, nil,
		"Safe shelter until return; trauma counselling in the person's language."); err != nil {
		return err
	}

	// A handover batch of Thais to the Thai social-welfare office, approved, waiting for it to accept.
	hs := handover.New(ps.px.Hub, ps.stores, ps.px.Exchange, ps.dir)
	b, err := hs.Create(ctx, worker, handover.BatchInput{Recipient: "th-msdhs-sakaeo", Checkpoint: "poipet_aranyaprathet",
		HandoverAt:       ps.now.Add(72 * time.Hour).UTC().Truncate(time.Hour).Format(time.RFC3339),
		SendingOfficials: "Caseworker, MoSVY Poipet\nOfficer, CNP Anti-Human Trafficking",
		Persons: []handover.PersonInput{{CaseID: answered.c.ID, Belongings: "Backpack, phone (switched off)"},
			{CaseID: batchmate.c.ID, Belongings: "Small suitcase"}}})
	if err != nil {
		return fmt.Errorf("handover batch: %w", err)
	}
	if _, err := hs.Approve(ctx, sup, b.ID, b.Version); err != nil {
		return fmt.Errorf("approve handover batch: %w", err)
	}
	return nil
}

// refer refers a recovery case of the store to an NGO and approves the referral; with ngo set, the
// NGO accepts it and reports progress, applied to the store by Sync.
func (ps *packetSeeder) refer(ctx context.Context, country, recipient, kind string, worker, sup, ngo *authz.Actor, needs string) error {
	nat := map[string]string{"KH": "ID", "TH": "KH"}[country]
	sc, err := ps.pick(country, cases.StageRecovery, nat)
	if err != nil {
		return err
	}
	if err := ps.consent(ctx, worker, sc, consent.PurposeServices, consent.PurposeShareNGO); err != nil {
		return err
	}
	sv := services.New(ps.stores, ps.dir, ps.px.Exchange)
	_, p, err := sv.Refer(ctx, worker, sc.c.ID, services.ReferralInput{Recipient: recipient, Service: kind, Needs: needs, Urgency: "soon"})
	if err != nil {
		return fmt.Errorf("case %s: referral: %w", sc.c.Reference, err)
	}
	if _, err := ps.px.Exchange.Approve(ctx, sup, p.ID, 0); err != nil {
		return fmt.Errorf("case %s: approve referral: %w", sc.c.Reference, err)
	}
	if ngo == nil {
		return nil
	}
	if _, err := ps.px.Exchange.Accept(ctx, ngo, p.ID); err != nil {
		return fmt.Errorf("case %s: NGO accepts referral: %w", sc.c.Reference, err)
	}
	if _, err := ps.px.Exchange.Reply(ctx, ngo, p.ID, exchange.Payload{"status": "in_progress",
		"note": "First meeting held; a lawyer is preparing the compensation claim."}); err != nil {
		return fmt.Errorf("case %s: NGO progress: %w", sc.c.Reference, err)
	}
	if _, err := ps.px.Exchange.Sync(ctx, country); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	return nil
}

// th seeds the TH store: a legal-aid referral accepted by the NGO, services and reintegration plans
// of two returned persons, and a closure request waiting for the supervisor.
func (ps *packetSeeder) th(ctx context.Context) error {
	worker, err := ps.actor(ctx, "th-msdhs-sakaeo", "caseworker")
	if err != nil {
		return err
	}
	sup, err := ps.actor(ctx, "th-msdhs-sakaeo", "supervisor")
	if err != nil {
		return err
	}
	ngo, err := ps.actor(ctx, "ngo-th-legal", "ngo_worker")
	if err != nil {
		return err
	}
	if err := ps.refer(ctx, "TH", "ngo-th-legal", "legal_aid", worker, sup, ngo,
		"Legal advice on wages owed and on a compensation claim against the recruiter."); err != nil {
		return err
	}
	sv := services.New(ps.stores, ps.dir, ps.px.Exchange)
	ri := reintegration.New(ps.stores)
	day := func(n int) string { return ps.now.In(zone).AddDate(0, 0, n).Format(time.DateOnly) }
	plans := []struct{ summary, goal, visitOutcome string }{
		{"Return to the home village in Battambang; vocational training and a small business grant.",
			"Complete a tailoring course", "Living with parents; enrolled in the tailoring course."},
		{"Live with an aunt in Siem Reap; help to find work and family counselling.",
			"Find stable work", "Works at a guesthouse; relations with family improving."},
	}
	for i, pl := range plans {
		sc, err := ps.pick("TH", cases.StageReintegration, "KH")
		if err != nil {
			return err
		}
		if err := ps.consent(ctx, worker, sc, consent.PurposeServices); err != nil {
			return err
		}
		for _, in := range []services.Input{
			{Kind: "psychosocial", Status: "completed", ProviderKind: "own", StartDate: day(-60), EndDate: day(-20),
				Outcome: "Eight counselling sessions; sleep and mood improved."},
			{Kind: []string{"vocational_training", "family_contact"}[i], Status: "in_progress", ProviderKind: "own", StartDate: day(-14)},
		} {
			if _, err := sv.Create(ctx, worker, sc.c.ID, in); err != nil {
				return fmt.Errorf("case %s: service %s: %w", sc.c.Reference, in.Kind, err)
			}
		}
		if _, err := ri.SavePlan(ctx, worker, sc.c.ID, reintegration.PlanInput{Summary: pl.summary}); err != nil {
			return fmt.Errorf("case %s: reintegration plan: %w", sc.c.Reference, err)
		}
		if _, err := ri.AddGoal(ctx, worker, sc.c.ID, reintegration.GoalInput{Goal: pl.goal}); err != nil {
			return fmt.Errorf("case %s: goal: %w", sc.c.Reference, err)
		}
		if _, err := ri.AddVisit(ctx, worker, sc.c.ID, reintegration.VisitInput{Status: "done", VisitDate: day(-7),
			LocationKind: "home", RiskLevel: "low", Outcome: pl.visitOutcome}); err != nil {
			return fmt.Errorf("case %s: visit: %w", sc.c.Reference, err)
		}
		if _, err := ri.AddVisit(ctx, worker, sc.c.ID, reintegration.VisitInput{Status: "scheduled", VisitDate: day(21),
			LocationKind: "home"}); err != nil {
			return fmt.Errorf("case %s: next visit: %w", sc.c.Reference, err)
		}
	}
	// A closure request waiting for the supervisor.
	sc, err := ps.pick("TH", cases.StageReintegration, "KH")
	if err != nil {
		return err
	}
	cl := caseclosure.New(ps.stores, ps.cs, ps.px.Exchange)
	if _, err := cl.RequestClosure(ctx, worker, sc.c.ID, caseclosure.RequestInput{Reason: "reintegrated",
		Note: "Plan goals met; three follow-up visits without concerns."}); err != nil {
		return fmt.Errorf("case %s: closure request: %w", sc.c.Reference, err)
	}
	return nil
}
