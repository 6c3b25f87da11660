package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/jobs"
	"homeward/internal/problem"
)

// adminJobsPage is /admin/jobs: the failed background jobs of the admin's country store.
type adminJobsPage struct {
	Base
	Country string
	Items   []adminJobView
	NextURL string
}

// adminJobView is a failed job with its kind and state in the reader's language.
type adminJobView struct {
	jobs.FailedJob
	KindLabel, StateLabel, At string
}

func (s *Server) adminJobs(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	q := jobs.FailedQuery{Country: c.QueryParam("country"), Cursor: c.QueryParam("cursor")}
	page, err := s.Services.Jobs.Failed(ctx, a, q)
	if _, bad := problem.AsInvalid(err); bad {
		q.Cursor = "" // a cursor from an old link: the first page
		page, err = s.Services.Jobs.Failed(ctx, a, q)
	}
	if err != nil {
		return err
	}
	v := adminJobsPage{Base: s.base(c), Country: page.Country}
	for _, j := range page.Items {
		v.Items = append(v.Items, adminJobView{FailedJob: j, KindLabel: v.L.T("jobs.kind." + j.Kind),
			StateLabel: v.L.T("jobs.state." + j.State), At: v.L.DateTime(j.At)})
	}
	if page.NextCursor != "" {
		v.NextURL = "/admin/jobs?" + url.Values{"country": {page.Country}, "cursor": {page.NextCursor}}.Encode()
	}
	return s.render(c, http.StatusOK, "admin_jobs", v)
}

// adminJobJSON is a failed job as the admin API returns it.
type adminJobJSON struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	State       string    `json:"state"`
	Attempt     int       `json:"attempt"`
	MaxAttempts int       `json:"max_attempts"`
	Error       string    `json:"error"`
	At          time.Time `json:"at"`
}

type adminJobListJSON struct {
	Country    string         `json:"country"`
	Items      []adminJobJSON `json:"items"`
	NextCursor *string        `json:"next_cursor"`
}

func (s *Server) apiAdminJobs(c echo.Context) error {
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	page, err := s.Services.Jobs.Failed(c.Request().Context(), actorOf(c),
		jobs.FailedQuery{Country: c.QueryParam("country"), Cursor: c.QueryParam("cursor"), Limit: limit})
	if err != nil {
		return err
	}
	out := adminJobListJSON{Country: page.Country, Items: []adminJobJSON{}}
	for _, j := range page.Items {
		out.Items = append(out.Items, adminJobJSON{ID: j.ID, Kind: j.Kind, State: j.State, Attempt: j.Attempt,
			MaxAttempts: j.MaxAttempts, Error: j.Error, At: j.At})
	}
	if page.NextCursor != "" {
		out.NextCursor = &page.NextCursor
	}
	return c.JSON(http.StatusOK, out)
}
