package notify_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/mailtest"
	"homeward/internal/notify"
)

// An immediate digest goes when more waits than the last one said, at most once per ten minutes:
// the scan finds the user, the job queued within the ten minutes waits (snoozed) and goes when
// they have passed; with nothing new, nothing goes.
func TestImmediateDigestDebounced(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	mp := mailtest.Start(t)
	var clock atomic.Int64
	clock.Store(nineAM.UnixNano())
	svc := newService(t, env, mp.URL(), nineAM).WithClock(func() time.Time { return time.Unix(0, clock.Load()).UTC() })
	sup := setNotify(t, env, "supervisor@th-msdhs-sakaeo.demo", notify.Immediate, "en")
	setNotify(t, env, "supervisor@kh-mosvy-poipet.demo", notify.Daily, "en") // daily: never in the scan
	r := notify.Recipient{UserID: sup, AgencyID: env.Actor(t, "supervisor@th-msdhs-sakaeo.demo").AgencyID}

	due := func(cc string) []notify.Recipient {
		t.Helper()
		rs, err := svc.Due(ctx, cc)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	if got := due("TH"); len(got) != 1 || got[0] != r {
		t.Fatalf("due in TH = %v, want only the supervisor who chose immediate digests %v", got, r)
	}
	if got := due("KH"); len(got) != 0 {
		t.Fatalf("due in KH = %v, want none (a daily digest is not immediate)", got)
	}
	if sent, err := svc.Send(ctx, r, notify.Immediate, ""); err != nil || !sent {
		t.Fatalf("first immediate digest: sent %v, %v", sent, err)
	}
	if got := due("TH"); len(got) != 0 {
		t.Fatalf("due after the digest = %v, want none: nothing new waits", got)
	}
	if sent, err := svc.Send(ctx, r, notify.Immediate, ""); err == nil || sent {
		t.Fatalf("immediate digest again at once: sent %v, %v; want TooSoon", sent, err)
	}

	// More waits than the last digest said (as if it had said nothing), one minute later.
	forget := func() {
		if err := env.App.Hub.Exec(`UPDATE digest_state SET last_counts = '{}' WHERE user_id = ?`, sup).Error; err != nil {
			t.Fatal(err)
		}
	}
	forget()
	clock.Store(nineAM.Add(time.Minute).UnixNano())
	_, err := svc.Send(ctx, r, notify.Immediate, "")
	var soon *notify.TooSoon
	if !errors.As(err, &soon) || soon.Wait != 9*time.Minute {
		t.Fatalf("digest one minute after the last: %v, want TooSoon after 9 min", err)
	}

	// The scan job finds the supervisor and queues the digest, which waits (snoozed) ...
	startRunner(t, env, svc, 5)
	st, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatal(err)
	}
	digestJobs := func(state string) int {
		var n int
		st.DB.Raw(`SELECT count(*) FROM river_job WHERE kind = 'notify_digest' AND state = ?`, state).Scan(&n)
		return n
	}
	waitFor(t, "the digest job to be snoozed", func() bool { return digestJobs("scheduled") == 1 })
	const email = "supervisor@th-msdhs-sakaeo.demo"
	if n := len(mp.To(t, email)); n != 1 {
		t.Fatalf("%d digests within ten minutes, want 1", n)
	}
	// ... until ten minutes have passed (for River too), then goes.
	clock.Store(nineAM.Add(11 * time.Minute).UnixNano())
	if err := st.DB.Exec(`UPDATE river_job SET scheduled_at = now() WHERE kind = 'notify_digest' AND state = 'scheduled'`).Error; err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second digest", func() bool { return len(mp.To(t, email)) == 2 })
	if m := mp.To(t, email)[1]; !strings.HasPrefix(m.Subject, "Homeward:") {
		t.Errorf("second digest: %+v", m)
	}
	var audits int
	env.App.Hub.Raw(`SELECT count(*) FROM audit_log WHERE action = 'notify.digest_sent' AND entity_id = ? AND detail LIKE '%immediate%'`, sup).Scan(&audits)
	if audits != 2 {
		t.Errorf("%d immediate digests audited, want 2", audits)
	}
	// Nothing new: the scan keeps running and queues nothing more.
	scans := func() int {
		var n int
		st.DB.Raw(`SELECT count(*) FROM river_job WHERE kind = 'notify_scan' AND state = 'completed'`).Scan(&n)
		return n
	}
	after := scans()
	waitFor(t, "two more scans", func() bool { return scans() >= after+2 })
	if n := len(mp.To(t, email)); n != 2 {
		t.Errorf("%d digests, want 2", n)
	}
}

// waitFor polls cond until it holds, or fails the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(60 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
