package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

// wire is one answer as it came over the wire: status, headers, the raw (maybe compressed) body,
// and the bytes the status line, headers and body took.
type wire struct {
	Status int
	Header http.Header
	Raw    []byte
	Bytes  int
}

// fetch sends method u with Accept-Encoding set to enc ("identity" to refuse compression) and
// the extra headers, and keeps the body as it was sent.
func fetch(t *testing.T, c *http.Client, method, u, enc string, hdr ...string) wire {
	t.Helper()
	if c == nil {
		c = apptest.Client()
	}
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", enc) // set by hand: the transport then does not decompress
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var h bytes.Buffer
	_ = res.Header.Write(&h)
	return wire{Status: res.StatusCode, Header: res.Header, Raw: raw, Bytes: len(res.Proto) + 1 + len(res.Status) + 2 + h.Len() + 2 + len(raw)}
}

// plain is the body decoded: gunzipped when the answer says gzip.
func (w wire) plain(t *testing.T) string {
	t.Helper()
	if w.Header.Get("Content-Encoding") != "gzip" {
		return string(w.Raw)
	}
	zr, err := gzip.NewReader(bytes.NewReader(w.Raw))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var staticRef = regexp.MustCompile(`(?:href|src)="(/static/[^"]*)"`)

// hashedStatic is a content-hashed static URL: name.<16 hex>.ext.
var hashedStatic = regexp.MustCompile(`^/static/[A-Za-z0-9_./-]+\.[0-9a-f]{16}\.[a-z]+$`)

// TestLightGzip: a page, a JSON answer and a CSV are gzip-encoded when the client accepts gzip and
// decode to what is sent without it; an XLSX download is never compressed; Vary names
// Accept-Encoding.
func TestLightGzip(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	c := env.Login(t, thWorker)
	tok := env.Token(t, thWorker)
	for _, tt := range []struct {
		name, path string
		client     *http.Client
		hdr        []string
	}{
		{"page", "/cases", c, nil},
		{"sign-in page", "/login", apptest.Client(), nil},
		{"json", "/api/v1/cases", nil, []string{"Authorization", "Bearer " + tok}},
		{"openapi json", "/api/v1/openapi.json", nil, nil},
		{"css", "/static/app.css", nil, nil},
	} {
		gz := fetch(t, tt.client, http.MethodGet, base+tt.path, "gzip, deflate", tt.hdr...)
		id := fetch(t, tt.client, http.MethodGet, base+tt.path, "identity", tt.hdr...)
		if gz.Status != 200 || id.Status != 200 {
			t.Fatalf("%s: status %d / %d", tt.name, gz.Status, id.Status)
		}
		if gz.Header.Get("Content-Encoding") != "gzip" || id.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: Content-Encoding %q with gzip, %q without", tt.name, gz.Header.Get("Content-Encoding"), id.Header.Get("Content-Encoding"))
		}
		if !strings.Contains(strings.Join(gz.Header.Values("Vary"), ","), "Accept-Encoding") ||
			!strings.Contains(strings.Join(id.Header.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("%s: Vary %q / %q, want Accept-Encoding", tt.name, gz.Header.Values("Vary"), id.Header.Values("Vary"))
		}
		if gz.plain(t) != string(id.Raw) {
			t.Errorf("%s: the gzipped body does not decode to the plain one", tt.name)
		}
		if len(gz.Raw) >= len(id.Raw) || gz.Header.Get("Content-Type") != id.Header.Get("Content-Type") {
			t.Errorf("%s: %d bytes gzipped vs %d, types %q / %q", tt.name, len(gz.Raw), len(id.Raw),
				gz.Header.Get("Content-Type"), id.Header.Get("Content-Type"))
		}
	}
	// q=0 refuses gzip.
	if w := fetch(t, c, http.MethodGet, base+"/cases", "gzip;q=0, identity"); w.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0: Content-Encoding %q", w.Header.Get("Content-Encoding"))
	}
	// An XLSX (a ZIP) is sent as it is, and is whole.
	op := env.Login(t, thWorker)
	x := fetch(t, op, http.MethodGet, base+"/imports/template.xlsx", "gzip")
	if x.Status != 200 || x.Header.Get("Content-Encoding") != "" || !bytes.HasPrefix(x.Raw, []byte("PK")) {
		t.Errorf("xlsx: %d Content-Encoding %q, starts %q", x.Status, x.Header.Get("Content-Encoding"), x.Raw[:min(4, len(x.Raw))])
	}
	if cl := x.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(x.Raw)) {
		t.Errorf("xlsx: Content-Length %s for %d bytes", cl, len(x.Raw))
	}
}

