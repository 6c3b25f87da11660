package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"homeward/internal/locale"
	"homeward/internal/problem"
	"homeward/internal/screening"
)

// blankEventRows is how many empty timeline lines the form offers after the filled ones.
const blankEventRows = 2

// formIndicator is one indicator on the form.
type formIndicator struct {
	Code, Label, Note string
	Answers           []choice
	Channels          []choice // recruited_online only
}

// formGroup is the indicators of one group on the form.
type formGroup struct {
	Label string
	Items []formIndicator
}

// formEvent is one timeline line on the form.
type formEvent struct {
	screening.EventInput
	Phases []choice
	Errors map[string]string // field (phase, place, ...) -> message
}

// screeningEditPage is the form that records or edits the screening of a case.
type screeningEditPage struct {
	Base
	Tabs      caseTabs
	V         *screening.View
	In        screening.Input
	Groups    []formGroup
	Events    []formEvent
	Errors    map[string]string
	Error     string
	Conflict  bool
	Current   *screening.Screening // the saved version, after a conflict
	Changed   []string             // labels of what changed since the form was opened
	CurGroups []indicatorGroup
	Summary   ErrorSummary // the messages, linked to their fields in the form's order
}

func (h *screeningHandlers) editForm(c echo.Context) error {
	v, err := h.svc.Get(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return h.renderEdit(c, http.StatusOK, v, inputOf(v.Screening), nil)
}

// save records (version 0) or updates the screening; a refusal shows the form again with the input.
func (h *screeningHandlers) save(c echo.Context) error {
	ctx, a, id := c.Request().Context(), actorOf(c), c.Param("id")
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	in := parseScreeningForm(form)
	if in.Version == 0 {
		_, err = h.svc.RecordScreening(ctx, a, id, in)
	} else {
		_, err = h.svc.UpdateScreening(ctx, a, id, in)
	}
	if err == nil {
		return h.s.done(c, "/cases/"+id+"/screening", "flash.screening_saved")
	}
	status, _ := classify(err)
	if status != http.StatusUnprocessableEntity && status != http.StatusConflict {
		return err
	}
	v, gerr := h.svc.Get(ctx, a, id)
	if gerr != nil {
		return gerr
	}
	return h.renderEdit(c, status, v, in, err)
}

// renderEdit shows the form with in; after a conflict it shows the saved version beside it and
// takes its version, so that submitting again overwrites it knowingly.
func (h *screeningHandlers) renderEdit(c echo.Context, status int, v *screening.View, in screening.Input, err error) error {
	b := h.s.base(c)
	p := screeningEditPage{Base: b, Tabs: tabsFor(c, v.CaseID, "/screening"), V: v, In: in, Errors: map[string]string{}}
	if inv, ok := problem.AsInvalid(err); ok {
		p.Error = b.L.T("form.fix_errors")
		for f, key := range inv.Fields {
			if f == "" {
				p.Error = b.L.T(key)
			}
			p.Errors[f] = b.L.T(key)
		}
	}
	if status == http.StatusConflict {
		p.Conflict, p.Error, p.Current = true, b.L.T("error.conflict"), v.Screening
		if cur := v.Screening; cur != nil {
			p.In.Version = cur.Version
			p.Changed = changes(b.L, inputOf(cur), in)
			p.CurGroups = indicatorGroups(b.L, cur.Indicators)
		}
	}
	p.Groups = formGroups(b.L, p.In)
	p.Events = formEvents(b.L, p.In.Events, p.Errors)
	p.Summary = screeningSummary(b.L, p.Error, p.Errors, len(p.Events))
	return h.s.render(c, status, "screening_edit", p)
}

// screeningSummary is the form's error summary: the interview's fields, each indicator's answer
// (linked to its first choice) and note, then each timeline line's fields, as the form shows them.
func screeningSummary(l *locale.Localizer, msg string, errs map[string]string, events int) ErrorSummary {
	order := []string{"interview_date:screening.interview_date", "interviewer:screening.interviewer",
		"interpreter:screening.interpreter", "language:screening.language"}
	for _, ind := range screening.Indicators {
		f, label := "indicators."+ind.Code, ":screening.indicator."+ind.Code
		order = append(order, f+"#answer-"+ind.Code+"-"+screening.Answers[0]+label,
			f+".channels#channel-"+ind.Code+"-"+screening.Channels[0]+label, f+".note#note-"+ind.Code+label)
	}
	for i := range events {
		for _, name := range []string{"phase", "place", "country", "date_from", "date_to", "description"} {
			id := map[string]string{"date_from": "from", "date_to": "to"}[name]
			if id == "" {
				id = name
			}
			order = append(order, fmt.Sprintf("events.%d.%s#event-%s-%d:screening.%s", i, name, id, i, name))
		}
	}
	return formSummary(l, msg, errs, append(order, "narrative:screening.narrative")...)
}

// inputOf turns a saved screening into form input (empty input when none is saved).
func inputOf(sc *screening.Screening) screening.Input {
	if sc == nil {
		return screening.Input{}
	}
	in := screening.Input{InterviewDate: sc.InterviewDate.Format("2006-01-02"), Interviewer: sc.Interviewer,
		Interpreter: sc.Interpreter, Language: sc.Language, Narrative: sc.Narrative, Version: sc.Version}
	for _, a := range sc.Indicators {
		in.Indicators = append(in.Indicators, screening.AnswerInput{Indicator: a.Indicator, Answer: a.Answer, Note: a.Note, Channels: a.Channels})
	}
	for _, e := range sc.Events {
		ev := screening.EventInput{Phase: e.Phase, Place: e.Place, Description: e.Description}
		if e.Country != nil {
			ev.Country = *e.Country
		}
		if e.DateFrom != nil {
			ev.DateFrom = e.DateFrom.Format("2006-01-02")
		}
		if e.DateTo != nil {
			ev.DateTo = e.DateTo.Format("2006-01-02")
		}
		in.Events = append(in.Events, ev)
	}
	return in
}

// parseScreeningForm reads the form: one answer and note per indicator, channels, and the timeline
// lines (parallel fields; wholly empty lines are dropped).
func parseScreeningForm(f url.Values) screening.Input {
	version, _ := strconv.Atoi(f.Get("version"))
	in := screening.Input{InterviewDate: f.Get("interview_date"), Interviewer: f.Get("interviewer"),
		Interpreter: f.Get("interpreter"), Language: f.Get("language"), Narrative: f.Get("narrative"), Version: version}
	for _, ind := range screening.Indicators {
		a := screening.AnswerInput{Indicator: ind.Code, Answer: f.Get("answer." + ind.Code), Note: f.Get("note." + ind.Code)}
		if ind.Code == screening.RecruitedOnline {
			a.Channels = f["channels"]
		}
		in.Indicators = append(in.Indicators, a)
	}
	col := func(name string, i int) string {
		if vs := f["event."+name]; i < len(vs) {
			return vs[i]
		}
		return ""
	}
	for i := range len(f["event.phase"]) {
		e := screening.EventInput{Phase: col("phase", i), Place: col("place", i), Country: col("country", i),
			DateFrom: col("date_from", i), DateTo: col("date_to", i), Description: col("description", i)}
		if strings.TrimSpace(e.Phase+e.Place+e.Country+e.DateFrom+e.DateTo+e.Description) != "" {
			in.Events = append(in.Events, e)
		}
	}
	return in
}

// formGroups lays out the indicators of in by group with their choices and messages.
func formGroups(l *locale.Localizer, in screening.Input) []formGroup {
	byCode := map[string]screening.AnswerInput{}
	for _, a := range in.Indicators {
		byCode[a.Indicator] = a
	}
	var out []formGroup
	for _, g := range screening.Groups {
		grp := formGroup{Label: l.T("screening.group." + string(g))}
		for _, ind := range screening.Indicators {
			if ind.Group != g {
				continue
			}
			a := byCode[ind.Code]
			if a.Answer == "" {
				a.Answer = screening.AnswerUnknown
			}
			it := formIndicator{Code: ind.Code, Label: l.T("screening.indicator." + ind.Code), Note: a.Note}
			for _, ans := range screening.Answers {
				it.Answers = append(it.Answers, choice{Value: ans, Label: l.T("screening.answer." + ans), Selected: ans == a.Answer})
			}
			if ind.Code == screening.RecruitedOnline {
				for _, ch := range screening.Channels {
					it.Channels = append(it.Channels, choice{Value: ch, Label: l.T("screening.channel." + ch), Selected: slices.Contains(a.Channels, ch)})
				}
			}
			grp.Items = append(grp.Items, it)
		}
		out = append(out, grp)
	}
	return out
}

// formEvents lays out the typed timeline lines and blankEventRows empty ones, with their messages.
func formEvents(l *locale.Localizer, events []screening.EventInput, errs map[string]string) []formEvent {
	rows := append(slices.Clone(events), make([]screening.EventInput, blankEventRows)...)
	out := make([]formEvent, 0, len(rows))
	for i, e := range rows {
		fe := formEvent{EventInput: e, Errors: map[string]string{}}
		fe.Phases = append(fe.Phases, choice{Value: "", Label: l.T("form.choose"), Selected: e.Phase == ""})
		for _, ph := range screening.Phases {
			fe.Phases = append(fe.Phases, choice{Value: ph, Label: l.T("screening.phase." + ph), Selected: ph == e.Phase})
		}
		prefix := "events." + strconv.Itoa(i) + "."
		for f, msg := range errs {
			if name, ok := strings.CutPrefix(f, prefix); ok {
				fe.Errors[name] = msg
			}
		}
		out = append(out, fe)
	}
	return out
}

// changes names the parts of the saved screening that differ from what the user typed.
func changes(l *locale.Localizer, saved, typed screening.Input) []string {
	var out []string
	for _, f := range []struct{ key, a, b string }{
		{"screening.interview_date", saved.InterviewDate, typed.InterviewDate},
		{"screening.interviewer", saved.Interviewer, typed.Interviewer},
		{"screening.interpreter", saved.Interpreter, typed.Interpreter},
		{"screening.language", saved.Language, typed.Language},
		{"screening.narrative", saved.Narrative, strings.TrimSpace(typed.Narrative)},
	} {
		if strings.TrimSpace(f.a) != strings.TrimSpace(f.b) {
			out = append(out, l.T(f.key))
		}
	}
	typedBy := map[string]screening.AnswerInput{}
	for _, a := range typed.Indicators {
		typedBy[a.Indicator] = a
	}
	for _, a := range saved.Indicators {
		t := typedBy[a.Indicator]
		if t.Answer == "" {
			t.Answer = screening.AnswerUnknown
		}
		if t.Answer != a.Answer || strings.TrimSpace(t.Note) != a.Note || !slices.Equal(t.Channels, a.Channels) && a.Indicator == screening.RecruitedOnline {
			out = append(out, l.T("screening.indicator."+a.Indicator))
		}
	}
	if !slices.EqualFunc(saved.Events, typed.Events, sameEvent) {
		out = append(out, l.T("screening.timeline"))
	}
	return out
}

func sameEvent(a, b screening.EventInput) bool {
	t := strings.TrimSpace
	return t(a.Phase) == t(b.Phase) && t(a.Place) == t(b.Place) && strings.EqualFold(t(a.Country), t(b.Country)) &&
		t(a.DateFrom) == t(b.DateFrom) && t(a.DateTo) == t(b.DateTo) && t(a.Description) == t(b.Description)
}
