package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/exchange"
	"homeward/internal/problem"
	"homeward/internal/services"
)

// referralHandlers serve an NGO worker's referrals: the referrals addressed to their agency, each
// showing only the referral's allow-listed fields, with accept, decline, progress and completion.
type referralHandlers struct {
	s *Server
}

// referralRow is one referral in the NGO's list.
type referralRow struct {
	exchange.Summary
	StatusLabel, SenderName string
}

// referralListPage is the view model of referrals.html.
type referralListPage struct {
	Base
	Items    []referralRow
	Statuses []sectionOption
	Status   string
	Next     string
	Paged    bool // not on the first page: a link back to it
}

// referralField is one field of a referral's payload, translated.
type referralField struct {
	Name, Label, Value string
}

// referralPage is the view model of referral.html.
type referralPage struct {
	Base
	Packet      *exchange.Packet
	StatusLabel string
	SenderName  string
	Fields      []referralField
	CanDecide   bool // sent or opened: accept or decline
	CanReply    bool // accepted: progress and completion
	Progress    []sectionOption
	In          map[string]string
	Errors      map[string]string
	Error       string
}

func (h referralHandlers) list(c echo.Context) error {
	ctx, l := c.Request().Context(), localizerOf(c)
	status := c.QueryParam("status")
	page, err := h.s.Exchange.Inbox(ctx, actorOf(c), exchange.InboxFilter{Kind: exchange.KindReferral,
		Status: exchange.Status(status), Cursor: c.QueryParam("cursor")})
	if err != nil {
		return err
	}
	v := referralListPage{Base: h.s.base(c), Status: status, Next: page.NextCursor, Paged: c.QueryParam("cursor") != ""}
	var statuses []string
	for _, st := range exchange.Statuses {
		if st != exchange.StatusPendingApproval {
			statuses = append(statuses, string(st))
		}
	}
	v.Statuses = sectionOptions(l, "packet.status.", statuses, status)
	names := map[string]string{}
	for _, it := range page.Items {
		if _, ok := names[it.Sender]; !ok {
			names[it.Sender] = it.Sender
			if ag, err := h.s.Directory.AgencyBySlug(ctx, it.Sender); err == nil {
				names[it.Sender] = ag.Name(l.Lang)
			}
		}
		v.Items = append(v.Items, referralRow{Summary: it, StatusLabel: l.T("packet.status." + it.Status), SenderName: names[it.Sender]})
	}
	return h.s.render(c, http.StatusOK, "referrals", v)
}

// open opens a referral addressed to the actor's agency; any other kind of packet is not found here.
func (h referralHandlers) open(c echo.Context) (*exchange.Packet, error) {
	p, err := h.s.Exchange.Open(c.Request().Context(), actorOf(c), c.Param("pid"))
	if err != nil {
		return nil, err
	}
	if p.Kind != exchange.KindReferral {
		return nil, fmt.Errorf("referral: packet of kind %s: %w", p.Kind, authz.ErrNotFound)
	}
	return p, nil
}

func (h referralHandlers) render(c echo.Context, status int, p *exchange.Packet, v referralPage) error {
	l := localizerOf(c)
	v.Base, v.Packet = h.s.base(c), p
	v.StatusLabel = l.T("packet.status." + string(p.Status))
	v.SenderName = p.Sender
	if ag, err := h.s.Directory.AgencyBySlug(c.Request().Context(), p.Sender); err == nil {
		v.SenderName = ag.Name(l.Lang)
	}
	for _, name := range services.Spec.Fields {
		val, ok := p.Payload[name]
		if !ok {
			continue
		}
		v.Fields = append(v.Fields, referralField{Name: name, Label: l.T("referral.field." + name), Value: referralValue(c, name, val)})
	}
	write := v.Actor.Can(authz.SectionInbox, authz.ActionWrite)
	v.CanDecide = write && (p.Status == exchange.StatusSent || p.Status == exchange.StatusOpened)
	v.CanReply = write && p.Status == exchange.StatusAccepted
	v.Progress = sectionOptions(l, "referral.progress.", []string{"in_progress", "completed"}, v.In["status"])
	return h.s.render(c, status, "referral", v)
}

