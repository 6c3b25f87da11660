package notes_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/notes"
	"homeward/internal/problem"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const (
	thPolice  = "investigator@th-pct.demo"
	thWorker  = "caseworker@th-msdhs-sakaeo.demo"
	thAuditor = "auditor@th-msdhs-sakaeo.demo"
	thAnalyst = "analyst@th-msdhs-sakaeo.demo"
	khWorker  = "caseworker@kh-mosvy-poipet.demo"
	khPolice  = "investigator@kh-cnp-aht.demo"
	ngo       = "ngo_worker@ngo-kh-shelter.demo"
	noSuchID  = "00000000-0000-7000-8000-000000000000"
)

// sharedCase is a welfare case with the TH police on its team, so both agencies see it.
func sharedCase(tb testing.TB, env *apptest.Env) *cases.Case {
	tb.Helper()
	age := 31
	_, c, err := env.App.Cases.Intake(context.Background(), env.Actor(tb, thWorker), cases.IntakeInput{
		GivenName: "Chanthy", FamilyName: "Keo", Sex: "female", AgeEstimate: &age, Nationality: "KH"})
	if err != nil {
		tb.Fatalf("intake: %v", err)
	}
	st, _ := env.App.Stores.For("TH")
	if err := st.DB.Exec(`INSERT INTO case_team (case_id, agency_id) VALUES (?, ?)`, c.ID, env.Actor(tb, thPolice).AgencyID).Error; err != nil {
		tb.Fatal(err)
	}
	return c
}

func add(tb testing.TB, svc *notes.Service, a *authz.Actor, caseID string, class notes.Class, body string) *notes.Note {
	tb.Helper()
	n, err := svc.Add(context.Background(), a, caseID, notes.Input{Class: class, Body: body})
	if err != nil {
		tb.Fatalf("add %s note: %v", class, err)
	}
	return n
}

func classesOf(ns []notes.Note) []notes.Class {
	var out []notes.Class
	for _, n := range ns {
		if !slices.Contains(out, n.Class) {
			out = append(out, n.Class)
		}
	}
	slices.Sort(out)
	return out
}

// TestClassesByRole: each class is seen only by the roles of its section; the investigator never
// loads psychosocial or medical notes, the caseworker never loads investigation notes.
func TestClassesByRole(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := notes.New(env.App.Stores)
	worker, police := env.Actor(t, thWorker), env.Actor(t, thPolice)
	c := sharedCase(t, env)
	general := add(t, svc, worker, c.ID, notes.General, "Arrived with a sprained ankle.")
	psycho := add(t, svc, worker, c.ID, notes.Psychosocial, "Nightmares; counselling twice a week.")
	medical := add(t, svc, worker, c.ID, notes.Medical, "Malaria test negative.")
	inv := add(t, svc, police, c.ID, notes.Investigation, "Named two recruiters on Telegram.")

	tests := []struct {
		email string
		want  []notes.Class
	}{
		{thWorker, []notes.Class{notes.General, notes.Medical, notes.Psychosocial}},
		{thPolice, []notes.Class{notes.General, notes.Investigation}},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			l, err := svc.List(ctx, env.Actor(t, tt.email), c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, classesOf(l.Notes)); d != "" {
				t.Errorf("classes listed (-want +got):\n%s", d)
			}
		})
	}
	// Adding or editing a class outside the actor's sections is not found.
	for _, tc := range []struct {
		a     *authz.Actor
		class notes.Class
		note  *notes.Note
	}{
		{police, notes.Psychosocial, psycho}, {police, notes.Medical, medical}, {worker, notes.Investigation, inv},
	} {
		if _, err := svc.Add(ctx, tc.a, c.ID, notes.Input{Class: tc.class, Body: "x"}); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s adds %s: %v, want not found", tc.a.Email, tc.class, err)
		}
		if _, err := svc.Update(ctx, tc.a, tc.note.ID, notes.Input{Body: "x", Version: 1}); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s edits %s: %v, want not found", tc.a.Email, tc.class, err)
		}
	}
	// Both may edit the general note.
	if _, err := svc.Update(ctx, police, general.ID, notes.Input{Body: "Ankle better.", Version: 1}); err != nil {
		t.Errorf("police edits general note: %v", err)
	}
}

