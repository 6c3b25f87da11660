package directory

import (
	"context"
	"strings"
)

// The second step of sign-in (a TOTP or recovery code, or a passkey) is throttled with the
// password: a wrong second factor counts as a failed sign-in of the account (user:EMAIL) and of the
// address (addr:ADDR), and while either must wait, the second step is refused like the first.

func signInKeys(email, addr string) []string {
	return []string{"user:" + strings.ToLower(strings.TrimSpace(email)), "addr:" + addr}
}

// CheckSecondStep returns ErrThrottled while the account or the address must wait.
func (s *Service) CheckSecondStep(ctx context.Context, email, addr string) error {
	return s.checkThrottle(ctx, signInKeys(email, addr))
}

// SecondStepFailed records a refused second factor as a failed sign-in (audited "auth.signin_failed").
func (s *Service) SecondStepFailed(ctx context.Context, email, addr string) error {
	keys := signInKeys(email, addr)
	return s.recordFailure(ctx, keys, strings.TrimPrefix(keys[0], "user:"), addr)
}

// SecondStepPassed clears the account's failures: the sign-in is complete.
func (s *Service) SecondStepPassed(ctx context.Context, email string) error {
	return s.db.WithContext(ctx).Exec(`DELETE FROM login_failures WHERE key = ?`, signInKeys(email, "")[0]).Error
}
