package cases_test

import (
	"context"
	"fmt"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/cases"
)

// TestLargeBatchFindsTheSameStoreDuplicates checks that a batch large enough to match names in
// memory finds the stored persons that the per-row index look-up finds for the same rows.
func TestLargeBatchFindsTheSameStoreDuplicates(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	a := env.Actor(t, thWorker)
	age, other := 30, 31
	stored := []cases.IntakeInput{
		{GivenName: "Sokunthea", FamilyName: "Chhim", Sex: "female", AgeEstimate: &age, Nationality: "KH"},
		{GivenName: "สมศรี", FamilyName: "ใจดีงาม", Sex: "female", AgeEstimate: &age, Nationality: "TH"},
		{GivenName: "ចន្ទ្រា", FamilyName: "សុខហេង", Sex: "female", AgeEstimate: &age, Nationality: "KH", Aliases: []string{"Chantrea Sokheng"}},
	}
	ids := map[int]string{}
	for i, in := range stored {
		p, _, err := env.App.Cases.Intake(ctx, a, in)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = p.ID
	}
	var batch []cases.IntakeInput
	for i := range 30 {
		batch = append(batch, cases.IntakeInput{GivenName: fmt.Sprintf("Unrelated%c%c", 'A'+i%26, 'a'+i/26), Sex: "male",
			AgeEstimate: &age, Nationality: "VN"})
	}
	probes := map[int]int{ // batch row -> stored person it should match
		4:  0,
		11: 1,
		19: 2,
	}
	batch[4] = cases.IntakeInput{GivenName: "Sokunthea", FamilyName: "Chhem", Sex: "female", AgeEstimate: &other, Nationality: "KH"}
	batch[11] = cases.IntakeInput{GivenName: "สมศรี", FamilyName: "ใจดีงาม", Sex: "female", AgeEstimate: &other, Nationality: "TH"}
	batch[19] = cases.IntakeInput{GivenName: "Chantrea", FamilyName: "Sokheng", Sex: "female", AgeEstimate: &other, Nationality: "KH"}

	large, err := env.App.Cases.FindDuplicates(ctx, a, batch)
	if err != nil {
		t.Fatal(err)
	}
	for row, want := range probes {
		single, err := env.App.Cases.FindDuplicates(ctx, a, []cases.IntakeInput{batch[row]})
		if err != nil {
			t.Fatal(err)
		}
		if !hasPerson(single[0], ids[want]) {
			t.Fatalf("row %d: the per-row look-up misses stored person %d: %+v", row, want, single[0])
		}
		if !hasPerson(large[row], ids[want]) {
			t.Errorf("row %d: the large batch misses stored person %d: %+v", row, want, large[row])
		}
	}
	for row := range batch {
		if _, probe := probes[row]; !probe {
			for _, d := range large[row] {
				if d.PersonID != "" {
					t.Errorf("row %d matched stored person %s", row, d.PersonID)
				}
			}
		}
	}
}

func hasPerson(ds []cases.Duplicate, id string) bool {
	for _, d := range ds {
		if d.PersonID == id {
			return true
		}
	}
	return false
}
