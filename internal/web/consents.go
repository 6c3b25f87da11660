package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/consent"
	"homeward/internal/locale"
)

// consentHandlers serve the consent ledger of a case.
type consentHandlers struct {
	s   *Server
	svc *consent.Service
}

// consentChoice is an option of a select or radio group, translated.
type consentChoice struct {
	Value, Label string
}

// consentRow is one answer as the page shows it, translated.
type consentRow struct {
	consent.Consent
	PurposeLabel, AnswerLabel, MethodLabel, RecordedByName string
}

// consentCurrentRow is the answer in force for one purpose.
type consentCurrentRow struct {
	Purpose, PurposeLabel string
	Answer                *consentRow // nil: never asked
	// CanWithdraw is set when consent is given and the actor may record answers.
	CanWithdraw bool
}

// consentPage is the view model of the consent page and of the withdrawal confirmation.
type consentPage struct {
	Base
	Tabs     caseTabs
	Ledger   *consent.Ledger
	Current  []consentCurrentRow
	History  []consentRow
	CanWrite bool
	Purposes []consentChoice // the record form's purposes; on the withdrawal page, those in force
	Answers  []consentChoice // given, refused
	Methods  []consentChoice
	In       consent.Input
	Errors   map[string]string
	Error    string
}

// load fills the page from the ledger, translating codes and resolving who recorded each answer.
func (h consentHandlers) load(c echo.Context, v *consentPage) error {
	ctx, a := c.Request().Context(), actorOf(c)
	l, err := h.svc.Ledger(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	b := h.s.base(c)
	v.Base, v.Tabs, v.Ledger = b, tabsFor(c, l.CaseID, "/consents"), l
	v.CanWrite = a.Can(authz.SectionConsent, authz.ActionWrite)
	ids := make([]string, 0, len(l.History))
	for _, r := range l.History {
		ids = append(ids, r.RecordedBy)
	}
	names, err := h.s.Directory.UserNames(ctx, ids)
	if err != nil {
		return err
	}
	row := func(r consent.Consent) consentRow {
		return consentRow{Consent: r, PurposeLabel: b.L.T("consent.purpose." + string(r.Purpose)),
			AnswerLabel: b.L.T("consent.answer." + string(r.Answer)), MethodLabel: b.L.T("consent.method." + r.Method),
			RecordedByName: names[r.RecordedBy]}
	}
	for _, r := range l.History {
		v.History = append(v.History, row(r))
	}
	v.Current, v.Purposes = nil, nil
	for _, cur := range l.Current {
		cr := consentCurrentRow{Purpose: string(cur.Purpose), PurposeLabel: b.L.T("consent.purpose." + string(cur.Purpose))}
		if cur.Consent != nil {
			r := row(*cur.Consent)
			cr.Answer, cr.CanWithdraw = &r, v.CanWrite && cur.Consent.InForce()
		}
		v.Current = append(v.Current, cr)
	}
	v.Answers = consentChoices(b.L, "consent.answer.", []string{string(consent.AnswerGiven), string(consent.AnswerRefused)})
	v.Methods = consentChoices(b.L, "consent.method.", consent.Methods)
	if v.In.AnsweredOn == "" {
		v.In.AnsweredOn = time.Now().In(b.L.Location).Format("2006-01-02")
	}
	if v.In.Method == "" {
		v.In.Method = consent.Methods[0]
	}
	return nil
}

func consentChoices(l *locale.Localizer, prefix string, values []string) []consentChoice {
	out := make([]consentChoice, len(values))
	for i, v := range values {
		out[i] = consentChoice{Value: v, Label: l.T(prefix + v)}
	}
	return out
}

// page shows the ledger: current answers, history, and the form to record an answer.
func (h consentHandlers) page(c echo.Context) error {
	return h.renderPage(c, http.StatusOK, consentPage{})
}

func (h consentHandlers) renderPage(c echo.Context, status int, v consentPage) error {
	if err := h.load(c, &v); err != nil {
		return err
	}
	purposes := make([]string, len(consent.Purposes))
	for i, p := range consent.Purposes {
		purposes[i] = string(p)
	}
	v.Purposes = consentChoices(v.L, "consent.purpose.", purposes)
	return h.s.render(c, status, "consent", v)
}

// renderWithdraw shows the confirmation step of a withdrawal: the purposes whose consent is in force.
func (h consentHandlers) renderWithdraw(c echo.Context, status int, v consentPage) error {
	if err := h.load(c, &v); err != nil {
		return err
	}
	for _, cur := range v.Current {
		if cur.CanWithdraw {
			v.Purposes = append(v.Purposes, consentChoice{Value: cur.Purpose, Label: cur.PurposeLabel})
		}
	}
	return h.s.render(c, status, "consent_withdraw", v)
}

// form reads the answer form; a version that does not parse is stale.
func consentForm(c echo.Context) consent.Input {
	in := consent.Input{Purpose: consent.Purpose(c.FormValue("purpose")), Answer: consent.Answer(c.FormValue("answer")),
		AnsweredOn: c.FormValue("answered_on"), Method: c.FormValue("method"), Language: c.FormValue("language"),
		Interpreter: c.FormValue("interpreter"), Witness: c.FormValue("witness")}
	version, err := strconv.Atoi(c.FormValue("version"))
	if err != nil {
		version = -1
	}
	in.Version = &version
	return in
}

// refused turns a refused answer into the page again with the input kept (422), or with the
// current ledger and the input kept (409); other errors go to the error handler.
func (h consentHandlers) refused(c echo.Context, err error, in consent.Input, render func(echo.Context, int, consentPage) error) error {
	status, errs, msg, ok := formFailure(c, err)
	if !ok {
		return err
	}
	return render(c, status, consentPage{In: in, Errors: errs, Error: msg})
}

func (h consentHandlers) record(c echo.Context) error {
	in := consentForm(c)
	if _, err := h.svc.Record(c.Request().Context(), actorOf(c), c.Param("id"), in); err != nil {
		return h.refused(c, err, in, h.renderPage)
	}
	return h.s.done(c, "/cases/"+c.Param("id")+"/consents", "flash.consent_recorded")
}

func (h consentHandlers) confirmWithdraw(c echo.Context) error {
	return h.renderWithdraw(c, http.StatusOK, consentPage{In: consent.Input{Purpose: consent.Purpose(c.QueryParam("purpose"))}})
}

func (h consentHandlers) withdraw(c echo.Context) error {
	in := consentForm(c)
	if _, err := h.svc.Withdraw(c.Request().Context(), actorOf(c), c.Param("id"), in.Purpose, in); err != nil {
		return h.refused(c, err, in, h.renderWithdraw)
	}
	return h.s.done(c, "/cases/"+c.Param("id")+"/consents", "flash.consent_withdrawn")
}

// consentJSON is one answer in the API; dates are YYYY-MM-DD.
type consentJSON struct {
	ID          string    `json:"id"`
	Purpose     string    `json:"purpose"`
	Answer      string    `json:"answer"`
	AnsweredOn  string    `json:"answered_on"`
	Method      string    `json:"method"`
	Language    string    `json:"language"`
	Interpreter string    `json:"interpreter"`
	Witness     string    `json:"witness"`
	RecordedBy  string    `json:"recorded_by"`
	RecordedAt  time.Time `json:"recorded_at"`
	Supersedes  *string   `json:"supersedes"`
}

func toConsentJSON(r consent.Consent) consentJSON {
	return consentJSON{ID: r.ID, Purpose: string(r.Purpose), Answer: string(r.Answer), AnsweredOn: r.AnsweredOn.Format("2006-01-02"),
		Method: r.Method, Language: r.Language, Interpreter: r.Interpreter, Witness: r.Witness,
		RecordedBy: r.RecordedBy, RecordedAt: r.RecordedAt, Supersedes: r.Supersedes}
}

func (h consentHandlers) apiList(c echo.Context) error {
	l, err := h.svc.Ledger(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	type current struct {
		Purpose string       `json:"purpose"`
		Consent *consentJSON `json:"consent"`
	}
	out := struct {
		Current []current     `json:"current"`
		History []consentJSON `json:"history"`
		Version int           `json:"version"`
	}{Current: []current{}, History: []consentJSON{}, Version: l.Version}
	for _, cur := range l.Current {
		item := current{Purpose: string(cur.Purpose)}
		if cur.Consent != nil {
			cj := toConsentJSON(*cur.Consent)
			item.Consent = &cj
		}
		out.Current = append(out.Current, item)
	}
	for _, r := range l.History {
		out.History = append(out.History, toConsentJSON(r))
	}
	return c.JSON(http.StatusOK, out)
}

func (h consentHandlers) apiRecord(c echo.Context) error {
	var in consent.Input
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	in.Purpose = consent.Purpose(strings.TrimSpace(string(in.Purpose)))
	r, err := h.svc.Record(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toConsentJSON(*r))
}