// referralValue translates a payload value for the page.
func referralValue(c echo.Context, name string, v any) string {
	l := localizerOf(c)
	switch x := v.(type) {
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if name == "languages" {
				parts = append(parts, codeLabel(l, "lang.", e))
				continue
			}
			parts = append(parts, fmt.Sprint(e))
		}
		return strings.Join(parts, ", ")
	case string:
		switch name {
		case "service":
			return l.T("services.kind." + x)
		case "urgency":
			return l.T("services.urgency." + x)
		case "sex":
			return l.T("sex." + x)
		case "consent_scope":
			return l.T("consent.purpose." + x)
		case "contact":
			if x == "through_referring_agency" {
				return l.T("referral.contact.through_referring_agency")
			}
		}
		return x
	}
	return fmt.Sprint(v)
}

// page shows a referral; another kind of packet is shown by the inbox's own page.
func (h referralHandlers) page(c echo.Context) error {
	p, err := h.s.Exchange.Open(c.Request().Context(), actorOf(c), c.Param("pid"))
	if err != nil {
		return err
	}
	if p.Kind != exchange.KindReferral {
		return c.Redirect(http.StatusSeeOther, "/inbox/"+p.ID)
	}
	return h.render(c, http.StatusOK, p, referralPage{In: map[string]string{}})
}

// act runs an answer to a referral; invalid input or a conflict re-renders the referral.
func (h referralHandlers) act(c echo.Context, in map[string]string, key string, f func(p *exchange.Packet) error) error {
	p, err := h.open(c)
	if err != nil {
		return err
	}
	err = f(p)
	if err == nil {
		return h.s.done(c, "/referrals/"+p.ID, key)
	}
	status, errs, msg, ok := formFailure(c, err)
	if !ok {
		return err
	}
	v := referralPage{In: in, Errors: errs, Error: msg}
	if status == http.StatusConflict {
		v.Error = localizerOf(c).T("referral.error.conflict")
	}
	if p, err = h.open(c); err != nil {
		return err
	}
	return h.render(c, status, p, v)
}

func (h referralHandlers) accept(c echo.Context) error {
	return h.act(c, map[string]string{}, "flash.referral_accepted", func(p *exchange.Packet) error {
		_, err := h.s.Exchange.Accept(c.Request().Context(), actorOf(c), p.ID)
		return err
	})
}

func (h referralHandlers) decline(c echo.Context) error {
	in := map[string]string{"reason": c.FormValue("reason")}
	return h.act(c, in, "flash.referral_declined", func(p *exchange.Packet) error {
		if c.FormValue("confirm") != "on" {
			return &problem.Invalid{Fields: map[string]string{"confirm": "referral.error.confirm"}}
		}
		_, err := h.s.Exchange.Decline(c.Request().Context(), actorOf(c), p.ID, in["reason"])
		return err
	})
}

// progress posts progress (in progress) or completion, with a note and an outcome, as a reply.
func (h referralHandlers) progress(c echo.Context) error {
	in := map[string]string{"status": c.FormValue("status"), "note": c.FormValue("note"), "outcome": c.FormValue("outcome")}
	key := "flash.referral_progress"
	if in["status"] == "completed" {
		key = "flash.referral_completed"
	}
	return h.act(c, in, key, func(p *exchange.Packet) error {
		switch p.Status {
		case exchange.StatusDeclined:
			return problem.ErrConflict // a declined referral takes nothing more
		case exchange.StatusAccepted:
		default:
			return &problem.Invalid{Fields: map[string]string{"": "referral.error.accept_first"}}
		}
		if !slices.Contains([]string{"in_progress", "completed"}, in["status"]) {
			return &problem.Invalid{Fields: map[string]string{"status": "form.error.choose"}}
		}
		payload := exchange.Payload{}
		for k, v := range in {
			payload[k] = v
		}
		_, err := h.s.Exchange.Reply(c.Request().Context(), actorOf(c), p.ID, payload)
		return err
	})
}
