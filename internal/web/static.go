package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/web"
)

// asset is one embedded static file, with the hash of its content.
type asset struct {
	name string // under static/, e.g. "app.css"
	data []byte
	hash string // the first 8 bytes of its SHA-256, in hex
}

// hashedName is the file's name with its hash before the extension: app.css -> app.<hash>.css.
func (a *asset) hashedName() string {
	ext := path.Ext(a.name)
	return strings.TrimSuffix(a.name, ext) + "." + a.hash + ext
}

// staticRoute is what a /static/ URL serves: the file, and whether the URL names its content.
type staticRoute struct {
	*asset
	immutable bool
}

type assetTable struct {
	byName map[string]*asset      // "app.css"
	byPath map[string]staticRoute // "/static/app.css", "/static/app.<hash>.css"
}

// assets are web/static's files, read and hashed once.
var assets = sync.OnceValues(func() (*assetTable, error) {
	t := &assetTable{byName: map[string]*asset{}, byPath: map[string]staticRoute{}}
	err := fs.WalkDir(web.Files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := web.Files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		a := &asset{name: strings.TrimPrefix(p, "static/"), data: data, hash: hex.EncodeToString(sum[:8])}
		t.byName[a.name] = a
		t.byPath["/static/"+a.name] = staticRoute{asset: a}
		t.byPath["/static/"+a.hashedName()] = staticRoute{asset: a, immutable: true}
		return nil
	})
	return t, err
})

// staticURL is the template func "static": the content-hashed URL of a static file. An unknown
// name fails the page's rendering (and the template tests), never a dead link.
func staticURL(name string) (string, error) {
	t, err := assets()
	if err != nil {
		return "", err
	}
	a, ok := t.byName[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + a.hashedName(), nil
}

// staticFiles serves web/static: files only, with their types. A content-hashed URL (from the
// "static" template func) is cached for a year and never revalidated; the plain name is
// revalidated on every use. Both carry the content hash as ETag and answer If-None-Match with
// 304. A directory (GET /static/ or /static/sub/), a missing file or an unknown hash is not
// found, so nothing lists what the folder holds.
func staticFiles() echo.HandlerFunc {
	return func(c echo.Context) error {
		t, err := assets()
		if err != nil {
			return err
		}
		r, ok := t.byPath[c.Request().URL.Path]
		if !ok {
			return echo.ErrNotFound
		}
		h := c.Response().Header()
		if r.immutable {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		h.Set("ETag", `"`+r.hash+`"`)
		if etagMatch(c.Request().Header.Get("If-None-Match"), r.hash) {
			c.Response().WriteHeader(http.StatusNotModified)
			return nil
		}
		http.ServeContent(c.Response(), c.Request(), r.name, time.Time{}, bytes.NewReader(r.data))
		return nil
	}
}

// etagMatch reports whether an If-None-Match value names the hash, by weak comparison (a
// compressed answer carries it as W/"hash").
func etagMatch(inm, hash string) bool {
	for _, tag := range strings.Split(inm, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == `"`+hash+`"` {
			return true
		}
	}
	return false
}
