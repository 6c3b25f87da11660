package cases_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/problem"
)

const khSupervisor = "supervisor@kh-mosvy-poipet.demo"

func TestMergeKeepsHistories(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	sup := env.Actor(t, thSupervisor)
	keptIn := person("Rattanaphorn", "Kaewmanee", "TH", "", 24)
	keptIn.DocumentNumber = "TH 1100 2200"
	kept := register(t, env, thWorker, keptIn)
	mergedIn := person("Rattanaporn", "Kaewmanee", "TH", "", 25)
	mergedIn.Aliases = []string{"Ploy"}
	mergedIn.AgeEstimate = nil
	mergedIn.BirthDate = "2009-01-01" // a minor: the kept person becomes one too
	mergedIn.DocumentNumber = "TH-9988-7766"
	merged := register(t, env, thWorker, mergedIn)
	if _, err := env.App.Cases.Transition(ctx, env.Actor(t, thWorker), merged.Case.ID,
		cases.TransitionInput{To: cases.StageScreening, Version: 1}); err != nil {
		t.Fatal(err)
	}

	res, err := env.App.Cases.Merge(ctx, sup, merged.Person.ID, cases.MergeInput{Into: kept.Person.ID, Reason: "same passport photo"})
	if err != nil {
		t.Fatal(err)
	}
	if res.KeptPersonID != kept.Person.ID || len(res.MovedCaseIDs) != 1 || res.MovedCaseIDs[0] != merged.Case.ID {
		t.Fatalf("result = %+v", res)
	}
	// The moved case keeps its history and now shows the kept person, with the merged names as aliases.
	v, err := env.App.Cases.Get(ctx, sup, merged.Case.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Case.PersonID != kept.Person.ID || len(v.History) != 1 || v.History[0].ToStage != cases.StageScreening {
		t.Errorf("moved case = %+v, history %+v", v.Case, v.History)
	}
	if v.Identity.GivenName != "Rattanaphorn" || !v.Minor || !contains(v.Identity.Aliases, "Rattanaporn Kaewmanee") || !contains(v.Identity.Aliases, "Ploy") {
		t.Errorf("kept identity = %+v (minor %v)", v.Identity, v.Minor)
	}
	// Both person rows remain; the merge is recorded and audited.
	st, _ := env.App.Stores.For("TH")
	var into string
	if err := st.DB.Raw(`SELECT merged_into::text FROM persons WHERE id = ?`, merged.Person.ID).Scan(&into).Error; err != nil || into != kept.Person.ID {
		t.Errorf("merged_into = %q, %v", into, err)
	}
	// The reason is sealed: the row holds no clear text, and it opens with the store's keys.
	var recs []cases.PersonMerge
	if err := st.DB.Where("kept_person_id = ? AND merged_person_id = ?", kept.Person.ID, merged.Person.ID).Find(&recs).Error; err != nil || len(recs) != 1 {
		t.Fatalf("person_merges rows = %d, %v", len(recs), err)
	}
	var raw struct {
		Reason    string
		ReasonEnc []byte
	}
	st.DB.Raw(`SELECT reason, reason_enc FROM person_merges WHERE id = ?`, recs[0].ID).Scan(&raw)
	if raw.Reason != "" || len(raw.ReasonEnc) == 0 || strings.Contains(string(raw.ReasonEnc), "passport") {
		t.Errorf("stored merge reason = %q, %q", raw.Reason, raw.ReasonEnc)
	}
	if reason, err := cases.MergeReason(st, &recs[0]); err != nil || reason != "same passport photo" {
		t.Errorf("merge reason = %q, %v", reason, err)
	}
	var n int64
	st.DB.Raw(`SELECT count(*) FROM audit_log WHERE (action = 'person.merge' AND entity_id = ?) OR (action = 'case.person_merged' AND entity_id = ?)`,
		merged.Person.ID, merged.Case.ID).Scan(&n)
	if n != 2 {
		t.Errorf("merge audit rows = %d, want 2", n)
	}
	// The merged person's document now finds the kept person.
	dups, err := env.App.Cases.PossibleDuplicates(ctx, sup, func() cases.IntakeInput {
		in := person("Someone", "Else", "US", "", 50)
		in.DocumentNumber = "th99887766"
		return in
	}())
	if err != nil {
		t.Fatal(err)
	}
	if d := findDup(dups, kept.Person.ID); d == nil || d.Reason != cases.ReasonDocument || findDup(dups, merged.Person.ID) != nil {
		t.Errorf("duplicates after merge = %+v", dups)
	}
	// A merged person cannot be merged again, nor be the kept one.
	if _, err := env.App.Cases.Merge(ctx, sup, merged.Person.ID, cases.MergeInput{Into: kept.Person.ID, Reason: "again"}); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("merge again: %v, want not found", err)
	}
	other := register(t, env, thWorker, person("Unrelated", "Person", "TH", "", 40))
	_, err = env.App.Cases.Merge(ctx, sup, other.Person.ID, cases.MergeInput{Into: merged.Person.ID, Reason: "x"})
	if inv, ok := problem.AsInvalid(err); !ok || inv.Fields["into"] != "intake.error.merge_into_unknown" {
		t.Errorf("merge into a merged person: %v", err)
	}
}

