package cases_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
)

func TestTimeline(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	c := intake(t, env, thWorker)
	worker, sup := env.Actor(t, thWorker), env.Actor(t, thSupervisor)
	if _, err := env.App.Cases.Transition(ctx, worker, c.ID, cases.TransitionInput{To: cases.StageScreening,
		Reason: "Moved after the first talk with Sokha at the shelter", Version: c.Version}); err != nil {
		t.Fatal(err)
	}
	// A row of another area, audited under the case's id with free text in its detail.
	st := thStore(t, env)
	err := st.DB.Transaction(func(tx *gorm.DB) error {
		return audit.Append(tx, time.Now(), audit.ByActor(worker, audit.NoteCreate, "note", c.ID,
			map[string]any{"class": "general", "text": "She told us her sister is still inside"}))
	})
	if err != nil {
		t.Fatal(err)
	}
	for range cases.TimelineLimit + 5 {
		if _, err := env.App.Cases.Get(ctx, worker, c.ID); err != nil {
			t.Fatal(err)
		}
	}

	first, err := env.App.Cases.Timeline(ctx, sup, c.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Entries) != cases.TimelineLimit || first.NextCursor == "" {
		t.Fatalf("first page: %d entries, cursor %q", len(first.Entries), first.NextCursor)
	}
	second, err := env.App.Cases.Timeline(ctx, sup, c.ID, first.NextCursor)
	if err != nil {
		t.Fatal(err)
	}
	entries := append(first.Entries, second.Entries...)
	// intake, transition, note, 55 reads = 58 rows, newest first, no row twice.
	if len(entries) != 58 || second.NextCursor != "" {
		t.Fatalf("%d entries over two pages (next %q), want 58", len(entries), second.NextCursor)
	}
	for i := 1; i < len(entries); i++ {
		if entries[i].ID >= entries[i-1].ID {
			t.Fatalf("entries not newest first at %d: %d after %d", i, entries[i].ID, entries[i-1].ID)
		}
	}
	last := entries[len(entries)-1]
	if last.Action != "case.intake" || last.ActorUserID != worker.UserID {
		t.Fatalf("oldest entry = %+v, want the intake by the caseworker", last)
	}
	for _, e := range entries {
		for _, d := range e.Detail {
			if strings.Contains(d.Value, "sister") || strings.Contains(d.Value, "Sokha") {
				t.Fatalf("free text on the timeline: %+v", e)
			}
		}
		if e.Action == "note.create" && (len(e.Detail) != 2 || e.Detail[0] != (cases.DetailItem{Key: "class", Value: "general"})) {
			t.Fatalf("note row detail = %+v, want class kept and text elided", e.Detail)
		}
	}
	// Reading the timeline is audited.
	var reads int64
	st.DB.Raw(`SELECT count(*) FROM audit_log WHERE action = 'case.timeline.read' AND entity_id = ?`, c.ID).Scan(&reads)
	if reads != 2 {
		t.Fatalf("timeline reads audited = %d, want 2", reads)
	}
	if _, err := env.App.Cases.Timeline(ctx, sup, c.ID, "abc"); err == nil {
		t.Fatal("a malformed cursor was accepted")
	}
	if _, err := env.App.Cases.Timeline(ctx, worker, c.ID, ""); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("caseworker: %v, want not found", err)
	}
}

// BenchmarkTimeline reads the newest page of a case's timeline (60 rows) as a supervisor, audit
// row included.
func BenchmarkTimeline(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	age := 30
	worker, sup := env.Actor(b, thWorker), env.Actor(b, thSupervisor)
	_, c, err := env.App.Cases.Intake(ctx, worker, cases.IntakeInput{GivenName: "Sokha", Sex: "female", AgeEstimate: &age, Nationality: "KH"})
	if err != nil {
		b.Fatal(err)
	}
	for range 60 {
		if _, err := env.App.Cases.Get(ctx, worker, c.ID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if t, err := env.App.Cases.Timeline(ctx, sup, c.ID, ""); err != nil || len(t.Entries) != cases.TimelineLimit {
			b.Fatalf("timeline: %v", err)
		}
	}
}
