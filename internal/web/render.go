package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/locale"
	"homeward/web"
)

// pages are the parsed templates: each page file with the layout.
type pages struct {
	byName map[string]*template.Template
}

var templateFuncs = template.FuncMap{
	"join": strings.Join,
	"deref": func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	},
}

func loadPages() (*pages, error) {
	p := &pages{byName: map[string]*template.Template{}}
	names, err := fs.Glob(web.Files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if strings.HasSuffix(n, "/layout.html") {
			continue
		}
		t, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(web.Files, "templates/layout.html", "templates/partials/*.html", n)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		p.byName[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return p, nil
}

// NavItem is a link in the top bar.
type NavItem struct {
	Href, Label string
	Current     bool
}

// LangItem is a choice in the language switcher.
type LangItem struct {
	Code, Name string
	Current    bool
}

// Base is what every page's view model carries.
type Base struct {
	L          *locale.Localizer
	Actor      *authz.Actor
	AgencyName string
	CSRF       string
	Path       string
	Nav        []NavItem
	Langs      []LangItem
}

func (s *Server) base(c echo.Context) Base {
	l := localizerOf(c)
	b := Base{L: l, Actor: actorOf(c), Path: c.Request().URL.Path}
	b.CSRF, _ = c.Get(keyCSRF).(string)
	for _, code := range locale.Supported {
		b.Langs = append(b.Langs, LangItem{Code: code, Name: l.T("lang." + code), Current: code == l.Lang})
	}
	a := b.Actor
	if a == nil {
		return b
	}
	if ag, err := s.Directory.Agency(c.Request().Context(), a.AgencyID); err == nil {
		b.AgencyName = ag.Name(l.Lang)
	}
	add := func(href, key string, ok bool) {
		if ok {
			b.Nav = append(b.Nav, NavItem{Href: href, Label: l.T(key), Current: strings.HasPrefix(b.Path, href)})
		}
	}
	add("/cases", "nav.cases", a.HasStore() && a.Can(authz.SectionCases, authz.ActionRead))
	add("/operations", "nav.operations", a.HasStore() && a.Can(authz.SectionOperations, authz.ActionRead))
	add("/inbox", "nav.inbox", a.Can(authz.SectionInbox, authz.ActionRead))
	add("/repatriation/overdue", "repatriation.overdue.nav", a.HasStore() && a.Can(authz.SectionApprovals, authz.ActionApprove))
	add("/handover/batches", "handover.nav", a.HasStore() && a.Can(authz.SectionRepatriation, authz.ActionRead))
	add("/reports", "nav.reports", a.HasStore() && a.Can(authz.SectionReports, authz.ActionRead))
	add("/admin", "admin.nav", a.HasStore() && a.Can(authz.SectionDirectory, authz.ActionRead))
	add("/settings", "nav.settings", true)
	return b
}

// render writes a page with status.
func (s *Server) render(c echo.Context, status int, name string, data any) error {
	t, ok := s.pages.byName[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// redirect answers a POST with 303 See Other (POST/redirect/GET).
func redirect(c echo.Context, to string) error { return c.Redirect(http.StatusSeeOther, to) }
