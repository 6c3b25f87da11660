package exports_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/exports"
)

const (
	thSupervisor = "supervisor@th-msdhs-sakaeo.demo"
	thAnalyst    = "analyst@th-msdhs-sakaeo.demo"
	thWorker     = "caseworker@th-msdhs-sakaeo.demo"
)

var stampAt = time.Date(2026, 11, 27, 14, 3, 0, 0, time.FixedZone("+07", 7*3600))

func stampOf(a *authz.Actor) exports.Stamp {
	return exports.Stamp{Name: a.Name, Email: a.Email, Agency: "MSDHS Protection Centre, Sa Kaeo", At: stampAt}
}

// readCSV parses an export: the "# " lines, the header and the rows.
func readCSV(t testing.TB, data []byte) (notes []string, header []string, rows [][]string) {
	t.Helper()
	if !bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatal("no UTF-8 byte-order mark")
	}
	body := string(data[3:])
	for strings.HasPrefix(body, "# ") {
		line, rest, _ := strings.Cut(body, "\n")
		notes, body = append(notes, strings.TrimPrefix(line, "# ")), rest
	}
	all, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(all) == 0 {
		t.Fatalf("csv: %v", err)
	}
	return notes, all[0], all[1:]
}

func TestHTCDSDeidentified(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := exports.New(env.App.Stores, env.App.Cases)
	a := env.Actor(t, thSupervisor)
	f, err := svc.HTCDS(ctx, a, exports.FormatCSV, stampOf(a))
	if err != nil {
		t.Fatal(err)
	}
	notes, header, rows := readCSV(t, f.Data)
	if len(notes) == 0 || notes[0] != "Exported by "+a.Name+" ("+a.Email+"), MSDHS Protection Centre, Sa Kaeo, 2026-11-27 14:03 +07:00" {
		t.Errorf("stamp %q", notes)
	}
	if !slices.Equal(header, exports.HTCDSColumns) {
		t.Errorf("header %q", header)
	}
	for _, h := range header {
		if regexp.MustCompile(`(?i)name|email|phone|mailing|document|passport|address`).MatchString(h) {
			t.Errorf("identifying column %q", h)
		}
	}
	st, _ := env.App.Stores.For("TH")
	var people []struct{ GivenName, FamilyName string }
	st.DB.Raw(`SELECT given_name, family_name FROM persons`).Scan(&people)
	var total int
	st.DB.Raw(`SELECT count(*) FROM cases`).Scan(&total)
	if len(people) < 40 {
		t.Fatalf("%d demo persons", len(people))
	}
	data := strings.Join(slices.Concat(header, slices.Concat(rows...)), "\n")
	for _, p := range people {
		for _, n := range []string{p.GivenName, p.FamilyName} {
			if len([]rune(n)) >= 3 && strings.Contains(data, n) {
				t.Errorf("name %q in the dataset", n)
			}
		}
	}
	year := regexp.MustCompile(`^(\d{4}|\d{4}-\d{4})?$`)
	groups := map[string]int{}
	for _, r := range rows {
		if !year.MatchString(r[0]) || !regexp.MustCompile(`^\d{4}$`).MatchString(r[10]) {
			t.Errorf("birth %q, registration %q: want years", r[0], r[10])
		}
		groups[r[0]+"|"+r[1]+"|"+r[2]+"|"+r[10]]++
	}
	for g, n := range groups {
		if n < exports.MinCell {
			t.Errorf("quasi-identifier group %s has %d rows", g, n)
		}
	}
	var audited int
	st.DB.Raw(`SELECT count(*) FROM audit_log WHERE action = 'report.htcds_export' AND actor_user_id = ? AND (detail::jsonb->>'rows')::int = ? AND (detail::jsonb->>'cases')::int = ?`,
		a.UserID, len(rows), total).Scan(&audited)
	if audited != 1 {
		t.Errorf("%d audit rows for the export", audited)
	}
	t.Logf("%d cases, %d rows kept", total, len(rows))

	if _, err := svc.HTCDS(ctx, a, "pdf", stampOf(a)); err == nil {
		t.Error("format pdf accepted")
	}
	for _, who := range []string{thAnalyst, thWorker} {
		a := env.Actor(t, who)
		if _, err := svc.HTCDS(ctx, a, exports.FormatCSV, stampOf(a)); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s: HTCDS %v, want not found", who, err)
		}
		if _, err := svc.CaseList(ctx, a, cases.ListQuery{}, exports.FormatCSV, stampOf(a)); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s: case list %v, want not found", who, err)
		}
	}
}
