package notify

import (
	"strconv"
	"strings"

	"homeward/internal/authz"
	"homeward/internal/dashboard"
	"homeward/internal/locale"
)

// line is one count of a digest: its message key (static, so the key test reads it), the count
// and the page that lists what it counts.
type line struct {
	key  string
	n    int
	path string
}

// lines are w's counts in the order of the home page, each with its page.
func lines(a *authz.Actor, w dashboard.Waiting) []line {
	inbox := "/inbox?status=sent"
	if a.AgencyKind == "ngo" {
		inbox = "/referrals?status=sent"
	}
	return []line{
		{"notify.decisions", w.Decisions, "/"},
		{"notify.closures", w.Closures, "/"},
		{"notify.packets_pending", w.PacketsPending, "/"},
		{"notify.packets_new", w.PacketsNew, inbox},
		{"notify.overdue_steps", w.OverdueSteps, "/repatriation/overdue"},
		{"notify.overdue_visits", w.OverdueVisits, "/"},
		{"notify.screenings", w.Screenings, "/"},
		{"notify.returned", w.Returned, "/"},
		{"notify.deadlines", w.Deadlines, "/"},
		{"notify.visits_due", w.VisitsDue, "/"},
	}
}

// compose writes the digest of w in l's language: the counts that are not zero, each with its link,
// and where to change the setting. Nothing else: no name (not even the user's), no case, no reference.
func compose(l *locale.Localizer, publicURL string, a *authz.Actor, to string, w dashboard.Waiting) Mail {
	var b strings.Builder
	b.WriteString(l.T("notify.intro", "Count", w.Total()))
	b.WriteString("\n\n")
	for _, x := range lines(a, w) {
		if x.n == 0 {
			continue
		}
		b.WriteString("- " + l.T(x.key, "Count", x.n) + ": " + strconv.Itoa(x.n) + "\n  " + publicURL + x.path + "\n")
	}
	b.WriteString("\n" + l.T("notify.footer") + "\n" + publicURL + "/settings\n")
	return Mail{To: to, Subject: l.T("notify.subject", "Count", w.Total()), Text: b.String()}
}