// TestLightStatic: the layout links static files by their hashed URLs only; those are cached for a
// year as immutable, with the file's type and content; an unknown hash is not found; the plain
// URL is revalidated with the ETag, and If-None-Match answers 304.
func TestLightStatic(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	for _, page := range []struct {
		path   string
		client *http.Client
	}{{"/login", apptest.Client()}, {"/cases", env.Login(t, thWorker)}} {
		html := fetch(t, page.client, http.MethodGet, base+page.path, "gzip").plain(t)
		refs := staticRef.FindAllStringSubmatch(html, -1)
		if len(refs) == 0 || strings.Contains(html, `"/static/app.css"`) {
			t.Fatalf("%s: static references %q", page.path, refs)
		}
		for _, m := range refs {
			if !hashedStatic.MatchString(m[1]) {
				t.Errorf("%s: %s is not a content-hashed URL", page.path, m[1])
			}
		}
	}
	html := fetch(t, nil, http.MethodGet, base+"/login", "identity").plain(t)
	css := staticRef.FindStringSubmatch(html)[1]
	if !strings.HasPrefix(css, "/static/app.") || !strings.HasSuffix(css, ".css") {
		t.Fatalf("first static reference %q, want app.css", css)
	}
	hashed := fetch(t, nil, http.MethodGet, base+css, "identity")
	plain := fetch(t, nil, http.MethodGet, base+"/static/app.css", "identity")
	if hashed.Status != 200 || hashed.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		!strings.HasPrefix(hashed.Header.Get("Content-Type"), "text/css") {
		t.Errorf("hashed %s: %d Cache-Control %q Content-Type %q", css, hashed.Status, hashed.Header.Get("Cache-Control"), hashed.Header.Get("Content-Type"))
	}
	if plain.Status != 200 || plain.Header.Get("Cache-Control") != "no-cache" || string(plain.Raw) != string(hashed.Raw) {
		t.Errorf("plain app.css: %d Cache-Control %q, same content %v", plain.Status, plain.Header.Get("Cache-Control"), string(plain.Raw) == string(hashed.Raw))
	}
	js := fetch(t, nil, http.MethodGet, base+"/static/htmx.min.js", "identity")
	if !strings.Contains(js.Header.Get("Content-Type"), "javascript") {
		t.Errorf("htmx.min.js: Content-Type %q", js.Header.Get("Content-Type"))
	}
	// An unknown or stale hash, or a hash on a name that does not exist, is not found.
	for _, p := range []string{"/static/app.0123456789abcdef.css", "/static/app..css", "/static/nothing.0123456789abcdef.css",
		strings.Replace(css, "/static/app.", "/static/handover.", 1)} {
		if w := fetch(t, nil, http.MethodGet, base+p, "identity"); w.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, w.Status)
		}
	}
	// ETag: the hash, on both URLs; If-None-Match (strong, weak or in a list) answers 304 with no
	// body; another tag gets the file.
	etag := plain.Header.Get("ETag")
	if etag == "" || hashed.Header.Get("ETag") != etag || !strings.Contains(css, strings.Trim(etag, `"`)) {
		t.Fatalf("ETag %q (hashed %q), URL %s", etag, hashed.Header.Get("ETag"), css)
	}
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag} {
		for _, u := range []string{"/static/app.css", css} {
			w := fetch(t, nil, http.MethodGet, base+u, "gzip", "If-None-Match", inm)
			if w.Status != http.StatusNotModified || len(w.Raw) != 0 {
				t.Errorf("%s If-None-Match %s: %d with %d bytes, want 304", u, inm, w.Status, len(w.Raw))
			}
		}
	}
	if w := fetch(t, nil, http.MethodGet, base+"/static/app.css", "identity", "If-None-Match", `"other"`); w.Status != 200 {
		t.Errorf("If-None-Match other: %d", w.Status)
	}
	// Compressed, the tag is weak (another representation) and still revalidates.
	gz := fetch(t, nil, http.MethodGet, base+"/static/app.css", "gzip")
	if gz.Header.Get("ETag") != "W/"+etag {
		t.Errorf("gzipped ETag %q, want W/%s", gz.Header.Get("ETag"), etag)
	}
	if w := fetch(t, nil, http.MethodGet, base+"/static/app.css", "gzip", "If-None-Match", gz.Header.Get("ETag")); w.Status != http.StatusNotModified {
		t.Errorf("If-None-Match %s: %d, want 304", gz.Header.Get("ETag"), w.Status)
	}
}

