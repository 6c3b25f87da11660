package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/dashboard"
	"homeward/internal/locale"
)

// homePage is the view model of home.html: the dashboard of the actor's roles, translated.
type homePage struct {
	Base
	Dash      *dashboard.Dashboard
	ByStage   []homeStage
	MyCases   int
	AllCases  int
	CanCases  bool
	InboxLink string
	Work      []homeSection // the caseworker's tasks
	Approvals []homeSection // the supervisor's
	Inbox     []homeStage   // by status (Stage holds the status)
}

// homeSection is one list of work on the dashboard, translated.
type homeSection struct {
	Title, TestID, Empty, OverdueLabel string
	More                               string // "and N more" when the list shows only the first items
	Total                              int
	Items                              []homeItem
}

// homeItem is one thing to do.
type homeItem struct {
	Href, Reference, Name, What string
	Due                         *time.Time
	DueText                     string // Due in the user's language
	Overdue                     bool
}

// section translates a task list: what is labelled prefix+What (no label when prefix is "");
// href builds each item's link.
func section(l *locale.Localizer, title, testID string, tl dashboard.TaskList, prefix string, href func(dashboard.Task) string) homeSection {
	out := homeSection{Title: l.T(title), TestID: testID, Total: tl.Total, Empty: l.T("dashboard.nothing"),
		OverdueLabel: l.T("dashboard.overdue")}
	for _, t := range tl.Items {
		it := homeItem{Href: href(t), Reference: t.Reference, Name: t.Name, Due: t.Due, Overdue: t.Overdue}
		if t.Due != nil {
			it.DueText = l.Date(*t.Due)
		}
		if prefix != "" && t.What != "" {
			it.What = l.T(prefix + t.What)
		}
		out.Items = append(out.Items, it)
	}
	if n := tl.Total - len(out.Items); n > 0 && len(out.Items) > 0 {
		out.More = l.T("dashboard.more", "Count", n)
	}
	return out
}

func caseHref(tab string) func(dashboard.Task) string {
	return func(t dashboard.Task) string {
		if t.CaseID == "" {
			return ""
		}
		return "/cases/" + t.CaseID + tab
	}
}

// homeStage is one stage of the caseworker's panel (or one status of the inbox, Href its filtered list).
type homeStage struct {
	Stage, Label, Href string
	Total, Mine        int
}

// home shows the work that comes to the actor: the dashboard of their roles; a role without one
// (auditor, analyst, country admin) goes to where its work is.
func (s *Server) home(c echo.Context) error {
	b := s.base(c)
	d, err := s.Dashboard.For(c.Request().Context(), b.Actor)
	if err != nil {
		return err
	}
	if d.Caseworker == nil && d.Supervisor == nil && d.Inbox == nil {
		if len(b.Nav) > 0 && b.Nav[0].Href != "/settings" {
			return c.Redirect(http.StatusSeeOther, b.Nav[0].Href)
		}
		return s.render(c, http.StatusOK, "home", homePage{Base: b})
	}
	v := homePage{Base: b, Dash: d, CanCases: d.Caseworker != nil, InboxLink: "/inbox"}
	if b.Actor.AgencyKind == "ngo" {
		v.InboxLink = "/referrals"
	}
	if d.Caseworker != nil {
		for _, st := range d.Caseworker.ByStage {
			v.ByStage = append(v.ByStage, homeStage{Stage: st.Stage, Label: b.L.T("stage." + st.Stage), Total: st.Total, Mine: st.Mine})
			v.MyCases += st.Mine
			v.AllCases += st.Total
		}
	}
	l := b.L
	if cw := d.Caseworker; cw != nil {
		v.Work = []homeSection{
			section(l, "dashboard.screenings", "screenings", cw.Screenings, "", caseHref("/screening")),
			section(l, "dashboard.returned", "returned", cw.Returned, "dashboard.decision.", caseHref("/screening")),
			section(l, "dashboard.deadlines", "deadlines", cw.Deadlines, "dashboard.step.", caseHref("/repatriation")),
			section(l, "dashboard.visits", "visits", cw.Visits, "reintegration.location.", caseHref("/reintegration")),
		}
	}
	if sv := d.Supervisor; sv != nil {
		for _, p := range []struct {
			title, testID string
			tl            *dashboard.TaskList
			prefix, tab   string
		}{
			{"dashboard.decisions", "decisions", sv.Decisions, "dashboard.decision.", "/screening"},
			{"dashboard.packets", "packets", sv.Packets, "packet.kind.", "/packets"},
			{"dashboard.closures", "closures", sv.Closures, "closure.reason.", "/closure"},
			{"dashboard.overdue_steps", "overdue-steps", sv.OverdueSteps, "dashboard.step.", "/repatriation"},
			{"dashboard.overdue_visits", "overdue-visits", sv.OverdueVisits, "reintegration.location.", "/reintegration"},
		} {
			if p.tl != nil { // a list the actor's rights do not give is absent
				v.Approvals = append(v.Approvals, section(l, p.title, p.testID, *p.tl, p.prefix, caseHref(p.tab)))
			}
		}
	}
	if in := d.Inbox; in != nil {
		for _, st := range in.ByStatus {
			v.Inbox = append(v.Inbox, homeStage{Stage: st.Status, Label: l.T("packet.status." + st.Status), Total: st.Count,
				Href: v.InboxLink + "?status=" + url.QueryEscape(st.Status)})
		}
	}
	return s.render(c, http.StatusOK, "home", v)
}

func (s *Server) apiDashboard(c echo.Context) error {
	d, err := s.Dashboard.For(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}
