// Package handovertest makes cases ready for a handover in a test environment: Thai (or other)
// nationals in the KH store (or Cambodians in the TH store), in return preparation, with an
// approved "identified" decision and the cross-border handover consent given.
package handovertest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/screening"
)

// Thai names of the fixtures (given, family), in Thai script.
var thaiNames = [][2]string{{"สมชาย", "ใจดี"}, {"สมหญิง", "รักไทย"}, {"ประเสริฐ", "บุญมา"}, {"วิไลวรรณ", "ศรีสุข"},
	{"อนุชา", "แก้วมณี"}, {"กาญจนา", "ทองคำ"}, {"ธนากร", "พรหมมา"}, {"ปิยะนุช", "สายบุญ"}}

// Khmer names of the fixtures, in Khmer script.
var khmerNames = [][2]string{{"សុខា", "ចាន់"}, {"ដារ៉ា", "សុខ"}, {"វណ្ណា", "ហេង"}, {"ស្រីពៅ", "លី"}}

// Ready registers n persons of nationality in the store of the caseworker's agency and makes their
// cases ready for a handover; it returns the case ids in order. The supervisor approves the
// decisions (a different person from the caseworker, as the schema requires).
func Ready(tb testing.TB, env *apptest.Env, caseworker, supervisor, nationality string, n int) []string {
	tb.Helper()
	ctx := context.Background()
	cw, sup := env.Actor(tb, caseworker), env.Actor(tb, supervisor)
	names := thaiNames
	if nationality == "KH" {
		names = khmerNames
	}
	ins := make([]cases.IntakeInput, n)
	for i := range ins {
		nm := names[i%len(names)]
		age := 20 + i%30
		ins[i] = cases.IntakeInput{GivenName: nm[0], FamilyName: fmt.Sprintf("%s %d", nm[1], i+1), Sex: []string{"male", "female"}[i%2],
			AgeEstimate: &age, Nationality: nationality, Languages: []string{"th"}, Aliases: []string{fmt.Sprintf("Alias %d", i+1)},
			DocumentsHeld:    []cases.HeldDocument{{Kind: "passport", Number: fmt.Sprintf("AA%07d", 1000000+i)}, {Kind: "national_id"}},
			DocumentsMissing: []string{"work_permit"}, UrgentNeeds: "Needs insulin daily"}
		if nationality == "KH" {
			ins[i].Languages = []string{"km"}
		}
	}
	res, err := env.App.Cases.IntakeBatch(ctx, cw, ins)
	if err != nil {
		tb.Fatalf("intake: %v", err)
	}
	st, err := env.App.Stores.For(cw.Country)
	if err != nil {
		tb.Fatal(err)
	}
	ids := make([]string, n)
	now := time.Now().UTC()
	tx := st.DB.Begin()
	for i, r := range res {
		ids[i] = r.Case.ID
		// The legal basis is sealed as the screening service seals it.
		decisionID := uuid.Must(uuid.NewV7()).String()
		basis, err := st.Keys.SealString(screening.FieldLegalBasis, decisionID, "Anti-Trafficking Law 2008 art. 10")
		if err != nil {
			tx.Rollback()
			tb.Fatal(err)
		}
		steps := []struct {
			q    string
			args []any
		}{
			{`UPDATE cases SET stage = 'return_preparation' WHERE id = ?`, []any{r.Case.ID}},
			{`INSERT INTO identification_decisions (id, case_id, decision, legal_basis_enc, status, proposed_by, proposed_at, decided_by, decided_at)
				VALUES (?, ?, 'identified', ?, 'approved', ?, ?, ?, ?)`,
				[]any{decisionID, r.Case.ID, basis, cw.UserID, now.Add(-48 * time.Hour), sup.UserID, now.Add(-24 * time.Hour)}},
			{`INSERT INTO consents (id, case_id, purpose, answer, answered_on, method, language, recorded_by, recorded_at)
				VALUES (?, ?, 'cross_border_handover', 'given', ?, 'written', 'th', ?, ?)`,
				[]any{uuid.Must(uuid.NewV7()).String(), r.Case.ID, now.Format(time.DateOnly), cw.UserID, now}},
		}
		for _, s := range steps {
			if err := tx.Exec(s.q, s.args...).Error; err != nil {
				tx.Rollback()
				tb.Fatalf("make case ready: %v", err)
			}
		}
	}
	if err := tx.Commit().Error; err != nil {
		tb.Fatal(err)
	}
	return ids
}
