package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"regexp"
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
	"join":   strings.Join,
	"static": staticURL, // static.go: the content-hashed URL of a file of web/static
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
	if err := partialsWithoutHTMX(); err != nil {
		return nil, err
	}
	for _, n := range names {
		if strings.HasSuffix(n, "/layout.html") {
			continue
		}
		text, err := fs.ReadFile(web.Files, n)
		if err != nil {
			return nil, err
		}
		// htmx is loaded only by the pages whose own file uses an hx- attribute (partials may not).
		usesHTMX := hxAttr.Match(text)
		funcs := template.FuncMap{"usesHTMX": func() bool { return usesHTMX }}
		t, err := template.New("layout.html").Funcs(templateFuncs).Funcs(formErrorFuncs).Funcs(funcs).ParseFS(web.Files, "templates/layout.html", "templates/partials/*.html", n)
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
	Flash      *Flash // the confirmation of the action just done, shown once (flash.go)
	// Resume is a form's input kept when the session expired, given back once (resume.go).
	Resume map[string][]string
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
	b.Flash = s.popFlash(c, l)
	s.takeResume(c, &b)
	if ag, err := s.Directory.Agency(c.Request().Context(), a.AgencyID); err == nil {
		b.AgencyName = ag.Name(l.Lang)
	}
	for _, n := range navLinks {
		if s.navShown(a, n) {
			b.Nav = append(b.Nav, NavItem{Href: n.href, Label: l.T(n.label), Current: strings.HasPrefix(b.Path, n.href)})
		}
	}
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

// hxAttr finds an htmx attribute (hx-get, hx-post, ...) in a template's text.
var hxAttr = regexp.MustCompile(`\shx-[a-z]`)

// partialsWithoutHTMX refuses an hx- attribute in a partial: htmx is loaded per page file
// (usesHTMX), so a partial using it would be dead on the pages that do not load it.
func partialsWithoutHTMX() error {
	names, err := fs.Glob(web.Files, "templates/partials/*.html")
	if err != nil {
		return err
	}
	for _, n := range names {
		text, err := fs.ReadFile(web.Files, n)
		if err != nil {
			return err
		}
		if hxAttr.Match(text) {
			return fmt.Errorf("%s uses htmx: put hx- attributes in page files, which load htmx", n)
		}
	}
	return nil
}
