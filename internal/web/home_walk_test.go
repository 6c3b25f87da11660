package web_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/demo"
)

var (
	// navBlock is the main navigation of the layout; hrefOf a link in it or on the page.
	navBlock = regexp.MustCompile(`(?s)<nav class="topbar-nav"[^>]*>(.*?)</nav>`)
	hrefOf   = regexp.MustCompile(`<a [^>]*href="(/[^"]*)"`)
	uuidIn   = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
)

// follow GETs path as c, following redirects within the app, and returns the final path, status
// and body; a redirect to the sign-in page is reported as such (status 401).
func follow(t *testing.T, c *http.Client, base, path string) (string, int, string) {
	t.Helper()
	for range 5 {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res := send(t, c, req)
		if res.Status != http.StatusSeeOther && res.Status != http.StatusFound {
			return path, res.Status, res.Body
		}
		path = res.Header.Get("Location")
		if path == "/login" {
			return path, http.StatusUnauthorized, res.Body
		}
	}
	t.Fatalf("%s: too many redirects", path)
	return "", 0, ""
}

// TestEveryRoleHasAHome signs in as every demo user (every role, both countries, embassies and
// NGOs), opens the home page and follows every navigation link and every link of the home page
// (one of each shape: ids replaced), failing on any 404, 500 or sign-in. The links are read from
// the rendered page, so links other pages add are walked too. GET /api/v1/dashboard answers each.
func TestEveryRoleHasAHome(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	for _, line := range demo.Users() {
		email, _, _ := strings.Cut(line, " ")
		t.Run(email, func(t *testing.T) {
			c := env.Login(t, email)
			final, status, body := follow(t, c, base, "/")
			if status != http.StatusOK {
				t.Fatalf("home: %s answered %d: %s", final, status, excerpt(body))
			}
			nav := navBlock.FindStringSubmatch(body)
			if nav == nil {
				t.Fatalf("home %s has no navigation: %s", final, excerpt(body))
			}
			links := hrefOf.FindAllStringSubmatch(nav[1], -1)
			if len(links) == 0 {
				t.Fatalf("home %s has no navigation link", final)
			}
			navLinks := len(links)
			links = append(links, hrefOf.FindAllStringSubmatch(body, -1)...)
			shapes := map[string]bool{}
			walked := 0
			for i, m := range links {
				href := html.UnescapeString(m[1])
				shape := uuidIn.ReplaceAllString(href, ":id")
				if strings.HasPrefix(href, "/static/") || shapes[shape] {
					continue
				}
				shapes[shape] = true
				at, status, body := follow(t, c, base, href)
				walked++
				if status == http.StatusNotFound || status >= 500 || status == http.StatusUnauthorized {
					t.Errorf("link %s (navigation: %v) -> %s: %d %s", href, i < navLinks, at, status, excerpt(body))
				}
			}
			t.Logf("%s: home %s, %d navigation links, %d links walked", email, final, navLinks, walked)
			// The API's home too.
			if code, out := apptest.API(t, http.MethodGet, base+"/api/v1/dashboard", env.Token(t, email), ""); code != http.StatusOK {
				t.Errorf("GET /api/v1/dashboard: %d %s", code, excerpt(out))
			}
		})
	}
}
