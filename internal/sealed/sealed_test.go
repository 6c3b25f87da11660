package sealed_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"homeward/internal/app"
	"homeward/internal/apptest"
	"homeward/internal/attachments"
	"homeward/internal/audit"
	"homeward/internal/cases"
	"homeward/internal/handover"
	"homeward/internal/screening"
	"homeward/internal/sealed"
	"homeward/internal/testdb"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const thWorker = "caseworker@th-msdhs-sakaeo.demo"

var columns = slices.Concat(attachments.Legacy, screening.Legacy, cases.LegacyMerges, handover.Legacy)

// legacyMerges is the number of merge rows written in clear: more than two batches.
const legacyMerges = 2*sealed.BatchSize + 1

// TestLegacyRowsSealedAtStart writes rows as an earlier version did (free text in the clear
// columns), checks they still read, starts the app again and checks that every value is now
// sealed, blanked in clear, read the same, audited per batch, and that sealing again does nothing.
func TestLegacyRowsSealedAtStart(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	w := env.Actor(t, thWorker)
	st, _ := env.App.Stores.For("TH")
	db := env.Databases["TH"]

	// A demo case of the caseworker's agency with a timeline and an approved decision.
	var target struct{ CaseID, EventID, DecisionID string }
	if err := st.DB.Raw(`SELECT s.case_id::text, e.id::text AS event_id, d.id::text AS decision_id
		FROM screening_events e JOIN screenings s ON s.id = e.screening_id JOIN cases c ON c.id = s.case_id
		JOIN identification_decisions d ON d.case_id = c.id AND d.status = 'approved'
		WHERE c.owner_agency_id = ? ORDER BY e.id LIMIT 1`, w.AgencyID).Scan(&target).Error; err != nil || target.EventID == "" {
		t.Fatalf("no demo case with a timeline and a decision: %v", err)
	}
	attID := uuid.Must(uuid.NewV7()).String()
	var persons []string
	st.DB.Raw(`SELECT id::text FROM persons ORDER BY id LIMIT 2`).Scan(&persons)
	var received string
	st.DB.Raw(`SELECT c.id::text FROM cases c WHERE c.owner_agency_id = ? AND c.id <> ?
		AND NOT EXISTS (SELECT 1 FROM received_handovers r WHERE r.case_id = c.id) ORDER BY c.id LIMIT 1`, w.AgencyID, target.CaseID).Scan(&received)
	testdb.Exec(t, db, `UPDATE screening_events SET place = 'Jade Garden compound, Myawaddy', place_enc = NULL WHERE id = $1`, target.EventID)
	testdb.Exec(t, db, `UPDATE identification_decisions SET legal_basis = 'ATIP s. 6 (Somchai)', legal_basis_enc = NULL,
		comment = 'Confirmed by Somchai''s sister', comment_enc = NULL WHERE id = $1`, target.DecisionID)
	testdb.Exec(t, db, `INSERT INTO attachments (id, case_id, kind, filename, content_type, size, sha256, storage_key, uploaded_by, created_at)
		VALUES ($1, $2, 'photo', 'passport_Somchai.jpg', 'image/jpeg', 10, repeat('a', 64), $4, $3, now())`, attID, target.CaseID, w.UserID,
		"TH/"+attID)
	testdb.Exec(t, db, `INSERT INTO person_merges (id, kept_person_id, merged_person_id, actor_user_id, at, reason)
		SELECT md5('legacy-merge-' || i)::uuid, $1, $2, $3, now(), 'Same passport photo of Somchai ' || i
		FROM generate_series(1, $4::int) i`, persons[0], persons[1], w.UserID, legacyMerges)
	testdb.Exec(t, db, `INSERT INTO received_handovers (case_id, packet_id, sender_agency, decision, legal_basis, received_by, received_at)
		VALUES ($1, $2, 'kh-mosvy-poipet', 'identified', 'Law on Suppression of Human Trafficking (Somchai)', $3, now())`,
		received, uuid.Must(uuid.NewV7()).String(), w.UserID)

	// Before sealing, the clear values are read as they are.
	sc := screening.New(env.App.Stores)
	att := attachments.New(env.App.Stores, attachments.Dir{Root: t.TempDir()})
	check := func(when string) {
		t.Helper()
		v, err := sc.Get(ctx, w, target.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		places, decided := []string{}, map[string]screening.Decision{}
		for _, e := range v.Screening.Events {
			places = append(places, e.Place)
		}
		for _, d := range v.Decisions {
			decided[d.ID] = d
		}
		if d := decided[target.DecisionID]; !slices.Contains(places, "Jade Garden compound, Myawaddy") ||
			d.LegalBasis != "ATIP s. 6 (Somchai)" || d.Comment != "Confirmed by Somchai's sister" {
			t.Errorf("%s: places %q, decision %+v", when, places, d)
		}
		l, err := att.List(ctx, w, target.CaseID)
		if err != nil || len(l.Items) == 0 || !slices.ContainsFunc(l.Items, func(a attachments.Attachment) bool { return a.Filename == "passport_Somchai.jpg" }) {
			t.Errorf("%s: attachments %+v, %v", when, l, err)
		}
	}
	check("before sealing")

	// A start of the app seals them.
	a, err := app.Open(ctx, env.Cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	for _, c := range columns {
		var n int64
		st.DB.Raw(`SELECT count(*) FROM ` + c.Table + ` WHERE ` + c.Clear + ` <> '' OR encode(` + c.Sealed + `, 'escape') LIKE '%Somchai%'`).Scan(&n)
		if n != 0 {
			t.Errorf("%s.%s: %d rows still in clear", c.Table, c.Clear, n)
		}
	}
	var enc []byte
	st.DB.Raw(`SELECT place_enc FROM screening_events WHERE id = ?`, target.EventID).Row().Scan(&enc)
	if len(enc) == 0 {
		t.Error("the place was blanked, not sealed")
	}
	check("after sealing")
	var m cases.PersonMerge
	st.DB.Where("id = md5('legacy-merge-7')::uuid").Take(&m)
	if r, err := cases.MergeReason(st, &m); err != nil || r != "Same passport photo of Somchai 7" {
		t.Errorf("merge reason = %q, %v", r, err)
	}
	var rh []byte
	st.DB.Raw(`SELECT legal_basis_enc FROM received_handovers WHERE case_id = ?`, received).Row().Scan(&rh)
	if b, err := st.Keys.OpenString("received_handovers.legal_basis", received, rh); err != nil || !strings.Contains(b, "Somchai") {
		t.Errorf("received legal basis = %q, %v", b, err)
	}

	// Audited per batch, in the chain.
	var batches []int
	st.DB.Raw(`SELECT (detail::jsonb->>'rows')::int FROM audit_log WHERE action = 'store.seal_legacy'
		AND detail::jsonb->>'table' = 'person_merges' ORDER BY id`).Scan(&batches)
	if !slices.Equal(batches, []int{sealed.BatchSize, sealed.BatchSize, 1}) {
		t.Errorf("merge batches audited = %v", batches)
	}
	if err := audit.Verify(ctx, st.DB); err != nil {
		t.Error(err)
	}
	// Idempotent: nothing left to seal.
	if n, err := sealed.Legacy(ctx, st, columns); n != 0 || err != nil {
		t.Errorf("sealing again: %d, %v", n, err)
	}
}

// TestOpenPrefersSealed: the sealed value wins; without one the clear value is given; a value
// sealed for another row does not open.
func TestOpenPrefersSealed(t *testing.T) {
	env := apptest.New(t)
	st, _ := env.App.Stores.For("KH")
	row := uuid.Must(uuid.NewV7()).String()
	enc, err := st.Keys.SealString("person_merges.reason", row, "sealed text")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := sealed.Open(st.Keys, "person_merges.reason", row, enc, "old"); err != nil || got != "sealed text" {
		t.Errorf("sealed = %q, %v", got, err)
	}
	if got, err := sealed.Open(st.Keys, "person_merges.reason", row, nil, "old"); err != nil || got != "old" {
		t.Errorf("clear = %q, %v", got, err)
	}
	if _, err := sealed.Open(st.Keys, "person_merges.reason", uuid.Must(uuid.NewV7()).String(), enc, ""); err == nil {
		t.Error("a value sealed for another row opened")
	}
}

// TestDemoSeedWritesSealed: the demo data (the templates of every test) is written sealed by the
// services: nothing was left for the start-up sealing to do, and no free text is in clear.
func TestDemoSeedWritesSealed(t *testing.T) {
	env := apptest.New(t)
	for _, cc := range env.App.Stores.Countries() {
		st, _ := env.App.Stores.For(cc)
		var legacy, sealedRows int64
		st.DB.Raw(`SELECT count(*) FROM audit_log WHERE action = 'store.seal_legacy'`).Scan(&legacy)
		if legacy != 0 {
			t.Errorf("%s: %d start-up sealings of demo data", cc, legacy)
		}
		for _, c := range columns {
			var n int64
			st.DB.Raw(`SELECT count(*) FROM ` + c.Table + ` WHERE ` + c.Clear + ` <> ''`).Scan(&n)
			if n != 0 {
				t.Errorf("%s: %s.%s: %d demo rows in clear", cc, c.Table, c.Clear, n)
			}
			st.DB.Raw(`SELECT count(*) FROM ` + c.Table + ` WHERE ` + c.Sealed + ` IS NOT NULL`).Scan(&n)
			sealedRows += n
		}
		if sealedRows == 0 {
			t.Errorf("%s: no sealed demo rows at all", cc)
		}
	}
}
