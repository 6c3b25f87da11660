package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

var newTokenValue = regexp.MustCompile(`<code class="token-value">(hw_[A-Za-z0-9_-]+)</code>`)

// tokenIDByLabel returns the id of the user's token with label.
func tokenIDByLabel(t *testing.T, env *apptest.Env, email, label string) string {
	t.Helper()
	var id string
	if err := env.App.Hub.Raw(`SELECT t.id FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = ? AND t.label = ?`, email, label).
		Scan(&id).Error; err != nil || id == "" {
		t.Fatalf("no token %q of %s: %v", label, email, err)
	}
	return id
}

func TestTokensPage(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	c := env.Login(t, thWorker)
	page := base + "/settings/tokens"

	// Bad input: the form comes back with the input kept.
	for _, tc := range []struct{ label, days, field, key string }{
		{"", "30", "label", "form.error.required"},
		{"nightly export", "91", "days", "token.days_range"},
		{"nightly export", "zero", "days", "token.days_range"},
	} {
		res := postForm(t, c, page, page, url.Values{"label": {tc.label}, "days": {tc.days}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, message(t, res.Body, tc.key)) ||
			!strings.Contains(res.Body, `value="`+tc.days+`"`) {
			t.Errorf("label %q days %q: status %d: %s", tc.label, tc.days, res.Status, excerpt(res.Body))
		}
	}
	res := postForm(t, c, page, page, url.Values{"label": {"nightly export"}, "days": {"7"}})
	m := newTokenValue.FindStringSubmatch(res.Body)
	if res.Status != http.StatusCreated || m == nil {
		t.Fatalf("create: %d %s", res.Status, excerpt(res.Body))
	}
	token := m[1]
	if status, _ := apptest.API(t, http.MethodGet, base+"/api/v1/me", token, ""); status != http.StatusOK {
		t.Fatalf("new token: %d", status)
	}
	// Shown once: the list shows the label and status, never the value.
	_, body := apptest.Get(t, c, page)
	if strings.Contains(body, token) || !strings.Contains(body, "nightly export") || !strings.Contains(body, message(t, body, "token.status.active")) {
		t.Fatalf("token list: %s", excerpt(body))
	}
	id := tokenIDByLabel(t, env, thWorker, "nightly export")

	// Another user's token is not found, to look at or to revoke.
	other := env.Login(t, khWorker)
	if status, _ := apptest.Get(t, other, page+"/"+id+"/revoke"); status != http.StatusNotFound {
		t.Fatalf("another user's revoke page: %d", status)
	}
	if res := postForm(t, other, base+"/settings", page+"/"+id+"/revoke", url.Values{}); res.Status != http.StatusNotFound {
		t.Fatalf("another user revokes: %d", res.Status)
	}
	// The confirmation, then the revocation.
	if status, body := apptest.Get(t, c, page+"/"+id+"/revoke"); status != http.StatusOK || !strings.Contains(body, message(t, body, "token.revoke_warning")) {
		t.Fatalf("revoke page: %d %s", status, excerpt(body))
	}
	res = postForm(t, c, page, page+"/"+id+"/revoke", url.Values{})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/settings/tokens?revoked=1" {
		t.Fatalf("revoke: %d %q", res.Status, res.Header.Get("Location"))
	}
	if status, _ := apptest.API(t, http.MethodGet, base+"/api/v1/me", token, ""); status != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", status)
	}
	var audits int
	env.App.Hub.Raw(`SELECT count(*) FROM audit_log WHERE action IN ('token.create', 'token.revoke') AND entity_id = ?`, id).Scan(&audits)
	if audits != 2 {
		t.Fatalf("token audit rows = %d, want 2", audits)
	}

	// A role that requires MFA is sent to prove a second factor first.
	supUser, sup := enrolUser(t, env, "vichai.k@msdhs.example", "Vichai K", "th-msdhs-sakaeo", "lantern ferry ochre 42", "supervisor")
	withTOTP(t, env, supUser.ID)
	res = postForm(t, sup, page, page, url.Values{"label": {"x"}, "days": {"7"}})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/mfa/verify?next=/settings/tokens" {
		t.Fatalf("supervisor without a recent second factor: %d %q", res.Status, res.Header.Get("Location"))
	}
}

func TestTokensAPI(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	token := env.Token(t, thWorker)

	status, body := apptest.API(t, http.MethodPost, base+"/api/v1/me/tokens", token, `{"label": "sync", "days": 91}`)
	if e := decodeError(t, body); status != http.StatusUnprocessableEntity || e.Error.Fields["days"] != "token.days_range" {
		t.Fatalf("91 days: %d %s", status, body)
	}
	status, body = apptest.API(t, http.MethodPost, base+"/api/v1/me/tokens", token, `{"label": "sync", "days": 10}`)
	var created struct {
		Token string `json:"token"`
		Item  struct {
			ID, Label, Status string
		} `json:"item"`
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil || status != http.StatusCreated || created.Item.Status != "active" || created.Item.Label != "sync" {
		t.Fatalf("create: %d %s", status, body)
	}
	status, body = apptest.API(t, http.MethodGet, base+"/api/v1/me/tokens", created.Token, "")
	if status != http.StatusOK || !strings.Contains(body, created.Item.ID) || strings.Contains(body, "hw_") {
		t.Fatalf("list: %d %s", status, body)
	}
	// Another user's token id is not found.
	khToken := env.Token(t, khWorker)
	if status, body := apptest.API(t, http.MethodDelete, base+"/api/v1/me/tokens/"+created.Item.ID, khToken, ""); status != http.StatusNotFound {
		t.Fatalf("another user's token: %d %s", status, body)
	}
	if status, _ := apptest.API(t, http.MethodDelete, base+"/api/v1/me/tokens/"+created.Item.ID, token, ""); status != http.StatusNoContent {
		t.Fatalf("revoke: %d", status)
	}
	if status, _ := apptest.API(t, http.MethodGet, base+"/api/v1/me", created.Token, ""); status != http.StatusUnauthorized {
		t.Fatalf("revoked: %d", status)
	}
	// An expired token is unauthenticated.
	if err := env.App.Hub.Exec(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = sha256(convert_to(?, 'UTF8'))`, token).Error; err != nil {
		t.Fatal(err)
	}
	status, body = apptest.API(t, http.MethodGet, base+"/api/v1/me/tokens", token, "")
	if status != http.StatusUnauthorized || decodeError(t, body).Error.Code != "unauthenticated" {
		t.Fatalf("expired token: %d %s", status, body)
	}
	// A role that requires MFA cannot mint tokens with a bearer token.
	enrolUser(t, env, "vichai.k@msdhs.example", "Vichai K", "th-msdhs-sakaeo", "lantern ferry ochre 42", "supervisor")
	supToken := env.Token(t, "vichai.k@msdhs.example")
	status, body = apptest.API(t, http.MethodPost, base+"/api/v1/me/tokens", supToken, `{"label": "more"}`)
	if e := decodeError(t, body); status != http.StatusUnprocessableEntity || e.Error.Fields["mfa"] != "mfa.required" {
		t.Fatalf("supervisor mints a token: %d %s", status, body)
	}
}
