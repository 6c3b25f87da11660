package audit

import "homeward/internal/authz"

// Accounts in service (hub): enrolment links, sessions, second factors, the country admin's
// directory changes.
var (
	EnrolmentIssue = Define("enrolment.issue", authz.SectionDirectory)
	SessionEndAll  = Define("session.end_all", authz.SectionDirectory)
	MFAReset       = Define("mfa.reset", authz.SectionDirectory)
)
