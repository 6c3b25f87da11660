package crossmatch_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/consent"
	"homeward/internal/crossmatch"
	"homeward/internal/problem"
	"homeward/internal/provision"
	"homeward/internal/store"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const (
	thWorker     = "caseworker@th-msdhs-sakaeo.demo"
	thSupervisor = "supervisor@th-msdhs-sakaeo.demo"
	thPoliceSup  = "supervisor@th-pct.demo"
	khWorker     = "caseworker@kh-mosvy-poipet.demo"
	khSupervisor = "supervisor@kh-mosvy-poipet.demo"
)

// pair registers the same Thai national in both stores, in Thai script in the TH store (an earlier
// return) and in Latin script in the KH store (rescued in Cambodia), and publishes; it returns the
// TH case and the KH case.
func pair(t *testing.T, env *apptest.Env) (*cases.Case, *cases.Case) {
	t.Helper()
	ctx := context.Background()
	_, th, err := env.App.Cases.Intake(ctx, env.Actor(t, thWorker), cases.IntakeInput{GivenName: "สมชาย", FamilyName: "ใจดี",
		Sex: "male", BirthDate: "1991-04-12", Nationality: "TH", DocumentNumber: "AA1234567"})
	if err != nil {
		t.Fatalf("TH intake: %v", err)
	}
	_, kh, err := env.App.Cases.Intake(ctx, env.Actor(t, khWorker), cases.IntakeInput{GivenName: "Somchai", FamilyName: "Jaidee",
		Sex: "male", BirthDate: "1991-04-12", Nationality: "TH"})
	if err != nil {
		t.Fatalf("KH intake: %v", err)
	}
	publish(t, env)
	return th, kh
}

func publish(t *testing.T, env *apptest.Env) {
	t.Helper()
	if _, err := env.App.Linkage.PublishAll(context.Background()); err != nil {
		t.Fatalf("publish: %v", err)
	}
}

// forCase returns the candidate of the case among list, or nil.
func forCase(list []crossmatch.Candidate, caseID string) *crossmatch.Candidate {
	for i := range list {
		if list[i].CaseID == caseID {
			return &list[i]
		}
	}
	return nil
}

func list(t *testing.T, env *apptest.Env, email string) []crossmatch.Candidate {
	t.Helper()
	out, err := env.App.Linkage.List(context.Background(), env.Actor(t, email))
	if err != nil {
		t.Fatalf("list as %s: %v", email, err)
	}
	return out
}

