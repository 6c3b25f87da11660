package resume

import "testing"

// TestSecretAndSafePath: secrets are never kept; only paths of this site are pages to return to.
func TestSecretAndSafePath(t *testing.T) {
	for name, want := range map[string]bool{"_csrf": true, "password": true, "new_password": true, "code": true,
		"api_token": true, "recovery_code": true, "given_name": false, "note": false, "birth_date": false} {
		if Secret(name) != want {
			t.Errorf("Secret(%q) = %v", name, !want)
		}
	}
	for p, want := range map[string]bool{"/cases/new": true, "/cases?stage=x": true, "/": true, "//evil.example": false,
		"https://evil.example": false, "/\\evil": false, "/login?next=/x": false, "/api/v1/me": false, "cases": false, "/a\r\nb": false} {
		if SafePath(p) != want {
			t.Errorf("SafePath(%q) = %v", p, !want)
		}
	}
	for _, c := range []string{"", "x", "a.b", "AAAAAAAAAAAAAAAAAAAAAA.short"} {
		if _, _, ok := parse(c); ok {
			t.Errorf("parse(%q) accepted", c)
		}
	}
}
