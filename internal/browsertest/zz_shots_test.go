package browsertest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/consent"
)

func TestZZShots(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	ctx0 := context.Background()
	w := env.Actor(t, "caseworker@th-msdhs-sakaeo.demo")
	sup := env.Actor(t, "supervisor@th-msdhs-sakaeo.demo")
	age := 15
	_, c, err := env.App.Cases.Intake(ctx0, w, cases.IntakeInput{GivenName: "ស្រីនាង", FamilyName: "សុខ", Sex: "female", AgeEstimate: &age, Nationality: "KH"})
	if err != nil {
		t.Fatal(err)
	}
	svc := consent.New(env.App.Stores)
	for _, in := range []consent.Input{
		{Purpose: "services", Answer: "given", AnsweredOn: "2026-01-10", Method: "spoken", Language: "km", Interpreter: "Dara Interp"},
		{Purpose: "share_embassy", Answer: "given", AnsweredOn: "2026-01-10", Method: "thumbprint", Language: "km", Witness: "Mali Witness"},
		{Purpose: "notify_home_country", Answer: "refused", AnsweredOn: "2026-01-11", Method: "spoken", Language: "km"},
		{Purpose: "share_embassy", Answer: "withdrawn", AnsweredOn: "2026-01-12", Method: "written", Language: "km"},
	} {
		if _, err := svc.Record(ctx0, w, c.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.App.Cases.Assign(ctx0, sup, c.ID, cases.AssignInput{UserID: w.UserID, Version: 1}, func(context.Context, string, string) (bool, error) { return true, nil }); err != nil {
		t.Fatal(err)
	}
	pct, _ := env.App.Directory.AgencyBySlug(ctx0, "th-pct")
	if err := env.App.Cases.AddTeamAgency(ctx0, sup, c.ID, cases.TeamAgency{ID: pct.ID, Kind: pct.Kind, Country: "TH"}); err != nil {
		t.Fatal(err)
	}
	_ = authz.SectionTeam
	ctx := browser(t, 90*time.Second)
	do(t, ctx, "login",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "supervisor@th-msdhs-sakaeo.demo"),
		chromedp.SendKeys(chromedp.ID("password"), "homeward-demo"),
	)
	clickAndLoad(t, ctx, `form[action="/login"] button[type=submit]`)
	shot := func(name, path string) {
		do(t, ctx, "nav "+path, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS("main")))
		b := run(t, ctx, "shot", chromedp.FullScreenshot(100))
		os.WriteFile("/tmp/shots/"+name+".png", b, 0o644)
	}
	shot("consent", "/cases/"+c.ID+"/consents")
	shot("withdraw", "/cases/"+c.ID+"/consents/withdraw?purpose=services")
	shot("team", "/cases/"+c.ID+"/team")
	shot("timeline", "/cases/"+c.ID+"/timeline")
	shot("cases", "/cases?minor=true&nationality=KH")
	clickAndLoad(t, ctx, `form.lang-switch button[value=km]`)
	shot("consent_km", "/cases/"+c.ID+"/consents")
	do(t, ctx, "print", chromedp.Func(func(c context.Context, _ *chromedp.Target) error { _, err := chromedp.Call(c, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); return err }))
	shot("consent_print_km", "/cases/"+c.ID+"/consents")
}