func TestSamePersonFoundAcrossTheBorder(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	th, kh := pair(t, env)

	c := forCase(list(t, env, thSupervisor), th.ID)
	if c == nil {
		t.Fatalf("the TH supervisor sees no candidate for case %s", th.Reference)
	}
	if c.CaseRef != th.Reference || c.OtherCountry != "KH" || c.OtherAgency.Slug != "kh-mosvy-poipet" || c.Score < 0.75 || c.Score > 1 {
		t.Errorf("TH candidate = %+v", c)
	}
	k := forCase(list(t, env, khSupervisor), kh.ID)
	if k == nil || k.CaseRef != kh.Reference || k.OtherAgency.Slug != "th-msdhs-sakaeo" || k.OtherCountry != "TH" {
		t.Fatalf("KH candidate = %+v", k)
	}
	byCase, err := env.App.Linkage.ForCase(ctx, env.Actor(t, thSupervisor), th.ID)
	if err != nil || forCase(byCase, th.ID) == nil {
		t.Fatalf("for case: %v %+v", err, byCase)
	}

	// The hub holds the encoding under an opaque token: no name, no date, no number.
	var leaked int64
	if err := env.App.Hub.Raw(`SELECT count(*) FROM linkage_encodings
WHERE position(convert_to('Somchai', 'UTF8') in encoding) > 0 OR position(convert_to('AA1234567', 'UTF8') in encoding) > 0
   OR position(convert_to('1991', 'UTF8') in encoding) > 0`).Scan(&leaked).Error; err != nil || leaked != 0 {
		t.Errorf("hub encodings holding clear text: %d (%v)", leaked, err)
	}

	// The KH supervisor asks the other side (a packet: see ask_test.go); the TH side sees the question.
	objection(t, env, khWorker, kh.ID, consent.AnswerGiven)
	if _, err := env.App.Linkage.Ask(ctx, env.Actor(t, khSupervisor), k.ID, crossmatch.AskInput{}); err != nil {
		t.Fatalf("ask: %v", err)
	}
	if c := forCase(list(t, env, thSupervisor), th.ID); c == nil || c.OtherAskedAt == nil {
		t.Errorf("TH side after the KH question: %+v", c)
	}
	if _, err := env.App.Linkage.Ask(ctx, env.Actor(t, khSupervisor), k.ID, crossmatch.AskInput{}); !errors.Is(err, problem.ErrConflict) {
		t.Errorf("second ask: %v, want conflict", err)
	}

	// "Not the same" on the TH side: recorded, audited in the hub, hidden afterwards on that side only.
	if err := env.App.Linkage.NotSame(ctx, env.Actor(t, thSupervisor), c.ID); err != nil {
		t.Fatalf("not the same: %v", err)
	}
	if forCase(list(t, env, thSupervisor), th.ID) != nil {
		t.Error("the answered candidate is still listed")
	}
	if forCase(list(t, env, khSupervisor), kh.ID) == nil {
		t.Error("the KH side lost its candidate when the TH side answered")
	}
	if err := env.App.Linkage.NotSame(ctx, env.Actor(t, thSupervisor), c.ID); !errors.Is(err, problem.ErrConflict) {
		t.Errorf("second answer: %v, want conflict", err)
	}
	var audited int64
	env.App.Hub.Raw(`SELECT count(*) FROM audit_log WHERE action = 'linkage.not_same' AND entity_id = ?`, c.ID).Scan(&audited)
	if audited != 1 {
		t.Errorf("hub audit rows of the answer: %d", audited)
	}
}

func TestCandidateRefusals(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	th, kh := pair(t, env)
	c := forCase(list(t, env, thSupervisor), th.ID)
	k := forCase(list(t, env, khSupervisor), kh.ID)
	if c == nil || k == nil {
		t.Fatal("no candidate")
	}
	svc := env.App.Linkage
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"list without persons:merge", func() error { _, err := svc.List(ctx, env.Actor(t, thWorker)); return err }},
		{"case without persons:merge", func() error { _, err := svc.ForCase(ctx, env.Actor(t, thWorker), th.ID); return err }},
		{"case outside the scope", func() error { _, err := svc.ForCase(ctx, env.Actor(t, thPoliceSup), th.ID); return err }},
		{"case of the other country", func() error { _, err := svc.ForCase(ctx, env.Actor(t, khSupervisor), th.ID); return err }},
		{"answer without persons:merge", func() error { return svc.NotSame(ctx, env.Actor(t, thWorker), c.ID) }},
		{"answer outside the scope", func() error { return svc.NotSame(ctx, env.Actor(t, thPoliceSup), c.ID) }},
		{"answer to the other country's candidate", func() error { return svc.NotSame(ctx, env.Actor(t, khSupervisor), c.ID) }},
		{"ask on the other country's candidate", func() error {
			_, err := svc.Ask(ctx, env.Actor(t, thSupervisor), k.ID, crossmatch.AskInput{})
			return err
		}},
		{"ask without persons:merge", func() error {
			_, err := svc.Ask(ctx, env.Actor(t, thWorker), c.ID, crossmatch.AskInput{})
			return err
		}},
		{"ask outside the scope", func() error {
			_, err := svc.Ask(ctx, env.Actor(t, thPoliceSup), c.ID, crossmatch.AskInput{})
			return err
		}},
		{"answer to an unknown candidate", func() error {
			return svc.NotSame(ctx, env.Actor(t, thSupervisor), "0193f1e2-0000-7000-8000-000000000000")
		}},
		{"answer to a malformed id", func() error { return svc.NotSame(ctx, env.Actor(t, thSupervisor), "x'; --") }},
		{"override outside the scope", func() error {
			return svc.Override(ctx, env.Actor(t, thPoliceSup), th.ID, crossmatch.OverrideInput{Reason: "r"})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("err = %v, want not found", err)
			}
		})
	}
	if forCase(list(t, env, thPoliceSup), th.ID) != nil {
		t.Error("a supervisor of another agency sees the candidate")
	}
	if forCase(list(t, env, thSupervisor), th.ID) == nil {
		t.Error("the refused answers changed the candidate")
	}
}

