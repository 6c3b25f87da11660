package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"homeward/internal/apptest"
	"homeward/internal/cases"
)

// exportCSV splits a CSV export into its "# " lines, header and rows.
func exportCSV(t *testing.T, body string) (notes, header []string, rows [][]string) {
	t.Helper()
	if !strings.HasPrefix(body, "\ufeff") {
		t.Fatalf("no byte-order mark: %.80q", body)
	}
	body = strings.TrimPrefix(body, "\ufeff")
	for strings.HasPrefix(body, "# ") {
		line, rest, _ := strings.Cut(body, "\n")
		notes, body = append(notes, strings.TrimPrefix(line, "# ")), rest
	}
	all, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(all) == 0 {
		t.Fatalf("csv: %v: %.200q", err, body)
	}
	return notes, all[0], all[1:]
}

func TestCaseListExport(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	tok := env.Token(t, thSupervisor)
	// A case with sealed fields: a document number, a contact and a note.
	c := intakeAPI(t, env, tok, mustJSON(t, map[string]any{"given_name": "Exportia", "family_name": "Sealtest", "sex": "female",
		"age_estimate": 31, "nationality": "KH", "document_number": "EXP 123-456", "contact": "+855 12 777 888"}))
	addNoteAPI(t, env, tok, c.Case.ID, "general", "Sealed note text that never leaves.")
	sup := env.Login(t, thSupervisor)

	status, body := apptest.Get(t, sup, base+"/cases/export.csv?stage=reception")
	if status != http.StatusOK {
		t.Fatalf("export: %d %.300s", status, body)
	}
	notes, header, rows := exportCSV(t, body)
	a := env.Actor(t, thSupervisor)
	if len(notes) == 0 || !strings.HasPrefix(notes[0], "Exported by "+a.Name+" ("+a.Email+"), ") {
		t.Errorf("stamp %q", notes)
	}
	want := []string{"reference", "stage", "nationality", "sex", "minor", "operation", "received_at", "updated_at",
		"given_name", "family_name", "birth_date", "age_estimate"}
	if !slices.Equal(header, want) {
		t.Errorf("header %q, want %q", header, want)
	}
	for _, sealed := range []string{"EXP 123-456", "EXP123456", "+855 12 777 888", "Sealed note text"} {
		if strings.Contains(body, sealed) {
			t.Errorf("sealed value %q in the export", sealed)
		}
	}
	if !strings.Contains(body, c.Case.Reference) || !strings.Contains(body, "Exportia") {
		t.Errorf("the new case is missing from the export")
	}
	// Filtered like the list: every row in the stage, as many rows as the list holds.
	list, err := env.App.Cases.List(context.Background(), a, cases.ListQuery{Stage: cases.StageReception, Limit: cases.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(list.Items) || len(rows) == 0 {
		t.Errorf("%d rows, the list has %d", len(rows), len(list.Items))
	}
	for _, r := range rows {
		if r[1] != "reception" {
			t.Errorf("row in stage %q", r[1])
		}
	}
	st, _ := env.App.Stores.For("TH")
	var audited int
	st.DB.Raw(`SELECT count(*) FROM audit_log WHERE action = 'case.export' AND actor_user_id = ?
		AND detail::jsonb->>'stage' = 'reception' AND (detail::jsonb->>'rows')::int = ? AND detail::jsonb->>'format' = 'csv'`,
		a.UserID, len(rows)).Scan(&audited)
	if audited != 1 {
		t.Errorf("%d audit rows for the export", audited)
	}

	// XLSX: the stamp in row 1, the header in row 2; the API gives the same file.
	for _, u := range []string{base + "/cases/export.xlsx?nationality=KH"} {
		res, err := sup.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		buf.ReadFrom(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("xlsx: %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		xrows, _ := f.GetRows("Sheet1")
		if len(xrows) < 3 || !strings.HasPrefix(xrows[0][0], "Exported by ") || !slices.Equal(xrows[1], want) {
			t.Errorf("xlsx rows %q", xrows[:min(3, len(xrows))])
		}
		for _, r := range xrows[2:] {
			if r[2] != "KH" {
				t.Errorf("xlsx row of nationality %q", r[2])
			}
		}
	}
	status, body = apptest.API(t, http.MethodGet, base+"/api/v1/cases/export?format=csv&stage=closed", tok, "")
	if _, _, rows := exportCSV(t, body); status != http.StatusOK || slices.ContainsFunc(rows, func(r []string) bool { return r[1] != "closed" }) {
		t.Errorf("api export: %d", status)
	}
	for _, bad := range []string{"?format=pdf", "?stage=nowhere", "?minor=perhaps"} {
		if status, body := apptest.API(t, http.MethodGet, base+"/api/v1/cases/export"+bad, tok, ""); status != http.StatusUnprocessableEntity || decodeError(t, body).Error.Code != "invalid" {
			t.Errorf("%s: %d %s, want 422", bad, status, body)
		}
	}

	// The case list offers the export to a supervisor only.
	if _, page := apptest.Get(t, sup, base+"/cases?stage=reception"); !strings.Contains(page, `href="/cases/export.csv?stage=reception"`) {
		t.Error("no export link with the filters on the supervisor's case list")
	}
	if _, page := apptest.Get(t, env.Login(t, thWorker), base+"/cases"); strings.Contains(page, "/cases/export.csv") {
		t.Error("export link shown to a caseworker")
	}
}

func TestHTCDSExportHTTP(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	status, body := apptest.Get(t, env.Login(t, thSupervisor), base+"/reports/htcds.csv")
	if status != http.StatusOK {
		t.Fatalf("htcds: %d", status)
	}
	_, header, _ := exportCSV(t, body)
	if header[0] != "prs_Birthdate" || slices.Contains(header, "prs_FirstName") {
		t.Errorf("header %q", header)
	}
	if status, body := apptest.API(t, http.MethodGet, base+"/api/v1/reports/htcds?format=xlsx", env.Token(t, thSupervisor), ""); status != http.StatusOK || !strings.HasPrefix(body, "PK") {
		t.Errorf("api xlsx: %d", status)
	}
	st, _ := env.App.Stores.For("TH")
	var audited int
	st.DB.Raw(`SELECT count(*) FROM audit_log WHERE action = 'report.htcds_export'`).Scan(&audited)
	if audited != 2 {
		t.Errorf("%d audit rows, want 2", audited)
	}
}

// TestExportsRefused: every role without the exports section gets 404 on every export route.
func TestExportsRefused(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	pages := []string{"/cases/export.csv", "/cases/export.xlsx", "/reports/htcds.csv", "/reports/htcds.xlsx"}
	apis := []string{"/api/v1/cases/export?format=csv", "/api/v1/cases/export?format=xlsx", "/api/v1/reports/htcds?format=csv"}
	for _, who := range []string{thAnalyst, thWorker, thAuditor, thAdmin, thPolice, thEmbassy, ngoWorker} {
		t.Run(who, func(t *testing.T) {
			c := env.Login(t, who)
			for _, p := range pages {
				if status, _ := apptest.Get(t, c, base+p); status != http.StatusNotFound {
					t.Errorf("%s: %d, want 404", p, status)
				}
			}
			tok := env.Token(t, who)
			for _, p := range apis {
				if status, body := apptest.API(t, http.MethodGet, base+p, tok, ""); status != http.StatusNotFound || decodeError(t, body).Error.Code != "not_found" {
					t.Errorf("%s: %d %s, want 404", p, status, body)
				}
			}
		})
	}
	st, _ := env.App.Stores.For("TH")
	var audited int
	st.DB.Raw(`SELECT count(*) FROM audit_log WHERE action IN ('case.export', 'report.htcds_export')`).Scan(&audited)
	if audited != 0 {
		t.Errorf("%d export audit rows after refusals", audited)
	}
}
