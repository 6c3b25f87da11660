package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"homeward/internal/directory"
	"homeward/internal/locale"
)

// notifyField is the e-mail digest setting of /settings: its options, the one chosen marked.
type notifyField struct {
	Options []notifyOption
}

type notifyOption struct {
	Value, Label string
	Checked      bool
}

// notifyOptions lists the digest settings in l's language with mode chosen.
func notifyOptions(l *locale.Localizer, mode string) notifyField {
	labels := map[string]string{"off": l.T("settings.notify.off"), "daily": l.T("settings.notify.daily"),
		"immediate": l.T("settings.notify.immediate")}
	var f notifyField
	for _, m := range directory.NotifyModes {
		f.Options = append(f.Options, notifyOption{Value: m, Label: labels[m], Checked: m == mode})
	}
	return f
}

// saveNotify stores the digest setting of the settings form (kept as it is when the form has none);
// an unknown value re-renders the form with 422, its input kept, and nothing stored: rendered
// then reports that the response is written.
func (s *Server) saveNotify(c echo.Context) (rendered bool, err error) {
	mode := c.FormValue("notify")
	if mode == "" {
		return false, nil
	}
	err = s.Directory.SetNotify(c.Request().Context(), actorOf(c), mode)
	if !errors.Is(err, directory.ErrInvalid) {
		return false, err
	}
	b := s.base(c)
	errs := map[string]string{"notify": b.L.T("settings.notify.invalid")}
	p := settingsPage{Base: b, BuddhistEra: c.FormValue("buddhist_era") == "on", Notify: notifyOptions(b.L, mode), Errors: errs}
	return true, s.render(c, http.StatusUnprocessableEntity, "settings", p)
}
