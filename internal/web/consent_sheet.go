package web

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/consent"
	"homeward/internal/directory"
	"homeward/internal/sheets"
)

// sheetCatalog is the texts of the printed sheets, loaded once.
var sheetCatalog = sync.OnceValues(sheets.Load)

// consentSheetPurpose is a purpose as the sheet explains it and asks about it.
type consentSheetPurpose struct {
	Key        string
	Name, Text sheets.Line
}

// consentSheetSigner is a signature box of the sheet: who signs, and the name printed when known.
type consentSheetSigner struct {
	Key  string
	Role sheets.Line
	Name string
}

// consentSheetPage is the view model of the printable consent and information sheet. The staff's
// part (title, picker, hints) is in the UI language; the sheet itself (S and the Lines) in the
// chosen language with its English line.
type consentSheetPage struct {
	Base
	Tabs            caseTabs
	F               *consent.SheetFacts
	S               *sheets.Sheet
	Choices         []consentChoice
	PersonLanguages string
	NoSheet         bool // the person speaks none of the sheet languages
	Agency          sheets.Line
	Who             sheets.Line
	Agencies        []sheets.Line
	Purposes        []consentSheetPurpose
	Answers         []sheets.Line
	Methods         []sheets.Line
	Signers         []consentSheetSigner
	Printed         string
}

// sheet shows the consent and information sheet of a case in ?lang=, by default in the person's
// language (else the UI language); an unknown lang falls back the same way.
func (h consentHandlers) sheet(c echo.Context) error {
	ctx, a, l := c.Request().Context(), actorOf(c), localizerOf(c)
	cat, err := sheetCatalog()
	if err != nil {
		return err
	}
	requested := c.QueryParam("lang")
	f, err := h.svc.Sheet(ctx, a, c.Param("id"), func(person []string) string { return sheets.Choose(requested, person, l.Lang) })
	if err != nil {
		return err
	}
	s := cat.Sheet("consent", f.Lang)
	v := consentSheetPage{Base: h.s.base(c), Tabs: tabsFor(c, f.CaseID, "/consents"), F: f, S: s,
		Printed: time.Now().In(l.Location).Format(time.DateOnly)}
	for _, code := range sheets.Languages {
		label := cat.Sheet("consent", code).Text("language.name")
		if ui := l.T("consent_sheet.lang." + code); ui != label {
			label += " — " + ui
		}
		v.Choices = append(v.Choices, consentChoice{Value: code, Label: label})
	}
	v.PersonLanguages, v.NoSheet = personLanguages(l.T, f.Languages)

	agencies, err := h.agencies(c, f.AgencyIDs)
	if err != nil {
		return err
	}
	own, err := h.s.Directory.Agency(ctx, a.AgencyID)
	if err != nil {
		return err
	}
	v.Agency = agencyLine(*own, s.Lang)
	v.Who = s.Line("who.text", "agency", own.Name(s.Lang))
	if v.Who.EN != "" {
		v.Who.EN = s.English("who.text", "agency", own.NameEN)
	}
	for _, ag := range agencies {
		v.Agencies = append(v.Agencies, agencyLine(ag, s.Lang))
	}
	for _, p := range consent.Purposes {
		k := "purpose." + string(p)
		v.Purposes = append(v.Purposes, consentSheetPurpose{Key: string(p), Name: s.Line(k + ".name"), Text: s.Line(k + ".text")})
	}
	for _, ans := range []consent.Answer{consent.AnswerGiven, consent.AnswerRefused} {
		v.Answers = append(v.Answers, s.Line("answer."+string(ans)))
	}
	for _, m := range consent.Methods {
		v.Methods = append(v.Methods, s.Line("method."+m))
	}
	v.Signers = consentSigners(s, f.Minor, a.Name)
	return h.s.render(c, http.StatusOK, "consent_sheet", v)
}

// agencies resolves the agencies of the case in the hub, skipping one no longer there.
func (h consentHandlers) agencies(c echo.Context, ids []string) ([]directory.Agency, error) {
	out := make([]directory.Agency, 0, len(ids))
	for _, id := range ids {
		ag, err := h.s.Directory.Agency(c.Request().Context(), id)
		if err != nil {
			if errors.Is(err, authz.ErrNotFound) {
				continue
			}
			return nil, err
		}
		out = append(out, *ag)
	}
	return out, nil
}

// agencyLine names an agency in the sheet's language (agencies have Thai, Khmer and English
// names), with the English name under it when that differs.
func agencyLine(ag directory.Agency, lang string) sheets.Line {
	line := sheets.Line{Lang: lang, Text: ag.Name(lang)}
	if line.Text != ag.NameEN {
		line.EN = ag.NameEN
	}
	return line
}

// personLanguages lists the person's recorded languages for staff, named in the UI language when
// a sheet exists in them, and reports whether none has a sheet.
func personLanguages(t func(string, ...any) string, recorded []string) (string, bool) {
	names := make([]string, 0, len(recorded))
	none := len(recorded) > 0
	for _, r := range recorded {
		if code := sheets.Normalize(r); code != "" {
			names = append(names, t("consent_sheet.lang."+code))
			none = false
			continue
		}
		names = append(names, r)
	}
	return strings.Join(names, ", "), none
}

// consentSigners are the signature boxes: the person (and for a child a parent, guardian or child
// protection officer), the interpreter, the witness, and the staff member printing the sheet.
func consentSigners(s *sheets.Sheet, minor bool, staff string) []consentSheetSigner {
	out := []consentSheetSigner{{Key: "person", Role: s.Line("sign.person")}}
	if minor {
		out = append(out, consentSheetSigner{Key: "guardian", Role: s.Line("sign.guardian")})
	}
	return append(out,
		consentSheetSigner{Key: "interpreter", Role: s.Line("sign.interpreter")},
		consentSheetSigner{Key: "witness", Role: s.Line("sign.witness")},
		consentSheetSigner{Key: "staff", Role: s.Line("sign.staff"), Name: staff})
}
