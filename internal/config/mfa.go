package config

// MFARoles are the membership roles that require a second factor (TOTP or a passkey): a user
// holding one of them in any agency reaches no page but MFA setup until a factor is enrolled,
// and signs in with the factor after the password. This is the one list; demo users are exempt.
var MFARoles = []string{"supervisor", "country_admin", "auditor", "embassy_officer"}

// MFARequired reports whether any of roles requires a second factor. A supervisor membership at a
// police agency (the police_supervisor matrix row) is a "supervisor" membership, so it is covered.
func MFARequired(roles ...string) bool {
	for _, r := range roles {
		for _, m := range MFARoles {
			if r == m {
				return true
			}
		}
	}
	return false
}
