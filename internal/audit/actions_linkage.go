package audit

import "homeward/internal/authz"

// Record linkage across the border (issue 15, packages personlink and crossmatch): the hub's rows
// of a publish round and of a supervisor's answer, the store's rows of a candidate list read and of
// a linkage override, and the store's row of the other side's answer to a question (linkage_ask).
var (
	LinkagePublish        = Define("linkage.publish", authz.SectionIdentity)
	LinkageCandidatesRead = Define("linkage.candidates.read", authz.SectionIdentity)
	LinkageNotSame        = Define("linkage.not_same", authz.SectionIdentity)
	LinkageAsk            = Define("linkage.ask", authz.SectionIdentity)
	LinkageAnswer         = Define("linkage.answer", authz.SectionIdentity)
	LinkageOverride       = Define("linkage.override", authz.SectionConsent)
)