// TestLightHead: HEAD answers as GET does, without a body: pages and static files 200 with the
// same type (and Content-Length); the access rules are GET's.
func TestLightHead(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	worker := env.Login(t, thWorker)
	for _, tt := range []struct {
		path   string
		client *http.Client
		enc    string
	}{
		{"/login", apptest.Client(), "identity"},
		{"/cases", worker, "gzip"},
		{"/static/app.css", nil, "identity"},
		{"/static/app.css", nil, "gzip"},
		{"/api/v1/openapi.json", nil, "gzip"},
	} {
		get := fetch(t, tt.client, http.MethodGet, base+tt.path, tt.enc)
		head := fetch(t, tt.client, http.MethodHead, base+tt.path, tt.enc)
		if head.Status != 200 || len(head.Raw) != 0 {
			t.Errorf("HEAD %s (%s): %d with %d bytes, want 200 and no body", tt.path, tt.enc, head.Status, len(head.Raw))
		}
		for _, h := range []string{"Content-Type", "Content-Encoding", "Cache-Control"} {
			if head.Header.Get(h) != get.Header.Get(h) {
				t.Errorf("HEAD %s (%s): %s %q, GET has %q", tt.path, tt.enc, h, head.Header.Get(h), get.Header.Get(h))
			}
		}
		if tt.enc == "identity" && head.Header.Get("Content-Length") != strconv.Itoa(len(get.Raw)) {
			t.Errorf("HEAD %s: Content-Length %q, GET sends %d bytes", tt.path, head.Header.Get("Content-Length"), len(get.Raw))
		}
	}
	// Not signed in: to the sign-in page; without the section: not found, as for GET.
	if w := fetch(t, nil, http.MethodHead, base+"/cases", "identity"); w.Status != http.StatusSeeOther || !strings.HasPrefix(w.Header.Get("Location"), "/login") {
		t.Errorf("HEAD /cases signed out: %d Location %q, want 303 /login", w.Status, w.Header.Get("Location"))
	}
	if w := fetch(t, env.Login(t, thAuditor), http.MethodHead, base+"/cases", "identity"); w.Status != http.StatusNotFound || len(w.Raw) != 0 {
		t.Errorf("HEAD /cases as the auditor: %d (%d bytes), want 404", w.Status, len(w.Raw))
	}
	if w := fetch(t, nil, http.MethodHead, base+"/static/nothing.css", "identity"); w.Status != http.StatusNotFound || len(w.Raw) != 0 {
		t.Errorf("HEAD unknown static file: %d (%d bytes), want 404", w.Status, len(w.Raw))
	}
}

// TestLightHTMX: htmx is loaded by the pages that use hx- attributes (the import page) and not by
// the others.
func TestLightHTMX(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	c := env.Login(t, thWorker)
	for path, want := range map[string]bool{
		"/login": false, "/cases": false, "/settings": false,
		"/operations/" + thOperationID(t, env) + "/import": true,
	} {
		client := c
		if path == "/login" {
			client = apptest.Client()
		}
		w := fetch(t, client, http.MethodGet, base+path, "gzip")
		html := w.plain(t)
		if w.Status != 200 {
			t.Fatalf("%s: %d", path, w.Status)
		}
		if uses, loads := strings.Contains(html, " hx-"), strings.Contains(html, "htmx.min."); uses != want || loads != want {
			t.Errorf("%s: hx- attributes %v, loads htmx %v; want %v", path, uses, loads, want)
		}
	}
}

// TestLightPageWeight measures the first load of the sign-in page and of the caseworker's case list
// over the wire, gzip accepted: cold (the page and every static file it links) under 30 KB, warm
// (the page alone: its hashed assets are immutable in the cache) under 8 KB.
func TestLightPageWeight(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	for _, page := range []struct {
		path   string
		client *http.Client
	}{{"/login", apptest.Client()}, {"/cases", env.Login(t, thWorker)}} {
		w := fetch(t, page.client, http.MethodGet, base+page.path, "gzip, deflate, br")
		if w.Status != 200 || w.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: %d Content-Encoding %q", page.path, w.Status, w.Header.Get("Content-Encoding"))
		}
		warm, cold := w.Bytes, w.Bytes
		for _, m := range staticRef.FindAllStringSubmatch(w.plain(t), -1) {
			a := fetch(t, page.client, http.MethodGet, base+m[1], "gzip, deflate, br")
			if a.Status != 200 || !strings.Contains(a.Header.Get("Cache-Control"), "immutable") {
				t.Errorf("%s: %d Cache-Control %q", m[1], a.Status, a.Header.Get("Cache-Control"))
			}
			cold += a.Bytes
		}
		t.Logf("%s: cold %d bytes, warm %d bytes (page %d bytes uncompressed)", page.path, cold, warm, len(w.plain(t)))
		if cold >= 30*1024 || warm >= 8*1024 {
			t.Errorf("%s: cold %d bytes (want < 30 KB), warm %d bytes (want < 8 KB)", page.path, cold, warm)
		}
	}
}