// objection records an answer for notify_home_country on the case.
func objection(t *testing.T, env *apptest.Env, email, caseID string, answer consent.Answer) {
	t.Helper()
	_, err := consent.New(env.App.Stores).Record(context.Background(), env.Actor(t, email), caseID, consent.Input{
		Purpose: consent.PurposeNotifyHomeCountry, Answer: answer, AnsweredOn: "2026-01-10", Method: "spoken", Language: "th"})
	if err != nil {
		t.Fatalf("consent %s: %v", answer, err)
	}
}

func encoded(t *testing.T, env *apptest.Env, cc, caseID string) bool {
	t.Helper()
	st, err := env.App.Stores.For(cc)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := st.DB.Raw(`SELECT count(*) FROM person_linkage l JOIN cases c ON c.person_id = l.person_id
WHERE c.id = ? AND l.encoding IS NOT NULL`, caseID).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func TestObjectionRemovesEncodingUnlessOverridden(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	th, kh := pair(t, env)
	if !encoded(t, env, "KH", kh.ID) {
		t.Fatal("no encoding after intake")
	}
	objection(t, env, khWorker, kh.ID, consent.AnswerRefused)
	if encoded(t, env, "KH", kh.ID) {
		t.Fatal("an encoding is kept for a person objecting to home-country notice")
	}
	publish(t, env)
	if forCase(list(t, env, thSupervisor), th.ID) != nil || forCase(list(t, env, khSupervisor), kh.ID) != nil {
		t.Fatal("candidates shown after the objection")
	}

	// Override: bad input, then a recorded reason: the person is encoded again.
	err := env.App.Linkage.Override(ctx, env.Actor(t, khSupervisor), kh.ID, crossmatch.OverrideInput{Reason: "  "})
	if inv, ok := problem.AsInvalid(err); !ok || inv.Fields["reason"] != "form.error.required" {
		t.Fatalf("empty reason: %v", err)
	}
	if err := env.App.Linkage.Override(ctx, env.Actor(t, khWorker), kh.ID, crossmatch.OverrideInput{Reason: "court order"}); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("override by a caseworker: %v, want not found", err)
	}
	if err := env.App.Linkage.Override(ctx, env.Actor(t, khSupervisor), kh.ID, crossmatch.OverrideInput{Reason: "court order 12/2026"}); err != nil {
		t.Fatal(err)
	}
	if !encoded(t, env, "KH", kh.ID) {
		t.Fatal("no encoding after the override")
	}
	publish(t, env)
	k := forCase(list(t, env, khSupervisor), kh.ID)
	if k == nil {
		t.Fatal("no candidate after the override")
	}
	// The objection still blocks asking the other side.
	_, err = env.App.Linkage.Ask(ctx, env.Actor(t, khSupervisor), k.ID, crossmatch.AskInput{Override: "court order 12/2026"})
	if inv, ok := problem.AsInvalid(err); !ok || inv.Fields["candidate"] != "linkage.error.home_country_objection" {
		t.Fatalf("ask past an objection: %v", err)
	}
	var asked int64
	env.App.Hub.Raw(`SELECT count(*) FROM packets WHERE kind = 'linkage_ask'`).Scan(&asked)
	if asked != 0 {
		t.Errorf("%d questions sent past the objection", asked)
	}
	// A new objection after the override removes the encoding again.
	objection(t, env, khWorker, kh.ID, consent.AnswerGiven)
	objection(t, env, khWorker, kh.ID, consent.AnswerWithdrawn)
	if encoded(t, env, "KH", kh.ID) {
		t.Fatal("withdrawn after the override: still encoded")
	}
}

