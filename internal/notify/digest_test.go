package notify_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"homeward/internal/apptest"
	"homeward/internal/jobs"
	"homeward/internal/locale"
	"homeward/internal/mailtest"
	"homeward/internal/notify"
)

const publicURL = "https://homeward.example.org"

// nineAM is a clock past notify.DailyHour in Bangkok: the day's digests are due.
var nineAM = time.Date(2026, 12, 8, 2, 0, 0, 0, time.UTC)

// fast are short periods for the tests' runners.
var fast = jobs.Intervals{Relay: time.Second, Seal: time.Second, Anchor: time.Second, Expire: time.Second,
	Sync: time.Second, NotifyScan: time.Second, NotifyDaily: time.Second}

// newService is the digest service of env sending through the SMTP server at smtpURL.
func newService(t *testing.T, env *apptest.Env, smtpURL string, now time.Time) *notify.Service {
	t.Helper()
	mailer, err := notify.ParseSMTPURL(smtpURL)
	if err != nil {
		t.Fatal(err)
	}
	mailer.Timeout = 5 * time.Second
	bundle, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	return notify.New(env.App.Hub, env.App.Directory, env.App.Dashboard, bundle, mailer, publicURL).
		WithClock(func() time.Time { return now })
}

// startRunner starts River clients over env's databases (on pools of their own, as another server
// process would) working the digest jobs of svc; they stop when the test ends.
func startRunner(t *testing.T, env *apptest.Env, svc *notify.Service, attempts int) *jobs.Runner {
	t.Helper()
	dsns := map[string]string{jobs.HubName: env.Cfg.HubDSN}
	for cc, dsn := range env.Cfg.StoreDSNs {
		dsns[cc] = dsn
	}
	var dbs []jobs.Database
	for name, dsn := range dsns {
		pool, err := pgxpool.New(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		dbs = append(dbs, jobs.Database{Name: name, Pool: pool})
	}
	r, err := jobs.New(dbs, jobs.Work{Exchange: env.App.Exchange, Sealer: env.App.Sealer, Notify: svc},
		jobs.Options{Intervals: fast, MaxAttempts: attempts})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Stop(context.Background()); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return r
}

// user is a demo user's id and display name.
func user(t *testing.T, env *apptest.Env, email string) (id, name string) {
	t.Helper()
	var row struct{ ID, Name string }
	if err := env.App.Hub.Raw(`SELECT id, name FROM users WHERE email = ?`, email).Scan(&row).Error; err != nil || row.ID == "" {
		t.Fatalf("no user %s: %v", email, err)
	}
	return row.ID, row.Name
}

// setNotify gives a demo user a digest setting and a language, as /settings stores them.
func setNotify(t *testing.T, env *apptest.Env, email, mode, lang string) string {
	t.Helper()
	a := env.Actor(t, email)
	if err := env.App.Directory.SetNotify(context.Background(), a, mode); err != nil {
		t.Fatal(err)
	}
	if err := env.App.Directory.SetPreferences(context.Background(), a, lang, false); err != nil {
		t.Fatal(err)
	}
	return a.UserID
}

// secrets are what a digest must never carry: every person's name and every case reference of
// both stores, and the names of the users.
func secrets(t *testing.T, env *apptest.Env) []string {
	t.Helper()
	var out []string
	for _, cc := range []string{"TH", "KH"} {
		st, err := env.App.Stores.For(cc)
		if err != nil {
			t.Fatal(err)
		}
		var rows []string
		if err := st.DB.Raw(`SELECT given_name FROM persons UNION SELECT family_name FROM persons
UNION SELECT reference FROM cases`).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		out = append(out, rows...)
	}
	var names []string
	if err := env.App.Hub.Raw(`SELECT name FROM users`).Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, s := range append(out, names...) {
		if len([]rune(strings.TrimSpace(s))) >= 3 { // a two-letter fragment is no name to find
			kept = append(kept, strings.TrimSpace(s))
		}
	}
	if len(kept) < 40 {
		t.Fatalf("only %d names and references to look for", len(kept))
	}
	return kept
}

// Daily digests go through a real SMTP server, one per user who chose them, in their language,
// with the counts of their own dashboard and links to where the work is, and nothing else: no
// name, no case reference. A user with the setting off, and a disabled user, get nothing; a second
// run of the day's job sends nothing more; every digest sent is audited with its counts.
func TestDailyDigest(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	mp := mailtest.Start(t)
	svc := newService(t, env, mp.URL(), nineAM)

	thSup := setNotify(t, env, "supervisor@th-msdhs-sakaeo.demo", notify.Daily, "th")
	khSup := setNotify(t, env, "supervisor@kh-mosvy-poipet.demo", notify.Daily, "km")
	ngo := setNotify(t, env, "ngo_worker@ngo-kh-shelter.demo", notify.Daily, "en")
	setNotify(t, env, "caseworker@th-msdhs-sakaeo.demo", notify.Off, "en") // five screenings wait for them
	police := setNotify(t, env, "investigator@th-pct.demo", notify.Daily, "en")
	if err := env.App.Hub.Exec(`UPDATE users SET disabled_at = now() WHERE id = ?`, police).Error; err != nil {
		t.Fatal(err)
	}
	if w, _ := env.App.Dashboard.Waiting(ctx, env.Actor(t, "caseworker@th-msdhs-sakaeo.demo")); w.Total() == 0 {
		t.Fatal("nothing waits for the caseworker: their empty inbox would prove nothing")
	}

	startRunner(t, env, svc, jobs.MaxAttempts)
	mp.WaitFor(t, 3, 90*time.Second)

	bundle, _ := locale.Load()
	for _, c := range []struct {
		email, lang, id string
		inbox           string
	}{
		{"supervisor@th-msdhs-sakaeo.demo", "th", thSup, "/inbox?status=sent"},
		{"supervisor@kh-mosvy-poipet.demo", "km", khSup, ""},
		{"ngo_worker@ngo-kh-shelter.demo", "en", ngo, "/referrals?status=sent"},
	} {
		got := mp.To(t, c.email)
		if len(got) != 1 {
			t.Fatalf("%s received %d digests, want 1", c.email, len(got))
		}
		m := got[0]
		t.Logf("%s: %s\n%s", c.email, m.Subject, m.Text)
		w, err := env.App.Dashboard.Waiting(ctx, env.Actor(t, c.email))
		if err != nil {
			t.Fatal(err)
		}
		l := bundle.For(c.lang, false, nil)
		if want := l.T("notify.subject", "Count", w.Total()); m.Subject != want {
			t.Errorf("%s: subject %q, want %q", c.email, m.Subject, want)
		}
		for key, n := range map[string]int{"notify.decisions": w.Decisions, "notify.closures": w.Closures,
			"notify.packets_new": w.PacketsNew, "notify.screenings": w.Screenings, "notify.packets_pending": w.PacketsPending} {
			line := l.T(key, "Count", n) + ": " + strconv.Itoa(n)
			if n > 0 != strings.Contains(m.Text, line) {
				t.Errorf("%s: count %d of %s: line %q present = %v\n%s", c.email, n, key, line, !(n > 0), m.Text)
			}
		}
		if !strings.Contains(m.Text, publicURL+"/settings") || (c.inbox != "" && !strings.Contains(m.Text, publicURL+c.inbox)) {
			t.Errorf("%s: links missing:\n%s", c.email, m.Text)
		}
		for _, s := range secrets(t, env) {
			if strings.Contains(m.Text, s) || strings.Contains(m.Subject, s) {
				t.Errorf("%s: the digest names %q:\n%s", c.email, s, m.Text)
			}
		}
		var audits []string
		env.App.Hub.Raw(`SELECT detail FROM audit_log WHERE action = 'notify.digest_sent' AND entity_id = ?`, c.id).Scan(&audits)
		if len(audits) != 1 || !strings.Contains(audits[0], `"total":`+strconv.Itoa(w.Total())) {
			t.Errorf("%s: audit rows %q, want one with the total %d", c.email, audits, w.Total())
		}
	}
	if th := mp.To(t, "supervisor@th-msdhs-sakaeo.demo")[0]; !strings.Contains(th.Text, "ชุดข้อมูลใหม่ที่ได้รับ") {
		t.Errorf("the Thai supervisor's digest is not in Thai:\n%s", th.Text)
	}

	// The daily job runs again (every second here) and queues nothing new for the day.
	runs := func() int {
		st, _ := env.App.Stores.For("TH")
		var n int
		st.DB.Raw(`SELECT count(*) FROM river_job WHERE kind = 'notify_daily' AND state = 'completed'`).Scan(&n)
		return n
	}
	before := runs()
	for end := time.Now().Add(60 * time.Second); runs() < before+2; {
		if time.Now().After(end) {
			t.Fatal("the daily job did not run twice more in 60 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if all := mp.Messages(t); len(all) != 3 {
		for _, m := range all {
			t.Logf("to %v: %s", m.To, m.Subject)
		}
		t.Fatalf("%d messages, want 3 (one per user who chose a daily digest, once a day)", len(all))
	}
	// Nor does sending the day's digest again by hand.
	if sent, err := svc.Send(ctx, notify.Recipient{UserID: thSup, AgencyID: env.Actor(t, "supervisor@th-msdhs-sakaeo.demo").AgencyID},
		notify.Daily, notify.Day(nineAM)); err != nil || sent {
		t.Errorf("second daily digest of the day: sent %v, %v", sent, err)
	}
}

// A digest that cannot reach the SMTP server fails its job, is retried after a backoff, and is
// then listed to the country's admin on /admin/jobs.
func TestDigestFailureRetriedThenListed(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	mp := mailtest.Start(t)
	url := mp.URL()
	mp.Kill() // nothing listens any more
	svc := newService(t, env, url, nineAM)
	sup := setNotify(t, env, "supervisor@th-msdhs-sakaeo.demo", notify.Daily, "en")
	agency := env.Actor(t, "supervisor@th-msdhs-sakaeo.demo").AgencyID
	r := startRunner(t, env, svc, 2)
	if _, err := r.Enqueue(ctx, "TH", jobs.DigestArgs{DB: "TH", UserID: sup, AgencyID: agency, Mode: notify.Daily, Day: "2026-12-07"}); err != nil {
		t.Fatal(err)
	}
	admin := env.Actor(t, "country_admin@th-msdhs-sakaeo.demo")
	failures := jobs.NewFailures(env.App.Stores)
	for end := time.Now().Add(60 * time.Second); ; {
		page, err := failures.Failed(ctx, admin, jobs.FailedQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var found *jobs.FailedJob
		for i, j := range page.Items {
			if j.Kind == "notify_digest" && j.State == jobs.StateDiscarded {
				found = &page.Items[i]
			}
		}
		if found != nil {
			if found.Attempt != 2 || !strings.Contains(found.Error, "smtp") {
				t.Errorf("failed digest: %+v, want 2 attempts and the SMTP error", *found)
			}
			break
		}
		if time.Now().After(end) {
			t.Fatalf("no discarded digest job listed after 60 s: %+v", page.Items)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var n int
	env.App.Hub.Raw(`SELECT count(*) FROM audit_log WHERE action = 'notify.digest_sent'`).Scan(&n)
	if n != 0 {
		t.Errorf("%d digests audited as sent, want none", n)
	}
}
