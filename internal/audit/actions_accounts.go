package audit

import "homeward/internal/authz"

// Accounts in service (hub): enrolment links, sessions, second factors, the country admin's
// directory changes.
var (
	EnrolmentIssue = Define("enrolment.issue", authz.SectionDirectory)
	SessionEndAll  = Define("session.end_all", authz.SectionDirectory)
	MFAReset       = Define("mfa.reset", authz.SectionDirectory)
	UserUpdate     = Define("user.update", authz.SectionDirectory)
	UserDisable    = Define("user.disable", authz.SectionDirectory)
	UserEnable     = Define("user.enable", authz.SectionDirectory)
	UserInvite     = Define("user.invite", authz.SectionDirectory)
	TokenRevokeAll = Define("token.revoke_all", authz.SectionDirectory)
	MembershipAdd  = Define("membership.add", authz.SectionDirectory)
	MembershipDrop = Define("membership.remove", authz.SectionDirectory)
	AgencyUpdate   = Define("agency.update", authz.SectionDirectory)
)

// The user's own account (hub): enrolment, password, sessions.
var (
	EnrolmentComplete = Define("enrolment.complete", authz.SectionSelf)
	PasswordChange    = Define("password.change", authz.SectionSelf)
	SessionEnd        = Define("session.end", authz.SectionSelf)
)

// Second factors (hub): set up, used, removed.
var (
	AuthMFA               = Define("auth.mfa", authz.SectionDirectory)
	MFATOTPEnrol          = Define("mfa.totp_enrol", authz.SectionSelf)
	MFARecoveryRegenerate = Define("mfa.recovery_regenerate", authz.SectionSelf)
	MFAPasskeyAdd         = Define("mfa.passkey_add", authz.SectionSelf)
	MFAPasskeyRemove      = Define("mfa.passkey_remove", authz.SectionSelf)
)
