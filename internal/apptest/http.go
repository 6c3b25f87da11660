package apptest

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func newJar() http.CookieJar {
	jar, _ := cookiejar.New(nil)
	return jar
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

// CSRF fetches a page and returns its CSRF token.
func CSRF(tb testing.TB, c *http.Client, pageURL string) string {
	tb.Helper()
	res, err := c.Get(pageURL)
	if err != nil {
		tb.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfField.FindSubmatch(body)
	if m == nil {
		tb.Fatalf("no CSRF token on %s (status %d)", pageURL, res.StatusCode)
	}
	return string(m[1])
}

// PostForm posts a form with the CSRF token of the page at from.
func PostForm(tb testing.TB, c *http.Client, from, to string, form url.Values) *http.Response {
	tb.Helper()
	form.Set("_csrf", CSRF(tb, c, from))
	res, err := c.PostForm(to, form)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// Login signs a demo user in on a fresh client.
func (e *Env) Login(tb testing.TB, email string) *http.Client {
	tb.Helper()
	c := Client()
	res := PostForm(tb, c, e.URL()+"/login", e.URL()+"/login", url.Values{"email": {email}, "password": {"homeward-demo"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		tb.Fatalf("login %s: status %d", email, res.StatusCode)
	}
	return c
}

// Get fetches a URL and returns status and body.
func Get(tb testing.TB, c *http.Client, u string) (int, string) {
	tb.Helper()
	res, err := c.Get(u)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// API sends a JSON API request with a bearer token and returns status and body.
func API(tb testing.TB, method, u, token, body string) (int, string) {
	tb.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
