package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/investigation"
	"homeward/internal/locale"
)

// investigationHandlers serve the investigation section (police) and the legal-status page (others).
type investigationHandlers struct {
	s   *Server
	svc *investigation.Service
}

// sectionOption is an option of a select, translated.
type sectionOption struct {
	Value, Label string
	Selected     bool
}

// sectionSelect is a select field of a section form: its options, the chosen one and its error.
type sectionSelect struct {
	Name, Label, Error string
	Options            []sectionOption
}

// sectionOptions translates values as prefix+value and marks the chosen one.
func sectionOptions(l *locale.Localizer, prefix string, values []string, chosen string) []sectionOption {
	out := make([]sectionOption, len(values))
	for i, v := range values {
		out[i] = sectionOption{Value: v, Label: l.T(prefix + v), Selected: v == chosen}
	}
	return out
}

// investigationView is a record with its values translated.
type investigationView struct {
	*investigation.Record
	Status, WarrantCheck, NonPunishment, WillingToTestify string
	UpdatedByName                                         string
}

// investigationPage is the view model of investigation.html.
type investigationPage struct {
	Base
	Tabs     caseTabs
	CaseID   string
	Head     investigation.Head
	Current  investigationView // the record as stored
	CanWrite bool
	Fields   []sectionSelect
	In       investigation.Input
	Errors   map[string]string // field -> translated message
	Error    string            // form-wide message (conflict)
}

func (h investigationHandlers) view(c echo.Context, r *investigation.Record) investigationView {
	l := localizerOf(c)
	v := investigationView{Record: r}
	if !r.Exists() {
		return v
	}
	v.Status = l.T("investigation.status." + r.Status)
	v.WarrantCheck = l.T("investigation.warrant_check." + r.WarrantCheck)
	v.NonPunishment = l.T("investigation.non_punishment." + r.NonPunishment)
	v.WillingToTestify = l.T("investigation.testify." + r.WillingToTestify)
	if u, err := h.s.Directory.User(c.Request().Context(), r.UpdatedBy); err == nil {
		v.UpdatedByName = u.Name
	}
	return v
}

// render shows the page: the stored record, and the form holding in with its errors.
func (h investigationHandlers) render(c echo.Context, status int, r *investigation.Record, in investigation.Input, errs map[string]string, msg string) error {
	b := h.s.base(c)
	l := b.L
	v := investigationPage{Base: b, Tabs: tabsFor(c, r.CaseID, "/investigation"), CaseID: r.CaseID, Head: r.Head,
		Current: h.view(c, r), CanWrite: b.Actor.Can(authz.SectionInvestigation, authz.ActionWrite),
		In: in, Errors: errs, Error: msg}
	for _, f := range []struct {
		name, prefix, chosen string
		values               []string
	}{
		{"status", "investigation.status.", in.Status, investigation.Statuses},
		{"warrant_check", "investigation.warrant_check.", in.WarrantCheck, investigation.WarrantChecks},
		{"non_punishment", "investigation.non_punishment.", in.NonPunishment, investigation.NonPunishments},
		{"willing_to_testify", "investigation.testify.", in.WillingToTestify, investigation.TestifyAnswers},
	} {
		v.Fields = append(v.Fields, sectionSelect{Name: f.name, Label: l.T("investigation.field." + f.name),
			Error: errs[f.name], Options: sectionOptions(l, f.prefix, f.values, f.chosen)})
	}
	return h.s.render(c, status, "investigation", v)
}

// investigationInput is the form's starting values: the stored record, or the defaults for a new one.
func investigationInput(r *investigation.Record) investigation.Input {
	if !r.Exists() {
		return investigation.Input{WarrantCheck: "none", NonPunishment: "pending", WillingToTestify: "undecided"}
	}
	return investigation.Input{Status: r.Status, WarrantCheck: r.WarrantCheck, WarrantNote: r.WarrantNote,
		NonPunishment: r.NonPunishment, WillingToTestify: r.WillingToTestify, Version: r.Version}
}

func (h investigationHandlers) page(c echo.Context) error {
	r, err := h.svc.Get(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, r, investigationInput(r), nil, "")
}

// save stores the form; invalid input re-renders with 422, a stale version with 409 showing the
// record as it is now and keeping what the user typed.
func (h investigationHandlers) save(c echo.Context) error {
	ctx, a, id := c.Request().Context(), actorOf(c), c.Param("id")
	version, verr := strconv.Atoi(c.FormValue("version"))
	in := investigation.Input{Status: c.FormValue("status"), WarrantCheck: c.FormValue("warrant_check"),
		WarrantNote: c.FormValue("warrant_note"), NonPunishment: c.FormValue("non_punishment"),
		WillingToTestify: c.FormValue("willing_to_testify"), Version: version}
	if verr != nil {
		in.Version = -1 // refused by validation, after the case is found
	}
	_, err := h.svc.Save(ctx, a, id, in)
	if err == nil {
		return h.s.done(c, "/cases/"+id+"/investigation", "flash.investigation_saved")
	}
	status, errs, msg, ok := formFailure(c, err)
	if !ok {
		return err
	}
	r, gerr := h.svc.Get(ctx, a, id)
	if gerr != nil {
		return gerr
	}
	if status == http.StatusConflict {
		in.Version = r.Version // the next submit applies to the record as shown
	}
	return h.render(c, status, r, in, errs, msg)
}

// legalStatusPage is the view model of legal_status.html: whether a legal status exists, nothing more.
type legalStatusPage struct {
	Base
	Tabs     caseTabs
	Head     investigation.Head
	Presence *investigation.Presence
}

func (h investigationHandlers) presence(c echo.Context) error {
	id := c.Param("id")
	p, err := h.svc.Presence(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return h.s.render(c, http.StatusOK, "legal_status", legalStatusPage{Base: h.s.base(c),
		Tabs: tabsFor(c, id, "/legal-status"), Head: p.Head, Presence: p})
}

func (h investigationHandlers) apiGet(c echo.Context) error {
	r, err := h.svc.Get(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (h investigationHandlers) apiPut(c echo.Context) error {
	var in investigation.Input
	if err := decodeSection(c, &in, investigation.Record{}); err != nil { // api_update.go
		return err
	}
	r, err := h.svc.Save(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (h investigationHandlers) apiPresence(c echo.Context) error {
	p, err := h.svc.Presence(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}
