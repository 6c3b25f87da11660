package directory_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"homeward/internal/apptest"
	"homeward/internal/authz"
)

// TestTokenActorReadsAfreshEachRequest: the token's actor is read in one statement on every request,
// so revoking the token, disabling the user or removing the membership stops the next API call.
func TestTokenActorReadsAfreshEachRequest(t *testing.T) {
	env := apptest.New(t)
	ctx, dir := context.Background(), env.App.Directory
	th := env.Actor(t, thAdmin)
	const email = "caseworker@th-msdhs-sakaeo.demo"
	id := userID(t, env, email)
	list := env.URL() + "/api/v1/cases?limit=5"

	t.Run("the actor is the one the session path builds", func(t *testing.T) {
		tok := env.Token(t, email)
		a, err := dir.TokenActor(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		want, err := dir.Actor(ctx, id, "")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, a, cmp.Comparer(func(x, y *authz.Policy) bool { return x == y })); diff != "" {
			t.Errorf("token actor (-first agency +token):\n%s", diff)
		}
		byAgency, err := dir.Actor(ctx, id, a.AgencyID)
		if err != nil || !cmp.Equal(byAgency, a, cmp.Comparer(func(x, y *authz.Policy) bool { return x == y })) {
			t.Errorf("Actor(user, agency) = %+v, %v; want %+v", byAgency, err, a)
		}
	})
	t.Run("revoked", func(t *testing.T) {
		tok := env.Token(t, email)
		if status, body := apptest.API(t, http.MethodGet, list, tok, ""); status != http.StatusOK {
			t.Fatalf("before: %d %s", status, body)
		}
		if err := dir.RevokeTokenValue(ctx, id, tok); err != nil {
			t.Fatal(err)
		}
		if status, _ := apptest.API(t, http.MethodGet, list, tok, ""); status != http.StatusUnauthorized {
			t.Errorf("revoked token: status %d, want 401", status)
		}
	})
	t.Run("membership removed", func(t *testing.T) {
		tok := env.Token(t, email)
		a, err := dir.TokenActor(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if err := env.App.Hub.Exec(`DELETE FROM memberships WHERE user_id = ? AND agency_id = ?`, id, a.AgencyID).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := dir.TokenActor(ctx, tok); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("token of a user no longer in the agency = %v", err)
		}
		if _, err := dir.Actor(ctx, id, a.AgencyID); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("session actor of a user no longer in the agency = %v", err)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		const other = "supervisor@th-msdhs-sakaeo.demo"
		oid := userID(t, env, other)
		tok := env.Token(t, other)
		a, err := dir.TokenActor(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if err := dir.AdminSetDisabled(ctx, th, oid, true); err != nil {
			t.Fatal(err)
		}
		if status, _ := apptest.API(t, http.MethodGet, list, tok, ""); status != http.StatusUnauthorized {
			t.Errorf("token of a disabled user: status %d, want 401", status)
		}
		if _, err := dir.Actor(ctx, oid, a.AgencyID); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("session actor of a disabled user = %v", err)
		}
	})
}
