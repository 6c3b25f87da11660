package screening_test

import (
	"context"
	"strings"
	"testing"

	"homeward/internal/cases"
	"homeward/internal/screening"
)

// TestPlacesAndDecisionTextSealedAtRest: the places of the timeline and the legal basis and
// comment of a decision are sealed (no clear text in the rows, another store's keys cannot open
// them) and read back opened.
func TestPlacesAndDecisionTextSealedAtRest(t *testing.T) {
	f := newFixture(t, cases.StageScreening)
	ctx := context.Background()
	sc := f.record(t, validInput())
	d := f.propose(t, thWorker, screening.DecisionIdentified)
	if _, err := f.svc.Return(ctx, f.actor(t, thSupervisor), d.ID,
		screening.ReviewInput{Version: d.Version, Comment: "Ask about the Jade Garden recruiter."}); err != nil {
		t.Fatal(err)
	}
	st, _ := f.env.App.Stores.For("TH")
	var events []struct {
		ID, Place string
		PlaceEnc  []byte
	}
	st.DB.Raw(`SELECT id, place, place_enc FROM screening_events WHERE screening_id = ? ORDER BY position`, sc.ID).Scan(&events)
	if len(events) != 2 {
		t.Fatalf("events = %+v", events)
	}
	for _, e := range events {
		if e.Place != "" || len(e.PlaceEnc) == 0 || strings.Contains(string(e.PlaceEnc), "Jade") || strings.Contains(string(e.PlaceEnc), "Phnom") {
			t.Errorf("stored place %q, %q: want it sealed", e.Place, e.PlaceEnc)
		}
	}
	var dec struct {
		LegalBasis, Comment       string
		LegalBasisEnc, CommentEnc []byte
	}
	st.DB.Raw(`SELECT legal_basis, comment, legal_basis_enc, comment_enc FROM identification_decisions WHERE id = ?`, d.ID).Scan(&dec)
	if dec.LegalBasis != "" || dec.Comment != "" || len(dec.LegalBasisEnc) == 0 || len(dec.CommentEnc) == 0 ||
		strings.Contains(string(dec.LegalBasisEnc), "Anti-Trafficking") || strings.Contains(string(dec.CommentEnc), "Jade") {
		t.Errorf("stored decision %+v: want it sealed", dec)
	}
	kh, _ := f.env.App.Stores.For("KH")
	if _, err := kh.Keys.OpenString(screening.FieldLegalBasis, d.ID, dec.LegalBasisEnc); err == nil {
		t.Error("KH keys open a TH legal basis")
	}
	if _, err := kh.Keys.OpenString("screening_events.place", events[0].ID, events[0].PlaceEnc); err == nil {
		t.Error("KH keys open a TH place")
	}

	v, err := f.svc.Get(ctx, f.actor(t, thWorker), f.c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ev := v.Screening.Events; len(ev) != 2 || ev[0].Place != "Phnom Penh" || ev[1].Place != "Jade Garden compound" {
		t.Errorf("events read = %+v", ev)
	}
	if len(v.Decisions) != 1 || v.Decisions[0].LegalBasis != "Anti-Trafficking in Persons Act B.E. 2551, section 6" ||
		v.Decisions[0].Comment != "Ask about the Jade Garden recruiter." {
		t.Errorf("decisions read = %+v", v.Decisions)
	}
}
