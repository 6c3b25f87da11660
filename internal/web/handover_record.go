package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"homeward/internal/handover"
	"homeward/internal/locale"
)

// recordLangs are the languages of the printed handover record: Thai and Khmer, with English.
var recordLangs = []string{"th", "km", "en"}

// recordPerson is a line of the printed record.
type recordPerson struct {
	N                                                   int
	Name, Aliases, Age, Nationality, CaseRef, Documents string
	Belongings                                          string
	Sex                                                 []string
}

// handoverRecordPage is the view model of handover_record.html.
type handoverRecordPage struct {
	Base
	B                                    *handover.Batch
	Ls                                   []*locale.Localizer // th, km, en
	Sender, Recipient, Checkpoint        []string            // in th, km, en
	When                                 string
	SendingOfficials, ReceivingOfficials []string
	Persons                              []recordPerson
}

// T3 is a label in Thai, Khmer and English, in that order.
func (p handoverRecordPage) T3(key string) []string {
	out := make([]string, len(p.Ls))
	for i, l := range p.Ls {
		out[i] = l.T(key)
	}
	return out
}

// Keys lists message keys, for the record's column headings.
func (p handoverRecordPage) Keys(keys ...string) []string { return keys }

func (h handoverHandlers) record(c echo.Context) error {
	ctx := c.Request().Context()
	b, err := h.svc.Record(ctx, actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	v := handoverRecordPage{Base: h.s.base(c), B: b, When: b.HandoverAt.In(ict).Format("2006-01-02 15:04") + " (UTC+7)",
		SendingOfficials: lines(b.SendingOfficials), ReceivingOfficials: lines(b.ReceivingOfficials)}
	for _, lang := range recordLangs {
		l := h.s.Bundle.For(lang, false, nil)
		v.Ls = append(v.Ls, l)
		v.Sender = append(v.Sender, h.agencyName(ctx, l, b.Sender))
		v.Recipient = append(v.Recipient, h.agencyName(ctx, l, b.Recipient))
		v.Checkpoint = append(v.Checkpoint, l.T("handover.checkpoint."+b.Checkpoint))
	}
	for i, p := range b.Persons {
		rp := recordPerson{N: i + 1, Name: strings.TrimSpace(p.GivenName + " " + p.FamilyName), Aliases: strings.Join(p.Aliases, ", "),
			Age: ageText(p, b.HandoverAt), Nationality: p.Nationality, CaseRef: p.CaseRef, Belongings: p.Belongings}
		docs := make([]string, 0, len(p.Documents))
		for _, d := range p.Documents {
			labels := make([]string, 0, len(v.Ls))
			for _, l := range v.Ls {
				labels = append(labels, l.T("intake.doc."+d.Kind))
			}
			docs = append(docs, strings.TrimSpace(strings.Join(labels, " / ")+" "+d.Number))
		}
		rp.Documents = strings.Join(docs, "; ")
		for _, l := range v.Ls {
			rp.Sex = append(rp.Sex, l.T("sex."+p.Sex))
		}
		v.Persons = append(v.Persons, rp)
	}
	return h.s.render(c, http.StatusOK, "handover_record", v)
}

// lines splits the officials typed one per line.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
