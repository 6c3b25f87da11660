package web

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/locale"
	"homeward/internal/problem"
	"homeward/internal/services"
)

// serviceHandlers serve the services section of a case and referrals to NGOs.
type serviceHandlers struct {
	s   *Server
	svc *services.Service
}

// serviceView is a service as the page shows it, translated.
type serviceView struct {
	services.Record
	KindLabel, StatusLabel, ProviderLabel, ReferralLabel string
	Start, End                                           string // YYYY-MM-DD for the edit form
	FormOutcome                                          string // the edit form's outcome (typed, after a failure)
	Statuses                                             []sectionOption
	Renewable                                            bool
}

// servicesPage is the view model of services.html.
type servicesPage struct {
	Base
	Tabs       caseTabs
	CaseID     string
	Head       services.Head
	Items      []serviceView
	CanWrite   bool
	CanRefer   bool
	Kinds      []sectionOption
	Statuses   []sectionOption
	Providers  []sectionOption
	Agencies   []sectionOption // other agencies of the store and NGOs, by slug
	NGOs       []sectionOption
	Urgencies  []sectionOption
	In         services.Input
	Ref        services.ReferralInput
	Errors     map[string]string // new service form
	RefErrors  map[string]string // referral form
	EditID     string            // the service whose edit failed
	EditIn     services.Input    // what was typed on it
	EditErrors map[string]string
	// RenewID, RenewDays and RenewErrors: the referral whose renewal was refused, what was typed.
	RenewID, RenewDays string
	RenewErrors        map[string]string
	Error              string
}

// dateOf formats an optional date for a date input.
func dateOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

// translate maps invalid-input keys to messages; "" holds a form-wide message.
func translate(l *locale.Localizer, err error) map[string]string {
	out := map[string]string{}
	if inv, ok := problem.AsInvalid(err); ok {
		for f, key := range inv.Fields {
			out[f] = l.T(key)
		}
	}
	return out
}

func (h serviceHandlers) render(c echo.Context, status int, v servicesPage) error {
	ctx, a := c.Request().Context(), actorOf(c)
	id := c.Param("id")
	if id == "" { // a referral's renewal names its case in the form
		id = v.CaseID
	}
	list, err := h.svc.List(ctx, a, id)
	if err != nil {
		return err
	}
	b := h.s.base(c)
	l := b.L
	v.Base, v.Tabs, v.CaseID, v.Head = b, tabsFor(c, list.CaseID, "/services"), list.CaseID, list.Head
	v.CanWrite = a.Can(authz.SectionServices, authz.ActionWrite) && list.Head.Stage != "closed"
	v.CanRefer = v.CanWrite && a.Can(authz.SectionReferral, authz.ActionWrite)
	for _, r := range list.Items {
		sv := serviceView{Record: r, KindLabel: l.T("services.kind." + r.Kind), StatusLabel: l.T("services.status." + r.Status),
			Start: dateOf(r.StartDate), End: dateOf(r.EndDate), Statuses: sectionOptions(l, "services.status.", services.Statuses, r.Status),
			FormOutcome: r.Outcome}
		if r.ID == v.EditID { // the failed edit keeps what was typed
			sv.Start, sv.End, sv.FormOutcome = v.EditIn.StartDate, v.EditIn.EndDate, v.EditIn.Outcome
			sv.Statuses = sectionOptions(l, "services.status.", services.Statuses, v.EditIn.Status)
		}
		sv.ProviderLabel = l.T("services.provider." + r.ProviderKind)
		if r.ProviderAgencyID != "" {
			if ag, err := h.s.Directory.Agency(ctx, r.ProviderAgencyID); err == nil {
				sv.ProviderLabel = ag.Name(l.Lang)
			}
		}
		if r.ReferralStatus != "" {
			sv.ReferralLabel = l.T("services.referral_status." + r.ReferralStatus)
			sv.Renewable = v.CanRefer && r.Status == "planned" && slices.Contains(
				[]string{"pending_approval", "sent", "opened", "expired"}, r.ReferralStatus)
		}
		v.Items = append(v.Items, sv)
	}
	v.Kinds = sectionOptions(l, "services.kind.", services.Kinds, v.In.Kind)
	v.Statuses = sectionOptions(l, "services.status.", services.Statuses, v.In.Status)
	v.Providers = sectionOptions(l, "services.provider.", services.ProviderKinds, v.In.ProviderKind)
	v.Urgencies = sectionOptions(l, "services.urgency.", services.Urgencies, v.Ref.Urgency)
	if store, err := h.s.Directory.StoreAgencies(ctx, a.Country); err == nil {
		for _, ag := range store {
			if ag.ID != a.AgencyID {
				v.Agencies = append(v.Agencies, sectionOption{Value: ag.Slug, Label: ag.Name(l.Lang), Selected: ag.Slug == v.In.ProviderAgency})
			}
		}
	}
	ngos, err := h.s.Directory.AgenciesOfKind(ctx, "ngo")
	if err != nil {
		return err
	}
	for _, ag := range ngos {
		v.Agencies = append(v.Agencies, sectionOption{Value: ag.Slug, Label: ag.Name(l.Lang), Selected: ag.Slug == v.In.ProviderAgency})
		v.NGOs = append(v.NGOs, sectionOption{Value: ag.Slug, Label: ag.Name(l.Lang), Selected: ag.Slug == v.Ref.Recipient})
	}
	return h.s.render(c, status, "services", v)
}

