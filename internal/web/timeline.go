package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/cases"
	"homeward/internal/locale"
)

// timelinePage is the view model of a case's timeline.
type timelinePage struct {
	Base
	Tabs     caseTabs
	Timeline *cases.Timeline
	Rows     []timelineRow
	NextURL  string
}

// timelineRow is one audit row as a supervisor reads it.
type timelineRow struct {
	At                    time.Time
	Actor, Agency, Action string
	// Code is the raw action name, kept for rows the messages do not translate.
	Code   string
	Detail string
}

func (s *Server) timelineView(c echo.Context) error {
	ctx, id := c.Request().Context(), c.Param("id")
	t, err := s.Cases.Timeline(ctx, actorOf(c), id, c.QueryParam("cursor"))
	if err != nil {
		return err
	}
	b := s.base(c)
	rows, err := s.timelineRows(ctx, b.L, t.Entries)
	if err != nil {
		return err
	}
	v := timelinePage{Base: b, Tabs: tabsFor(c, t.CaseID, "/timeline"), Timeline: t, Rows: rows}
	if t.NextCursor != "" {
		v.NextURL = "/cases/" + t.CaseID + "/timeline?" + url.Values{"cursor": {t.NextCursor}}.Encode()
	}
	return s.render(c, http.StatusOK, "timeline", v)
}

// timelineRows resolves actor ids to names and agencies and translates actions.
func (s *Server) timelineRows(ctx context.Context, l *locale.Localizer, entries []cases.TimelineEntry) ([]timelineRow, error) {
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		ids = append(ids, e.ActorUserID)
		for _, d := range e.Detail {
			if timelineUserKeys[d.Key] {
				ids = append(ids, d.Value)
			}
		}
	}
	names, err := s.Directory.UserNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	agencies := map[string]string{}
	agencyName := func(id string) string {
		name, ok := agencies[id]
		if !ok {
			if ag, err := s.Directory.Agency(ctx, id); err == nil {
				name = ag.Name(l.Lang)
			}
			agencies[id] = name
		}
		return name
	}
	out := make([]timelineRow, 0, len(entries))
	for _, e := range entries {
		r := timelineRow{At: e.At, Actor: names[e.ActorUserID], Code: e.Action, Action: timelineActionLabel(l, e.Action)}
		if e.ActorUserID == "" {
			r.Actor = l.T("timeline.system")
		}
		if e.ActorAgencyID != "" {
			r.Agency = agencyName(e.ActorAgencyID)
		}
		parts := make([]string, 0, len(e.Detail))
		for _, d := range e.Detail {
			v := d.Value
			switch {
			case timelineUserKeys[d.Key] && names[v] != "":
				v = names[v]
			case d.Key == "agency_id" && v != elidedValue:
				if n := agencyName(v); n != "" {
					v = n
				}
			}
			parts = append(parts, d.Key+": "+v)
		}
		r.Detail = strings.Join(parts, "; ")
		out = append(out, r)
	}
	return out, nil
}

// elidedValue is what cases.Timeline shows for a value it leaves out.
const elidedValue = "…"

// timelineUserKeys are the detail fields that hold a user id, shown by name.
var timelineUserKeys = map[string]bool{"user_id": true, "previous": true, "proposed_by": true, "decided_by": true}

// timelineActionLabel translates an audit action ("timeline.action.case.assign"), or shows its code when
// no message names it (actions of areas added later).
func timelineActionLabel(l *locale.Localizer, action string) string {
	key := "timeline.action." + action
	if msg := l.T(key); msg != key {
		return msg
	}
	return action
}

// timelineJSON is one audit row of the case in the API.
type timelineJSON struct {
	ID        int64             `json:"id"`
	At        time.Time         `json:"at"`
	ActorID   string            `json:"actor_user_id"`
	ActorName string            `json:"actor_name"`
	AgencyID  string            `json:"actor_agency_id"`
	Action    string            `json:"action"`
	Detail    map[string]string `json:"detail"`
}

func (s *Server) apiTimeline(c echo.Context) error {
	ctx := c.Request().Context()
	t, err := s.Cases.Timeline(ctx, actorOf(c), c.Param("id"), c.QueryParam("cursor"))
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(t.Entries))
	for _, e := range t.Entries {
		ids = append(ids, e.ActorUserID)
	}
	names, err := s.Directory.UserNames(ctx, ids)
	if err != nil {
		return err
	}
	items := make([]timelineJSON, 0, len(t.Entries))
	for _, e := range t.Entries {
		d := make(map[string]string, len(e.Detail))
		for _, item := range e.Detail {
			d[item.Key] = item.Value
		}
		items = append(items, timelineJSON{ID: e.ID, At: e.At, ActorID: e.ActorUserID, ActorName: names[e.ActorUserID],
			AgencyID: e.ActorAgencyID, Action: e.Action, Detail: d})
	}
	var next *string
	if t.NextCursor != "" {
		next = &t.NextCursor
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "next_cursor": next})
}
