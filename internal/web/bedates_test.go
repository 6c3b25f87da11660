package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"homeward/internal/apptest"
)

// beSettings signs a client's user into Thai with Buddhist-era years (or not).
func beSettings(t *testing.T, env *apptest.Env, c *http.Client, be bool) {
	t.Helper()
	form := url.Values{"lang": {"th"}}
	if be {
		form.Set("buddhist_era", "on")
	}
	res := apptest.PostForm(t, c, env.URL()+"/settings", env.URL()+"/settings", form)
	res.Body.Close()
}

// TestBuddhistEraDatesOnForms: a Thai user whose setting shows Buddhist-era years types dates as
// DD/MM/YYYY or YYYY-MM-DD with BE years on the forms (intake, repatriation section…) and the
// records hold the Gregorian dates; the pages carry the setting for bedates.js; a user without the
// setting who types a BE day-first date is refused as before.
func TestBuddhistEraDatesOnForms(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	c := env.Login(t, thWorker)
	beSettings(t, env, c, true)
	_, page := apptest.Get(t, c, base+"/cases/new")
	if !strings.Contains(page, `data-be-dates="`+message(t, page, "dates.placeholder_be")+`"`) || !strings.Contains(page, "/bedates.") {
		t.Fatalf("intake page without the Buddhist-era setting for its date inputs: %s", excerpt(page))
	}
	st, _ := env.App.Stores.For("TH")
	birth := func(given string) string {
		var d string
		st.DB.Raw(`SELECT coalesce(birth_date::text, '') FROM persons WHERE given_name = ?`, given).Scan(&d)
		return d
	}
	for given, typed := range map[string]string{"Be-Slash": "07/12/2540", "Be-ISO": "2540-12-07", "Be-Greg": "07/12/1997"} {
		form := intakeFormValues(given, "Chan", "")
		form.Del("age_estimate")
		form.Set("birth_date", typed)
		form.Set("_be_dates", "birth_date")
		if status, _, body := postIntakePage(t, c, base+"/cases/new", base+"/cases", form); status != http.StatusSeeOther {
			t.Fatalf("intake with %s: %d %s", typed, status, excerpt(body))
		}
		if got := birth(given); got != "1997-12-07" {
			t.Errorf("birth date typed %s stored as %q", typed, got)
		}
	}

	// The repatriation section: every date typed in BE, stored Gregorian.
	id := repatCase(t, env, "Malai", "TH")
	kw := env.Login(t, khWorker)
	beSettings(t, env, kw, true)
	sect := base + "/cases/" + id + "/repatriation"
	form := repatForm("0")
	for _, f := range []string{"nationality_requested_on", "nationality_decided_on", "travel_document_issued_on", "travel_document_valid_until",
		"planned_date", "deadline_family_tracing"} {
		d, _ := time.Parse(time.DateOnly, form.Get(f))
		form.Set(f, d.Format("02/01/")+strconv.Itoa(d.Year()+543))
	}
	if status, body := postPage(t, kw, sect, sect, form); status != http.StatusSeeOther {
		t.Fatalf("repatriation in BE: %d %s", status, excerpt(body))
	}
	r, err := env.App.Repatriation.Get(context.Background(), env.Actor(t, khWorker), id)
	if err != nil {
		t.Fatal(err)
	}
	want := repatForm("0")
	if r.PlannedDate != want.Get("planned_date") || r.TravelDocumentValidUntil != want.Get("travel_document_valid_until") {
		t.Errorf("section dates: planned %s valid until %s, want %s %s", r.PlannedDate, r.TravelDocumentValidUntil,
			want.Get("planned_date"), want.Get("travel_document_valid_until"))
	}

	// Without the setting nothing is read as Buddhist era: a day-first date is refused as before.
	beSettings(t, env, c, false)
	form = intakeFormValues("No-Be", "Chan", "")
	form.Set("birth_date", "07/12/2540")
	if status, _, body := postIntakePage(t, c, base+"/cases/new", base+"/cases", form); status != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `value="07/12/2540"`) {
		t.Errorf("day-first date without the setting: %d %s", status, excerpt(body))
	}
	if _, body := apptest.Get(t, c, base+"/cases/new"); strings.Contains(body, "data-be-dates") {
		t.Errorf("the page still asks for Buddhist-era dates")
	}
}