func (h serviceHandlers) page(c echo.Context) error {
	return h.render(c, http.StatusOK, servicesPage{In: services.Input{Status: "planned", ProviderKind: "own"},
		Ref: services.ReferralInput{ExpiresInDays: services.DefaultReferralDays}})
}

func serviceForm(c echo.Context) services.Input {
	version, err := strconv.Atoi(c.FormValue("version"))
	if err != nil {
		version = -1
	}
	return services.Input{Kind: c.FormValue("kind"), Status: c.FormValue("status"), ProviderKind: c.FormValue("provider_kind"),
		ProviderAgency: c.FormValue("provider_agency"), StartDate: c.FormValue("start_date"), EndDate: c.FormValue("end_date"),
		Outcome: c.FormValue("outcome"), Version: version}
}

// failed re-renders the page for invalid input (422) or a stale version (409), with the messages
// in the errors of one form (set picks them); other errors pass.
func (h serviceHandlers) failed(c echo.Context, err error, v servicesPage, set func(*servicesPage, map[string]string)) error {
	status, errs, msg, ok := formFailure(c, err)
	if !ok {
		return err
	}
	set(&v, errs)
	v.Error = msg
	if m, ok := errs[""]; ok && status != http.StatusConflict {
		v.Error = m
	}
	return h.render(c, status, v)
}