func TestMergeCaseByReference(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	sup := env.Actor(t, thSupervisor)
	kept := register(t, env, thWorker, person("Sombat", "Yodrak", "TH", "", 30))
	merged := register(t, env, thWorker, person("Sombut", "Yodrak", "TH", "", 30))
	_, err := env.App.Cases.MergeCase(ctx, sup, merged.Case.ID, cases.CaseMergeInput{IntoCase: kept.Case.Reference, Reason: "r", Version: 7})
	if !errors.Is(err, problem.ErrConflict) {
		t.Fatalf("stale version: %v, want conflict", err)
	}
	res, err := env.App.Cases.MergeCase(ctx, sup, merged.Case.ID,
		cases.CaseMergeInput{IntoCase: " " + kept.Case.Reference + " ", Reason: "same person", Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.KeptPersonID != kept.Person.ID || res.MergedPersonID != merged.Person.ID {
		t.Errorf("result = %+v", res)
	}
	third := register(t, env, thWorker, person("Sombat", "Yodruk", "TH", "", 30))
	if _, err := env.App.Cases.MergeCase(ctx, sup, third.Case.ID,
		cases.CaseMergeInput{IntoCase: strings.ToUpper(kept.Case.ID), Reason: "same person", Version: 1}); err != nil {
		t.Errorf("merge by case id: %v", err)
	}
}

func TestMergeRefusedAndInvalid(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	a := register(t, env, thWorker, person("Kanya", "Merge", "TH", "", 30))
	b := register(t, env, thWorker, person("Kanya", "Merged", "TH", "", 30))
	police := register(t, env, thPolice, person("Kanya", "Police", "TH", "", 30))
	khCase := register(t, env, khWorker, person("Kanya", "Cambodia", "TH", "", 30))
	ok := cases.MergeInput{Into: a.Person.ID, Reason: "same person"}

	// Roles without approvals, other stores and agencies: not found.
	for _, email := range []string{thWorker, thPolice, thAuditor, thAnalyst, thAdmin, embassy, ngo} {
		if _, err := env.App.Cases.Merge(ctx, env.Actor(t, email), b.Person.ID, ok); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s: %v, want not found", email, err)
		}
	}
	tests := []struct {
		name   string
		as     string
		id     string
		in     cases.MergeInput
		field  string // "" for not found
		key    string
		errKey error
	}{
		{"person of another agency", thSupervisor, police.Person.ID, ok, "", "", authz.ErrNotFound},
		{"person of the other store", thSupervisor, khCase.Person.ID, ok, "", "", authz.ErrNotFound},
		{"the other store's supervisor", khSupervisor, b.Person.ID, ok, "", "", authz.ErrNotFound},
		{"not a uuid", thSupervisor, "nope", ok, "", "", authz.ErrNotFound},
		{"into another agency's person", thSupervisor, b.Person.ID, cases.MergeInput{Into: police.Person.ID, Reason: "r"}, "into", "intake.error.merge_into_unknown", nil},
		{"into the other store's person", thSupervisor, b.Person.ID, cases.MergeInput{Into: khCase.Person.ID, Reason: "r"}, "into", "intake.error.merge_into_unknown", nil},
		{"into itself", thSupervisor, b.Person.ID, cases.MergeInput{Into: b.Person.ID, Reason: "r"}, "into", "intake.error.merge_same", nil},
		{"into nothing", thSupervisor, b.Person.ID, cases.MergeInput{Reason: "r"}, "into", "form.error.required", nil},
		{"into not a uuid", thSupervisor, b.Person.ID, cases.MergeInput{Into: "x", Reason: "r"}, "into", "intake.error.merge_into_unknown", nil},
		{"no reason", thSupervisor, b.Person.ID, cases.MergeInput{Into: a.Person.ID, Reason: "  "}, "reason", "intake.error.merge_reason", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.App.Cases.Merge(ctx, env.Actor(t, tt.as), tt.id, tt.in)
			if tt.errKey != nil {
				if !errors.Is(err, tt.errKey) {
					t.Fatalf("err = %v, want %v", err, tt.errKey)
				}
				return
			}
			inv, isInv := problem.AsInvalid(err)
			if !isInv || inv.Fields[tt.field] != tt.key {
				t.Fatalf("err = %v, want %s: %s", err, tt.field, tt.key)
			}
		})
	}

	// A person whose other case is held by another agency is not merged by this one.
	if _, _, err := env.App.Cases.LinkCase(ctx, env.Actor(t, thPolice), b.Person.ID); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("police links a person it cannot see: %v", err)
	}
	st, _ := env.App.Stores.For("TH")
	var policeAgency string
	st.DB.Raw(`SELECT owner_agency_id::text FROM cases WHERE id = ?`, police.Case.ID).Scan(&policeAgency)
	if err := st.DB.Exec(`UPDATE cases SET person_id = ? WHERE id = ?`, b.Person.ID, police.Case.ID).Error; err != nil {
		t.Fatal(err)
	}
	_, err := env.App.Cases.Merge(ctx, env.Actor(t, thSupervisor), b.Person.ID, ok)
	if inv, isInv := problem.AsInvalid(err); !isInv || inv.Fields["into"] != "intake.error.merge_other_agency" {
		t.Errorf("merge moving another agency's case: %v", err)
	}
}

