package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"homeward/internal/locale"
)

// sessFlash is the session key of the confirmation waiting for the next page.
const sessFlash = "flash"

// flashNote is a confirmation as the session keeps it: message keys, translated when shown, so a
// language switched in between is honoured.
type flashNote struct {
	Key string `json:"key"` // what happened: an i18n key under "flash."
	// Params are the message's parameters, each an i18n key translated when shown (a stage's name).
	Params   map[string]string `json:"params,omitempty"`
	NextHref string            `json:"next_href,omitempty"` // the next step offered, if any
	NextKey  string            `json:"next_key,omitempty"`  // its label: an i18n key
}

// Flash is the one-line confirmation shown once at the top of the page after an action
// (layout.html, role=status), with the next step where there is one.
type Flash struct {
	Text      string
	NextHref  string
	NextLabel string
}

// done answers a successful POST: it keeps the confirmation key in the session and redirects
// (POST/redirect/GET); the next page shows it once.
func (s *Server) done(c echo.Context, to, key string) error {
	return s.doneNext(c, to, flashNote{Key: key})
}

// doneNext is done with a next step offered beside the confirmation.
func (s *Server) doneNext(c echo.Context, to string, n flashNote) error {
	b, err := json.Marshal(n)
	if err != nil {
		return err
	}
	s.sessions.Put(c.Request().Context(), sessFlash, string(b))
	return redirect(c, to)
}

// popFlash takes the waiting confirmation out of the session, translated; nil when none waits. It
// reads only on a full page GET of a signed-in session: an API call, a form's answer or an htmx
// fragment never swallows it.
func (s *Server) popFlash(c echo.Context, l *locale.Localizer) *Flash {
	r := c.Request()
	if r.Method != http.MethodGet || r.Header.Get("HX-Request") != "" || strings.HasPrefix(r.URL.Path, "/api/") {
		return nil
	}
	raw := s.sessions.PopString(r.Context(), sessFlash)
	if raw == "" {
		return nil
	}
	var n flashNote
	if err := json.Unmarshal([]byte(raw), &n); err != nil || n.Key == "" {
		return nil
	}
	args := make([]any, 0, 2*len(n.Params))
	for name, key := range n.Params {
		args = append(args, name, l.T(key))
	}
	f := &Flash{Text: l.T(n.Key, args...)}
	if n.NextHref != "" && n.NextKey != "" {
		f.NextHref, f.NextLabel = n.NextHref, l.T(n.NextKey)
	}
	return f
}
