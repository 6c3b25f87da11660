package imports_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/exports"
	"homeward/internal/htcds"
	"homeward/internal/imports"
	"homeward/internal/screening"
)

const (
	thSupervisor = "supervisor@th-msdhs-sakaeo.demo"
	khSupervisor = "supervisor@kh-mosvy-poipet.demo"
)

// emptyStore removes every person and case of a store (and, by cascade, all that hangs on them), as
// a store that has just been deployed; its operations stay, for the import to name one.
func emptyStore(t testing.TB, env *apptest.Env, country string) {
	t.Helper()
	db, err := gorm.Open(postgres.Open(env.OwnerDSN(t, country)), &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := db.DB()
	defer sqlDB.Close()
	if err := db.Exec(`TRUNCATE persons, cases CASCADE`).Error; err != nil {
		t.Fatal(err)
	}
}

func TestImportHTCDSPicklists(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := imports.New(env.App.Stores, env.App.Cases)
	op := operationID(t, env, "TH")
	file := htcdsHeader + "\n" +
		`Dara,1990,Male,KH,Actual victim of trafficking,Through online social networks,"Debt bondage;Psychological abuse",Forced labour,Follow up` + "\n" +
		"Bopha,1991-05-06,Female,KH,,,Withholds documents,,\n"
	rep, err := svc.Import(ctx, env.Actor(t, thWorker), op, []byte(file), false)
	if err != nil || rep.Created != 2 || len(rep.Errors) > 0 {
		t.Fatalf("import: %v %+v", err, rep)
	}
	if len(rep.Notes) != 1 || rep.Notes[0].Key != "imports.note.picklists_kept" {
		t.Errorf("notes %+v, want the kept values named", rep.Notes)
	}
	st, _ := env.App.Stores.For("TH")
	type got struct {
		Stage      string
		Indicators string
		Kept       string
		Changes    string
	}
	read := func(caseID string) got {
		var g got
		err := st.DB.Raw(`SELECT c.stage,
			COALESCE((SELECT string_agg(i.indicator, ',' ORDER BY i.indicator) FROM screenings s JOIN screening_indicators i ON i.screening_id = s.id
			          WHERE s.case_id = c.id AND i.answer = 'present'), '') AS indicators,
			COALESCE((SELECT string_agg(v.field || '=' || v.value, ',' ORDER BY v.field, v.value) FROM htcds_values v WHERE v.case_id = c.id), '') AS kept,
			COALESCE((SELECT string_agg(from_stage || '>' || to_stage || ':' || reason, ',') FROM stage_changes WHERE case_id = c.id), '') AS changes
			FROM cases c WHERE c.id = ?`, caseID).Scan(&g).Error
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	want := []got{
		{Stage: "reintegration", Indicators: "fees_or_debt,recruited_online",
			Kept:    "vic_MethodsOfControl=MethodsOfControlPsychologicalAbuse,vic_TraffickingStatus=Actual victim of trafficking,vic_TypeOfExploitation=Forced labour",
			Changes: "reception>reintegration:HTCDS import: cas_Status Follow up"},
		{Stage: "reception", Indicators: "phone_or_documents_confiscated"},
	}
	for i, id := range rep.CaseIDs {
		if d := cmp.Diff(want[i], read(id)); d != "" {
			t.Errorf("case of row %d (-want +got):\n%s", i+2, d)
		}
	}
	// The screening is the section's own: the caseworker reads it, recorded by the import.
	v, err := screening.New(env.App.Stores).Get(ctx, env.Actor(t, thWorker), rep.CaseIDs[1])
	if err != nil || v.Screening == nil || v.Screening.Interviewer != screening.ImportedInterviewer || len(v.Screening.Indicators) != len(screening.Indicators) {
		t.Errorf("imported screening: %v %+v", err, v)
	}
	var audited int
	st.DB.Raw(`SELECT count(*) FROM audit_log WHERE action = 'screening.record' AND entity_id IN ?`, rep.CaseIDs).Scan(&audited)
	if audited != 2 {
		t.Errorf("%d screening audit rows, want 2", audited)
	}
}

// TestImportHTCDSRefused: a right the picklists need is refused at its cells and nothing is imported;
// other stores, agencies and roles without the import's rights are not found, as for any file.
func TestImportHTCDSRefused(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := imports.New(env.App.Stores, env.App.Cases)
	thOp, khOp := operationID(t, env, "TH"), operationID(t, env, "KH")
	before := personsOf(t, env, "TH", thOp)
	file := htcdsHeader + "\n" +
		"Dara,1990,Male,KH,Actual victim of trafficking,,Physical abuse;Psychological abuse,,Active\n" +
		"Bopha,1991,Female,KH,,,,,Closed\n" +
		"Chenda,1992,Female,KH,Possible victim of trafficking,,,Sexual exploitation,Closed Referred\n"
	for _, tc := range []struct {
		who  string
		want []problem
	}{
		// The police import at rescue but do not record screenings (they read them).
		{thPolice, []problem{{2, "vic_MethodsOfControl", "imports.error.picklist_screening"},
			{3, "cas_Status", "imports.error.picklist_closed"}, {4, "cas_Status", "imports.error.picklist_closed"}}},
		// A caseworker may not open a closed case: closing needs a supervisor.
		{thWorker, []problem{{3, "cas_Status", "imports.error.picklist_closed"}, {4, "cas_Status", "imports.error.picklist_closed"}}},
	} {
		for _, dry := range []bool{true, false} {
			rep, err := svc.Import(ctx, env.Actor(t, tc.who), thOp, []byte(file), dry)
			if err != nil {
				t.Fatalf("%s: %v", tc.who, err)
			}
			if d := cmp.Diff(tc.want, problems(rep.Errors)); d != "" || rep.Created != 0 {
				t.Errorf("%s dry %v: created %d, errors (-want +got):\n%s", tc.who, dry, rep.Created, d)
			}
		}
	}
	// One value outside a picklist: the file does not half-import.
	bad := file + "Sophal,1995,Male,KH,,,,Forced criminality,\n"
	rep, err := svc.Import(ctx, env.Actor(t, thSupervisor), thOp, []byte(bad), false)
	if err != nil || rep.Created != 0 || !slices.Equal(problems(rep.Errors), []problem{{5, "vic_TypeOfExploitation", "imports.error.picklist"}}) {
		t.Errorf("bad value: %v created %d errors %+v", err, rep.Created, rep.Errors)
	}
	if n := personsOf(t, env, "TH", thOp); n != before {
		t.Fatalf("refused imports registered %d persons", n-before)
	}
	for _, tc := range []struct{ who, op string }{
		{khSupervisor, thOp}, {thSupervisor, khOp}, {thAuditor, thOp}, {thAnalyst, thOp}, {embassy, thOp},
	} {
		if _, err := svc.Import(ctx, env.Actor(t, tc.who), tc.op, []byte(file), false); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s: %v, want not found", tc.who, err)
		}
	}
	// The supervisor holds every right the file needs.
	if rep, err := svc.Import(ctx, env.Actor(t, thSupervisor), thOp, []byte(file), false); err != nil || rep.Created != 3 {
		t.Errorf("supervisor: %v %+v", err, rep)
	}
}

// TestHTCDSRoundTrip: a store's HTCDS export, imported into an empty store, exports the same counts
// per picklist value. The source store is filled through the import and the ordinary services (a
// screening and an approved identification), every case with the same quasi-identifiers so that the
// small-cell rule keeps every row. The de-identified file has no name: the test adds a
// prs_FirstName column of pseudonyms before importing it, as Homeward's intake needs a name.
func TestHTCDSRoundTrip(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	imp, exp := imports.New(env.App.Stores, env.App.Cases), exports.New(env.App.Stores, env.App.Cases)
	emptyStore(t, env, "TH")
	emptyStore(t, env, "KH")
	thSup, khSup := env.Actor(t, thSupervisor), env.Actor(t, khSupervisor)

	var src strings.Builder
	src.WriteString(htcdsHeader + "\n")
	status := htcds.Values(htcds.FieldCaseStatus)
	traf := htcds.Values(htcds.FieldTraffickingStatus)
	control := htcds.Values(htcds.FieldMethodsOfControl)
	kinds := htcds.Values(htcds.FieldTypeOfExploitation)
	recruit := htcds.Values(htcds.FieldMethodOfRecruitment)
	for i := range 40 {
		fmt.Fprintf(&src, "Source %d,1995,Female,KH,%s,%s,\"%s;%s\",%s,%s\n", i, traf[i%len(traf)], recruit[i%len(recruit)],
			control[i%len(control)], control[(i*7+3)%len(control)], kinds[i%len(kinds)], status[i%len(status)])
	}
	rep, err := imp.Import(ctx, thSup, operationID(t, env, "TH"), []byte(src.String()), false)
	if err != nil || rep.Created != 40 {
		t.Fatalf("source import: %v %+v", err, rep)
	}
	identify(t, env, rep.CaseIDs[0]) // Active, Possible victim at import: identified by Homeward's own decision

	first := htcdsCounts(t, exportCSV(t, exp, thSup))
	f, err := imp.Import(ctx, khSup, operationID(t, env, "KH"), withNames(t, exportCSV(t, exp, thSup)), false)
	if err != nil || f.Created != 40 || len(f.Errors) > 0 {
		t.Fatalf("import of the export: %v %+v", err, f)
	}
	second := htcdsCounts(t, exportCSV(t, exp, khSup))
	if d := cmp.Diff(first, second); d != "" {
		t.Errorf("counts per picklist value (-export of the source +export after the import):\n%s", d)
	}
	if first[htcds.FieldTraffickingStatus+"="+"Actual victim of trafficking"] != 14 || len(first) < 40 {
		t.Errorf("the source export does not cover the picklists: %v", first)
	}
}

// identify moves an imported case at reception through screening to an approved identification.
func identify(t *testing.T, env *apptest.Env, caseID string) {
	t.Helper()
	ctx := context.Background()
	worker, sup := env.Actor(t, thWorker), env.Actor(t, thSupervisor)
	scr := screening.New(env.App.Stores)
	c, err := env.App.Cases.Transition(ctx, worker, caseID, cases.TransitionInput{To: cases.StageScreening, Version: 1})
	if err == nil {
		c, err = env.App.Cases.Transition(ctx, worker, caseID, cases.TransitionInput{To: cases.StageIdentification, Version: c.Version})
	}
	if err != nil {
		t.Fatalf("transition: %v", err)
	}
	d, err := scr.ProposeDecision(ctx, worker, caseID, screening.ProposalInput{Decision: screening.DecisionIdentified, LegalBasis: "ACTIP art. 3"})
	if err == nil {
		_, err = scr.Approve(ctx, sup, d.ID, screening.ReviewInput{Version: d.Version})
	}
	if err != nil {
		t.Fatalf("decision: %v", err)
	}
}

func exportCSV(t *testing.T, exp *exports.Service, a *authz.Actor) []byte {
	t.Helper()
	f, err := exp.HTCDS(context.Background(), a, exports.FormatCSV, exports.Stamp{Name: a.Name, Email: a.Email, Agency: "A", At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return f.Data
}

// readExport returns the header and rows of an exported CSV (after its "# " lines).
func readExport(t *testing.T, data []byte) ([]string, [][]string) {
	t.Helper()
	body := string(bytes.TrimPrefix(data, []byte("\uFEFF")))
	for strings.HasPrefix(body, "# ") {
		_, body, _ = strings.Cut(body, "\n")
	}
	all, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(all) < 2 {
		t.Fatalf("export: %v, %d lines", err, len(all))
	}
	return all[0], all[1:]
}

// htcdsCounts counts the rows of an export per picklist value ("field=value").
func htcdsCounts(t *testing.T, data []byte) map[string]int {
	header, rows := readExport(t, data)
	out := map[string]int{}
	for _, r := range rows {
		for i, h := range header {
			if !slices.Contains(htcds.Fields, h) && h != "prs_Gender" && h != "prs_Citizenship" {
				continue
			}
			for _, v := range strings.Split(r[i], ";") {
				if v != "" {
					out[h+"="+v]++
				}
			}
		}
	}
	return out
}

// withNames adds a prs_FirstName column of pseudonyms to an export.
func withNames(t *testing.T, data []byte) []byte {
	header, rows := readExport(t, data)
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(append([]string{"prs_FirstName"}, header...))
	for i, r := range rows {
		_ = w.Write(append([]string{fmt.Sprintf("Pseudonym %d", i)}, r...))
	}
	w.Flush()
	return b.Bytes()
}