func TestMergedAwayPersonLosesEncoding(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	a := env.Actor(t, thWorker)
	_, first, err := env.App.Cases.Intake(ctx, a, cases.IntakeInput{GivenName: "Dara", FamilyName: "Sok", Sex: "male",
		BirthDate: "1995-02-01", Nationality: "KH"})
	if err != nil {
		t.Fatal(err)
	}
	_, second, err := env.App.Cases.Intake(ctx, a, cases.IntakeInput{GivenName: "ដារា", FamilyName: "សុខ", Sex: "male",
		BirthDate: "1995-02-01", Nationality: "KH", Aliases: []string{"Dara Sokh"}})
	if err != nil {
		t.Fatal(err)
	}
	if !encoded(t, env, "TH", first.ID) || !encoded(t, env, "TH", second.ID) {
		t.Fatal("not encoded at intake")
	}
	st, _ := env.App.Stores.For("TH")
	var before string
	st.DB.Raw(`SELECT encode(encoding, 'hex') FROM person_linkage WHERE person_id = ?`, first.PersonID).Scan(&before)
	if _, err := env.App.Cases.Merge(ctx, env.Actor(t, thSupervisor), second.PersonID,
		cases.MergeInput{Into: first.PersonID, Reason: "same person"}); err != nil {
		t.Fatal(err)
	}
	var gone int64
	st.DB.Raw(`SELECT count(*) FROM person_linkage WHERE person_id = ? AND encoding IS NULL AND published < generation`, second.PersonID).Scan(&gone)
	if gone != 1 {
		t.Error("the merged-away person keeps an encoding")
	}
	var after string
	st.DB.Raw(`SELECT encode(encoding, 'hex') FROM person_linkage WHERE person_id = ?`, first.PersonID).Scan(&after)
	if before == "" || after == before {
		t.Error("the kept person's encoding did not take the merged names")
	}
}

func TestHubRoleCannotReadAStore(t *testing.T) {
	env := apptest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dsn := apptest.RoleDSN(t, provision.HubDatabase().App, env.Databases["TH"])
	db, err := store.Open(ctx, dsn)
	if err == nil {
		var n int64
		err = db.WithContext(ctx).Raw(`SELECT count(*) FROM person_linkage`).Scan(&n).Error
		if sqlDB, e := db.DB(); e == nil {
			sqlDB.Close()
		}
	}
	if err == nil {
		t.Fatal("the hub's role read a store's encodings")
	}
}

func TestRotateKeyReencodes(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	th, _ := pair(t, env)
	st, _ := env.App.Stores.For("TH")
	var before int64
	st.DB.Raw(`SELECT l.key_version FROM person_linkage l JOIN cases c ON c.person_id = l.person_id WHERE c.id = ?`, th.ID).Scan(&before)
	version, counts, err := env.App.Linkage.RotateKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if int64(version) == before || counts["TH"] == 0 || counts["KH"] == 0 {
		t.Fatalf("rotate: version %d (was %d), counts %v", version, before, counts)
	}
	var stale int64
	for _, cc := range []string{"TH", "KH"} {
		s, _ := env.App.Stores.For(cc)
		s.DB.Raw(`SELECT count(*) FROM person_linkage WHERE encoding IS NOT NULL AND key_version <> ?`, int64(version)).Scan(&stale)
		if stale != 0 {
			t.Errorf("%s: %d encodings under the former key", cc, stale)
		}
	}
	publish(t, env)
	if forCase(list(t, env, thSupervisor), th.ID) == nil {
		t.Error("no candidate after the rotation")
	}
}