func TestAddUpdateConflict(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := notes.New(env.App.Stores)
	worker := env.Actor(t, thWorker)
	c := sharedCase(t, env)
	n := add(t, svc, worker, c.ID, notes.General, "  <b>first</b> cafe\u0301 visit  ")
	if n.Body != "<b>first</b> caf\u00e9 visit" || n.Version != 1 {
		t.Fatalf("note = %+v", n)
	}
	second := add(t, svc, worker, c.ID, notes.General, "second")
	up, err := svc.Update(ctx, worker, n.ID, notes.Input{Body: "first, corrected", Version: 1})
	if err != nil || up.Version != 2 || up.Body != "first, corrected" {
		t.Fatalf("update = %+v, %v", up, err)
	}
	if _, err := svc.Update(ctx, worker, n.ID, notes.Input{Body: "stale", Version: 1}); !errors.Is(err, problem.ErrConflict) {
		t.Fatalf("stale update = %v, want conflict", err)
	}
	l, err := svc.List(ctx, worker, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	gen := l.Of(notes.General)
	if len(gen) != 2 || gen[0].ID != second.ID || gen[1].Body != "first, corrected" {
		t.Errorf("general notes, newest first = %+v", gen)
	}
	// Sealed at rest.
	st, _ := env.App.Stores.For("TH")
	var enc []byte
	if err := st.DB.Raw(`SELECT body_enc FROM notes WHERE id = ?`, n.ID).Row().Scan(&enc); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(enc, []byte("corrected")) {
		t.Errorf("body stored in clear")
	}
	var actions []string
	st.DB.Raw(`SELECT action || ':' || section || ' ' || detail FROM audit_log WHERE action LIKE 'note.%' ORDER BY id`).Scan(&actions)
	// A listing writes one row per class read, in that class's section, counting that class only.
	want := []string{
		"note.create:notes {\"class\":\"general\",\"note_id\":\"" + n.ID + "\"}",
		"note.create:notes {\"class\":\"general\",\"note_id\":\"" + second.ID + "\"}",
		"note.update:notes {\"class\":\"general\",\"note_id\":\"" + n.ID + "\",\"version\":1}",
		"note.list:notes {\"class\":\"general\",\"count\":2}",
		"note.list:psychosocial {\"class\":\"psychosocial\",\"count\":0}",
		"note.list:medical {\"class\":\"medical\",\"count\":0}",
	}
	if d := cmp.Diff(want, actions); d != "" {
		t.Errorf("audit (-want +got):\n%s", d)
	}
}

func TestRefused(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := notes.New(env.App.Stores)
	c := sharedCase(t, env)
	n := add(t, svc, env.Actor(t, thWorker), c.ID, notes.General, "general")
	for _, email := range []string{khWorker, khPolice, thAuditor, thAnalyst, ngo} {
		t.Run(email, func(t *testing.T) {
			a := env.Actor(t, email)
			if _, err := svc.List(ctx, a, c.ID); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("List = %v, want not found", err)
			}
			if _, err := svc.Add(ctx, a, c.ID, notes.Input{Class: notes.General, Body: "x"}); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Add = %v, want not found", err)
			}
			if _, err := svc.Update(ctx, a, n.ID, notes.Input{Body: "x", Version: 1}); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Update = %v, want not found", err)
			}
		})
	}
	// A case of the welfare agency alone is not found for the police.
	age := 40
	_, own, err := env.App.Cases.Intake(ctx, env.Actor(t, thWorker), cases.IntakeInput{GivenName: "Vanna", Sex: "male", AgeEstimate: &age, Nationality: "KH"})
	if err != nil {
		t.Fatal(err)
	}
	ownNote := add(t, svc, env.Actor(t, thWorker), own.ID, notes.General, "private")
	police := env.Actor(t, thPolice)
	for _, id := range []string{own.ID, noSuchID, "nope"} {
		if _, err := svc.List(ctx, police, id); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("police List %s = %v, want not found", id, err)
		}
	}
	// Through another case the note is not found, even for its own agency.
	if _, err := svc.Update(ctx, env.Actor(t, thWorker), ownNote.ID, notes.Input{Body: "x", Version: 1, CaseID: c.ID}); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("Update through another case = %v, want not found", err)
	}
	for _, id := range []string{ownNote.ID, noSuchID, "nope", "urn:uuid:" + ownNote.ID} {
		if _, err := svc.Update(ctx, police, id, notes.Input{Body: "x", Version: 1}); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("police Update %s = %v, want not found", id, err)
		}
	}
}

func TestBadInput(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := notes.New(env.App.Stores)
	worker := env.Actor(t, thWorker)
	c := sharedCase(t, env)
	n := add(t, svc, worker, c.ID, notes.General, "ok")
	tests := []struct {
		name   string
		in     notes.Input
		fields map[string]string
	}{
		{"empty", notes.Input{Class: notes.General, Body: "  \n "}, map[string]string{"body": "form.error.required"}},
		{"unknown class", notes.Input{Class: "secret", Body: "x"}, map[string]string{"class": "form.error.choose"}},
		{"too long", notes.Input{Class: notes.General, Body: strings.Repeat("ក", notes.MaxBody+1)}, map[string]string{"body": "form.error.too_long"}},
		{"not UTF-8", notes.Input{Class: notes.General, Body: "a\xffb"}, map[string]string{"body": "form.error.invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Add(ctx, worker, c.ID, tt.in)
			inv, ok := problem.AsInvalid(err)
			if !ok {
				t.Fatalf("Add = %v, want invalid", err)
			}
			if d := cmp.Diff(tt.fields, inv.Fields); d != "" {
				t.Errorf("fields (-want +got):\n%s", d)
			}
		})
	}
	_, err := svc.Update(ctx, worker, n.ID, notes.Input{Body: "", Version: 1})
	if inv, ok := problem.AsInvalid(err); !ok || inv.Fields["body"] != "form.error.required" {
		t.Errorf("empty update = %v", err)
	}
}

// BenchmarkList lists the notes of a case holding 200 notes over three classes, opening each.
func BenchmarkList(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	svc := notes.New(env.App.Stores)
	worker := env.Actor(b, thWorker)
	c := sharedCase(b, env)
	classes := []notes.Class{notes.General, notes.Psychosocial, notes.Medical}
	for i := range 200 {
		add(b, svc, worker, c.ID, classes[i%3], fmt.Sprintf("Note %d: follow-up visit, slept well, asked about her family.", i))
	}
	b.ReportAllocs()
	for b.Loop() {
		l, err := svc.List(ctx, worker, c.ID)
		if err != nil || len(l.Notes) != 200 {
			b.Fatalf("list: %d notes, %v", len(l.Notes), err)
		}
	}
}