func TestLinkCase(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	first := register(t, env, thPolice, person("Arunee", "Linkcase", "TH", "", 30))
	// The social-welfare caseworker sees the police case only once the police add the agency to the
	// case team; without it, linking is not found.
	if _, _, err := env.App.Cases.LinkCase(ctx, env.Actor(t, thWorker), first.Person.ID); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("link to an invisible person: %v", err)
	}
	st, _ := env.App.Stores.For("TH")
	worker := env.Actor(t, thWorker)
	if err := st.DB.Exec(`INSERT INTO case_team (case_id, agency_id) VALUES (?, ?)`, first.Case.ID, worker.AgencyID).Error; err != nil {
		t.Fatal(err)
	}
	c, created, err := env.App.Cases.LinkCase(ctx, worker, first.Person.ID)
	if err != nil || !created || c.PersonID != first.Person.ID || c.OwnerAgencyID != worker.AgencyID || c.Stage != cases.StageReception {
		t.Fatalf("link: %+v created %v err %v", c, created, err)
	}
	again, created, err := env.App.Cases.LinkCase(ctx, worker, first.Person.ID)
	if err != nil || created || again.ID != c.ID {
		t.Fatalf("link again: %+v created %v err %v; want the open case %s", again, created, err, c.ID)
	}
	for _, email := range []string{thAuditor, thAnalyst, embassy, khWorker} {
		if _, _, err := env.App.Cases.LinkCase(ctx, env.Actor(t, email), first.Person.ID); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s: %v, want not found", email, err)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestMergeCarriesSealedIdentity checks that the merged person's contact, urgent needs and
// documents stay readable on the moved case, re-sealed for the kept person.
func TestMergeCarriesSealedIdentity(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	keptIn := person("Sophal", "Meas", "KH", "", 31)
	keptIn.Contact = "sister +855 11 111 111"
	kept := register(t, env, thWorker, keptIn)
	mergedIn := person("Sophal", "Meas", "KH", "", 30)
	mergedIn.Contact = "brother +855 22 222 222"
	mergedIn.UrgentNeeds = "insulin twice a day"
	mergedIn.DocumentNumber = "N7766554"
	mergedIn.DocumentsHeld = []cases.HeldDocument{{Kind: "national_id", Number: "KH-123-456"}}
	merged := register(t, env, thWorker, mergedIn)
	if _, err := env.App.Cases.Merge(ctx, env.Actor(t, thSupervisor), merged.Person.ID,
		cases.MergeInput{Into: kept.Person.ID, Reason: "same person"}); err != nil {
		t.Fatal(err)
	}
	v, err := env.App.Cases.Get(ctx, env.Actor(t, thSupervisor), merged.Case.ID)
	if err != nil {
		t.Fatal(err)
	}
	idn := v.Identity
	if !strings.Contains(idn.Contact, "sister") || !strings.Contains(idn.Contact, "brother") {
		t.Errorf("contact = %q", idn.Contact)
	}
	if idn.UrgentNeeds != "insulin twice a day" || idn.DocumentNumber != "N7766554" {
		t.Errorf("urgent needs %q, document %q", idn.UrgentNeeds, idn.DocumentNumber)
	}
	found := false
	for _, d := range idn.DocumentsHeld {
		found = found || d.Number == "KH-123-456"
	}
	if !found {
		t.Errorf("documents held = %+v", idn.DocumentsHeld)
	}
}
