package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"homeward/internal/apptest"
)

// TestAccountIsolation: a user's API token and session are not found for every other user — another
// country's or the same agency's, admins and auditors included — with the very answer of an id
// that never existed; and nothing is revoked or ended.
func TestAccountIsolation(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	tokenID, sessionID := walkAccountIDs(t, env, thWorker)
	viewers := []string{khWorker, thSupervisor, thAdmin, "country_admin@kh-mosvy-poipet.demo", thAuditor,
		"auditor@kh-mosvy-poipet.demo", thAnalyst, thPolice, thEmbassy, ngoWorker}
	for _, viewer := range viewers {
		t.Run(viewer, func(t *testing.T) {
			tok := env.Token(t, viewer)
			_, generic := apptest.API(t, http.MethodDelete, base+"/api/v1/me/tokens/"+noSuchCaseID, tok, "")
			if status, body := apptest.API(t, http.MethodDelete, base+"/api/v1/me/tokens/"+tokenID, tok, ""); status != http.StatusNotFound || withoutRequestID(body) != withoutRequestID(generic) {
				t.Errorf("DELETE another user's token: %d %s, want 404 %s", status, body, generic)
			}
			c := env.Login(t, viewer)
			for _, path := range []string{"/settings/tokens/" + tokenID + "/revoke", "/settings/sessions/" + sessionID + "/end"} {
				if status, _ := apptest.Get(t, c, base+path); status != http.StatusNotFound {
					t.Errorf("GET %s: %d, want 404", path, status)
				}
				if res := postForm(t, c, base+"/settings", base+path, url.Values{}); res.Status != http.StatusNotFound {
					t.Errorf("POST %s: %d, want 404", path, res.Status)
				}
			}
		})
	}
	var live int
	env.App.Hub.Raw(`SELECT (SELECT count(*) FROM api_tokens WHERE id = ? AND revoked_at IS NULL) + (SELECT count(*) FROM user_sessions WHERE id = ? AND ended_at IS NULL)`,
		tokenID, sessionID).Scan(&live)
	if live != 2 {
		t.Fatalf("the owner's token and session: %d live, want 2", live)
	}
}
