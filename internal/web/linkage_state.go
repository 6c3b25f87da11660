package web

import (
	"homeward/internal/crossmatch"
	"homeward/internal/exchange"
	"homeward/internal/locale"
)

// linkageState says where a possible match stands, in l's language: not asked; asked on a date with
// the question's status; answered by the other side's agency (to our question) or by one of us,
// with the date. Nothing about the other side but its agency.
func linkageState(l *locale.Localizer, m *crossmatch.Candidate) string {
	if a := m.Answer; a != nil {
		date := l.Date(a.AnsweredAt)
		switch {
		case a.SamePerson:
			return l.T("linkage.state.ours_same", "Name", a.AnsweredBy, "Date", date)
		case a.InReply:
			return l.T("linkage.state.ours_not_same_reply", "Name", a.AnsweredBy, "Date", date)
		}
		return l.T("linkage.state.ours_not_same", "Name", a.AnsweredBy, "Date", date)
	}
	q := m.Question
	if q == nil {
		return l.T("linkage.state.not_asked")
	}
	agency := m.OtherAgency.Name(l.Lang)
	if t := q.Answer; t != nil {
		if t.SamePerson {
			return l.T("linkage.state.their_same", "Agency", agency, "Date", l.Date(t.AnsweredAt))
		}
		return l.T("linkage.state.their_not_same", "Agency", agency, "Date", l.Date(t.AnsweredAt))
	}
	asked := l.T("linkage.state.asked", "Date", l.Date(q.AskedAt))
	switch exchange.Status(q.Status) {
	case exchange.StatusPendingApproval:
		return asked + " — " + l.T("linkage.question.pending")
	case exchange.StatusSent, exchange.StatusOpened, exchange.StatusAccepted:
		return asked + " — " + l.T("linkage.question.sent")
	case exchange.StatusExpired:
		return asked + " — " + l.T("linkage.question.expired")
	case exchange.StatusDeclined, exchange.StatusRevoked:
		return asked + " — " + l.T("linkage.question.refused")
	}
	return asked
}
