package cases_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/notes"
	"homeward/internal/testdb"
)

// TestTimelineFailsClosed: a row in a section the reader may not read is left out altogether (no
// detail, no count); a note's rows carry their class's section; a row without a section shows no
// detail. The welfare supervisor reads psychosocial and medical notes, the police supervisor does
// not; neither reads the other's closed sections.
func TestTimelineFailsClosed(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	c := intake(t, env, thWorker)
	worker, welfare := env.Actor(t, thWorker), env.Actor(t, thSupervisor)
	police := env.Actor(t, thPolice)
	if err := env.App.Cases.AddTeamAgency(ctx, welfare, c.ID, teamAgency(t, env, "th-pct")); err != nil {
		t.Fatal(err)
	}
	svc := notes.New(env.App.Stores)
	for _, n := range []struct {
		a     string
		class notes.Class
	}{{thWorker, notes.Psychosocial}, {thWorker, notes.Psychosocial}, {thWorker, notes.Medical}, {thWorker, notes.General}, {thPolice, notes.Investigation}} {
		if _, err := svc.Add(ctx, env.Actor(t, n.a), c.ID, notes.Input{Class: n.class, Body: "body"}); err != nil {
			t.Fatalf("add %s: %v", n.class, err)
		}
	}
	if _, err := svc.List(ctx, worker, c.ID); err != nil { // lists general 1, psychosocial 2, medical 1
		t.Fatal(err)
	}
	if _, err := svc.List(ctx, police, c.ID); err != nil { // lists general 1, investigation 1
		t.Fatal(err)
	}
	st := thStore(t, env)
	if err := st.DB.Transaction(func(tx *gorm.DB) error {
		return audit.Append(tx, time.Now(), audit.ByActor(police, audit.InvestigationUpdate, "case", c.ID,
			map[string]any{"status": "suspect"}))
	}); err != nil {
		t.Fatal(err)
	}
	// A row written before rows carried a section (inserted as the old code did).
	testdb.Exec(t, env.Databases["TH"], fmt.Sprintf(`INSERT INTO audit_log (at, action, entity, entity_id, detail)
		VALUES (now(), 'legacy.step', 'case', '%s', '{"flag":"old"}')`, c.ID))

	type seen struct {
		rows    map[string]int // action:class → rows
		details map[string]string
	}
	read := func(email string) seen {
		t.Helper()
		tl, err := env.App.Cases.Timeline(ctx, env.Actor(t, email), c.ID, "")
		if err != nil {
			t.Fatalf("%s: %v", email, err)
		}
		out := seen{rows: map[string]int{}, details: map[string]string{}}
		for _, e := range tl.Entries {
			class := ""
			var parts []string
			for _, d := range e.Detail {
				if d.Key == "class" {
					class = d.Value
				}
				parts = append(parts, d.Key+"="+d.Value)
			}
			k := e.Action + ":" + class
			out.rows[k]++
			out.details[k] = strings.Join(parts, ",")
		}
		return out
	}
	w, p := read(thSupervisor), read(thPoliceSupervisor)
	want := map[string]int{"note.create:psychosocial": 2, "note.create:medical": 1, "note.create:general": 1,
		"note.list:general": 2, "note.list:psychosocial": 1, "note.list:medical": 1}
	for k, n := range want {
		if w.rows[k] != n {
			t.Errorf("welfare supervisor: %s rows = %d, want %d (all %v)", k, w.rows[k], n, w.rows)
		}
	}
	if w.details["note.list:psychosocial"] != "class=psychosocial,count=2" {
		t.Errorf("welfare supervisor: psychosocial listing = %q", w.details["note.list:psychosocial"])
	}
	// The police supervisor: investigation rows and general notes, nothing of psychosocial or medical.
	for k := range p.rows {
		if strings.Contains(k, "psychosocial") || strings.Contains(k, "medical") {
			t.Errorf("police supervisor sees %s (%d rows)", k, p.rows[k])
		}
	}
	if p.rows["note.create:investigation"] != 1 || p.rows["investigation.update:"] != 1 || p.rows["note.list:general"] != 2 {
		t.Errorf("police supervisor rows = %v", p.rows)
	}
	if p.details["investigation.update:"] != "status=suspect" {
		t.Errorf("police supervisor investigation detail = %q", p.details["investigation.update:"])
	}
	// The welfare supervisor reads no investigation section: neither the rows nor their count.
	wantWelfareInvestigation := 0
	if welfare.Can(authz.SectionInvestigation, authz.ActionRead) {
		wantWelfareInvestigation = 1
	}
	if w.rows["investigation.update:"] != wantWelfareInvestigation || w.rows["note.create:investigation"] != wantWelfareInvestigation {
		t.Errorf("welfare supervisor investigation rows = %v", w.rows)
	}
	// No section: shown, without detail, to both.
	for name, s := range map[string]seen{"welfare": w, "police": p} {
		if s.rows["legacy.step:"] != 1 || s.details["legacy.step:"] != "" {
			t.Errorf("%s: legacy row %d rows, detail %q; want shown without detail", name, s.rows["legacy.step:"], s.details["legacy.step:"])
		}
	}
}