func (h serviceHandlers) create(c echo.Context) error {
	in := serviceForm(c)
	in.Version = 0
	_, err := h.svc.Create(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err == nil {
		return h.s.done(c, "/cases/"+c.Param("id")+"/services", "flash.service_added")
	}
	v := servicesPage{In: in, Ref: services.ReferralInput{ExpiresInDays: services.DefaultReferralDays}}
	return h.failed(c, err, v, func(p *servicesPage, e map[string]string) { p.Errors = e })
}

func (h serviceHandlers) update(c echo.Context) error {
	in := serviceForm(c)
	_, err := h.svc.Update(c.Request().Context(), actorOf(c), c.Param("id"), c.Param("sid"), in)
	if err == nil {
		return h.s.done(c, "/cases/"+c.Param("id")+"/services", "flash.service_updated")
	}
	v := servicesPage{In: services.Input{Status: "planned", ProviderKind: "own"},
		Ref: services.ReferralInput{ExpiresInDays: services.DefaultReferralDays}}
	v.EditID, v.EditIn = c.Param("sid"), in
	return h.failed(c, err, v, func(p *servicesPage, e map[string]string) { p.EditErrors = e })
}

func referralForm(c echo.Context) services.ReferralInput {
	days, err := strconv.Atoi(c.FormValue("expires_in_days"))
	if err != nil {
		days = -1
	}
	return services.ReferralInput{Recipient: c.FormValue("recipient"), Service: c.FormValue("service"),
		Needs: c.FormValue("needs"), Contact: c.FormValue("contact"), Urgency: c.FormValue("urgency"),
		UseAlias: c.FormValue("use_alias") == "on", ExpiresInDays: days}
}

func (h serviceHandlers) refer(c echo.Context) error {
	in := referralForm(c)
	_, _, err := h.svc.Refer(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err == nil {
		return h.s.done(c, "/cases/"+c.Param("id")+"/services", "flash.referral_prepared")
	}
	v := servicesPage{In: services.Input{Status: "planned", ProviderKind: "own"}, Ref: in}
	return h.failed(c, err, v, func(p *servicesPage, e map[string]string) { p.RefErrors = e })
}

// renew renews a referral from the services page of its case; refused, that page shows again with
// the message at the referral's renewal field and the days typed.
func (h serviceHandlers) renew(c echo.Context) error {
	days, err := strconv.Atoi(c.FormValue("expires_in_days"))
	if err != nil {
		days = -1
	}
	r, _, err := h.svc.Renew(c.Request().Context(), actorOf(c), c.Param("pid"), days)
	if err == nil {
		return h.s.done(c, "/cases/"+r.CaseID+"/services", "flash.referral_renewed")
	}
	v := servicesPage{In: services.Input{Status: "planned", ProviderKind: "own"},
		Ref: services.ReferralInput{ExpiresInDays: services.DefaultReferralDays}, CaseID: c.FormValue("case_id"),
		RenewID: c.Param("pid"), RenewDays: c.FormValue("expires_in_days")}
	return h.failed(c, err, v, func(p *servicesPage, e map[string]string) { p.RenewErrors = e })
}

func (h serviceHandlers) apiList(c echo.Context) error {
	l, err := h.svc.List(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

func (h serviceHandlers) apiCreate(c echo.Context) error {
	var in services.Input
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, err := h.svc.Create(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

func (h serviceHandlers) apiUpdate(c echo.Context) error {
	var in services.Input
	if err := decodeSection(c, &in, services.Record{}); err != nil { // api_update.go
		return err
	}
	r, err := h.svc.Update(c.Request().Context(), actorOf(c), c.Param("id"), c.Param("sid"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// referralJSON is a referral as the API returns it: the planned service and the packet's envelope.
type referralJSON struct {
	Service *services.Record `json:"service"`
	Packet  any              `json:"packet"`
}

func (h serviceHandlers) apiRefer(c echo.Context) error {
	var in services.ReferralInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, p, err := h.svc.Refer(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	p.Payload = nil
	return c.JSON(http.StatusCreated, referralJSON{Service: r, Packet: p})
}

func (h serviceHandlers) apiRenew(c echo.Context) error {
	var in struct {
		ExpiresInDays int `json:"expires_in_days"`
	}
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	r, p, err := h.svc.Renew(c.Request().Context(), actorOf(c), c.Param("pid"), in.ExpiresInDays)
	if err != nil {
		return err
	}
	p.Payload = nil
	return c.JSON(http.StatusOK, referralJSON{Service: r, Packet: p})
}

// ErrorSummary is the summary of the form that failed (the referral, a service's edit or the new
// service), its messages linked to that form's fields in its order.
func (v servicesPage) ErrorSummary() ErrorSummary {
	switch {
	case v.RenewID != "":
		order := []string{}
		for _, it := range v.Items {
			if it.ReferralID == v.RenewID {
				order = append(order, "expires_in_days#renew-"+it.ID+":services.renew_days")
			}
		}
		return formSummary(v.L, v.Error, v.RenewErrors, order...)
	case len(v.RefErrors) > 0:
		return formSummary(v.L, v.Error, v.RefErrors, "recipient:services.field.recipient", "service:services.field.kind",
			"needs:services.field.needs", "contact:services.field.contact", "urgency:services.field.urgency",
			"expires_in_days:services.field.expires_in_days")
	case v.EditID != "":
		id := v.EditID
		return formSummary(v.L, v.Error, v.EditErrors, "status#status-"+id+":services.field.status",
			"start_date#start-"+id+":services.field.start_date", "end_date#end-"+id+":services.field.end_date",
			"outcome#outcome-"+id+":services.field.outcome")
	}
	return formSummary(v.L, v.Error, v.Errors, "kind:services.field.kind", "status:services.field.status",
		"provider_kind:services.field.provider_kind", "provider_agency:services.field.provider_agency",
		"start_date:services.field.start_date", "end_date:services.field.end_date", "outcome:services.field.outcome")
}
