package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/crossmatch"
	"homeward/internal/exchange"
	"homeward/internal/locale"
	"homeward/internal/problem"
	"homeward/internal/repatriation"
)

// packetHandlers serve the exchange: a case's packets and the agency's inbox.
type packetHandlers struct{ s *Server }

// packetRow is a packet in a list, translated.
type packetRow struct {
	exchange.Packet
	KindLabel, StatusLabel, FieldLabels string
	RecipientName, SenderName           string // the agencies' names in the page's language
	Outgoing, CanApprove, CanRevoke     bool
}

// packetOption is a choice of a select or a checkbox.
type packetOption struct {
	Value, Label string
	Selected     bool
}

// packetsPage is the view model of packets.html (the case's Packets tab).
type packetsPage struct {
	Base
	Tabs       caseTabs
	View       *exchange.CaseView
	Rows       []packetRow
	CanWrite   bool
	Kinds      []packetOption // links to the form of each kind
	Kind       string         // the kind whose form is shown
	Recipients []packetOption
	Fields     []packetOption
	Override   string
	Note       string
	// CanOverride shows the consent override field (consent:override).
	CanOverride bool
	Errors      map[string]string
	Error       string
}

// fieldLabel translates a payload field name.
func fieldLabel(l *locale.Localizer, name string) string { return l.T("packets.field." + name) }

// agencyNamer names agencies by slug in the language (the slug when the directory does not know
// it), looking each up once.
func (h packetHandlers) agencyNamer(ctx context.Context, lang string) func(string) string {
	names := map[string]string{}
	return func(slug string) string {
		if n, ok := names[slug]; ok {
			return n
		}
		n := slug
		if ag, err := h.s.Directory.AgencyBySlug(ctx, slug); err == nil {
			n = ag.Name(lang)
		}
		names[slug] = n
		return n
	}
}

func (h packetHandlers) rows(c echo.Context, l *locale.Localizer, a *authz.Actor, list []exchange.Packet) []packetRow {
	name := h.agencyNamer(c.Request().Context(), l.Lang)
	out := make([]packetRow, 0, len(list))
	for _, p := range list {
		labels := make([]string, len(p.Fields))
		for i, f := range p.Fields {
			labels[i] = fieldLabel(l, f)
		}
		r := packetRow{Packet: p, KindLabel: l.T("packet.kind." + string(p.Kind)), StatusLabel: l.T("packet.status." + string(p.Status)),
			FieldLabels: strings.Join(labels, ", "), Outgoing: p.Sender == a.AgencySlug && p.Kind != exchange.KindReply,
			RecipientName: name(p.Recipient), SenderName: name(p.Sender)}
		r.CanApprove = r.Outgoing && p.Status == exchange.StatusPendingApproval && p.AskedBy != a.UserID &&
			a.Can(authz.SectionPackets, authz.ActionApprove)
		r.CanRevoke = r.Outgoing && a.Can(authz.SectionPackets, authz.ActionWrite) && h.s.Exchange.Revocable(&p)
		out = append(out, r)
	}
	return out
}

// renderCase shows the Packets tab with the form of v.Kind.
func (h packetHandlers) renderCase(c echo.Context, status int, v packetsPage, chosen map[string]bool, recipient string) error {
	a := actorOf(c)
	view, err := h.s.Exchange.ForCaseView(c.Request().Context(), a, c.Param("id"))
	if err != nil {
		return err
	}
	b := h.s.base(c)
	l := b.L
	v.Base, v.View, v.Tabs = b, view, tabsFor(c, view.CaseID, "/packets")
	v.Rows = h.rows(c, l, a, view.Packets)
	v.CanWrite = a.Can(authz.SectionPackets, authz.ActionWrite)
	v.CanOverride = a.Can(authz.SectionConsent, authz.ActionOverride)
	var kinds []string
	for _, k := range h.s.Exchange.Kinds() { // sorted
		if h.s.Exchange.Offered(k) {
			kinds = append(kinds, string(k))
		}
	}
	for _, k := range kinds {
		v.Kinds = append(v.Kinds, packetOption{Value: k, Label: l.T("packet.kind." + k), Selected: k == v.Kind})
	}
	if spec, ok := h.s.Exchange.Spec(exchange.Kind(v.Kind)); ok && h.s.Exchange.Offered(spec.Kind) {
		for _, r := range view.Recipients[spec.Kind] {
			v.Recipients = append(v.Recipients, packetOption{Value: r.Slug, Label: r.Name(l.Lang), Selected: r.Slug == recipient})
		}
		for _, f := range spec.Fields {
			v.Fields = append(v.Fields, packetOption{Value: f, Label: fieldLabel(l, f), Selected: chosen == nil || chosen[f]})
		}
	} else {
		v.Kind = ""
	}
	return h.s.render(c, status, "packets", v)
}

func (h packetHandlers) casePage(c echo.Context) error {
	return h.renderCase(c, http.StatusOK, packetsPage{Kind: c.QueryParam("kind")}, nil, "")
}

// prepare prepares a packet from the form; invalid input re-renders the form with 422.
func (h packetHandlers) prepare(c echo.Context) error {
	id := c.Param("id")
	form, _ := c.FormParams()
	d := exchange.Draft{Kind: exchange.Kind(c.FormValue("kind")), Recipient: c.FormValue("recipient"),
		Fields: form["fields"], Override: c.FormValue("override")}
	if note := strings.TrimSpace(c.FormValue("note")); note != "" {
		d.Extra = map[string]string{"note": note}
	}
	var err error
	if len(d.Fields) == 0 {
		// Nothing ticked on the form is an empty projection, never "every field".
		err = &problem.Invalid{Fields: map[string]string{"fields": "packets.error.fields_empty"}}
	} else {
		_, err = h.s.Exchange.Prepare(c.Request().Context(), actorOf(c), id, d)
	}
	if err == nil {
		return h.s.done(c, "/cases/"+id+"/packets", "flash.packet_prepared")
	}
	status, _ := classify(err)
	if status != http.StatusUnprocessableEntity && status != http.StatusConflict {
		return err
	}
	chosen := map[string]bool{}
	for _, f := range form["fields"] {
		chosen[f] = true
	}
	v := packetsPage{Kind: string(d.Kind), Override: c.FormValue("override"), Note: c.FormValue("note")}
	v.Errors, v.Error = formErrors(localizerOf(c), err)
	return h.renderCase(c, status, v, chosen, d.Recipient)
}

// formErrors translates an invalid or conflict error for a form.
func formErrors(l *locale.Localizer, err error) (map[string]string, string) {
	errs := map[string]string{}
	if inv, ok := problem.AsInvalid(err); ok {
		for f, key := range inv.Fields {
			if name, ok := strings.CutPrefix(f, "fields."); ok {
				errs["fields"] = l.T(key) + ": " + fieldLabel(l, name)
				continue
			}
			if _, ok := errs[f]; !ok {
				errs[f] = l.T(key)
			}
		}
		msg := l.T("form.fix_errors")
		for _, f := range []string{"", "case", "approver", "version", "consent", "override", "recipient", "kind", "fields"} {
			if e, ok := errs[f]; ok {
				msg = e
				break
			}
		}
		return errs, msg
	}
	if named, ok := problem.ConflictOf(err); ok {
		return errs, l.T(named.Key)
	}
	return errs, l.T("error.conflict")
}

func (h packetHandlers) approve(c echo.Context) error {
	id := c.Param("id")
	var err error
	if version, verr := strconv.Atoi(c.FormValue("version")); verr != nil || version < 1 {
		// The version the supervisor saw: without it, the packet could have changed unseen.
		err = &problem.Invalid{Fields: map[string]string{"version": "form.error.required"}}
	} else {
		_, err = h.s.Exchange.Approve(c.Request().Context(), actorOf(c), c.Param("pid"), version)
	}
	if err == nil {
		return h.s.done(c, "/cases/"+id+"/packets", "flash.packet_approved")
	}
	status, _ := classify(err)
	if status != http.StatusUnprocessableEntity && status != http.StatusConflict {
		return err
	}
	v := packetsPage{}
	v.Errors, v.Error = formErrors(localizerOf(c), err)
	return h.renderCase(c, status, v, nil, "")
}

// revokePage is the view model of packets_revoke.html: the confirmation step of a revocation.
type revokePage struct {
	Base
	Tabs   caseTabs
	CaseID string
	Packet packetRow
	Reason string
	Errors map[string]string
	Error  string
}

func (h packetHandlers) renderRevoke(c echo.Context, status int, v revokePage) error {
	a := actorOf(c)
	p, err := h.s.Exchange.Outgoing(c.Request().Context(), a, c.Param("pid"))
	if err != nil {
		return err
	}
	b := h.s.base(c)
	p.Payload = nil
	v.Base, v.Tabs, v.CaseID, v.Packet = b, tabsFor(c, c.Param("id"), "/packets"), c.Param("id"), h.rows(c, b.L, a, []exchange.Packet{*p})[0]
	return h.s.render(c, status, "packets_revoke", v)
}

func (h packetHandlers) confirmRevoke(c echo.Context) error {
	return h.renderRevoke(c, http.StatusOK, revokePage{})
}

func (h packetHandlers) revoke(c echo.Context) error {
	_, err := h.s.Exchange.Revoke(c.Request().Context(), actorOf(c), c.Param("pid"), c.FormValue("reason"))
	if err == nil {
		return h.s.done(c, "/cases/"+c.Param("id")+"/packets", "flash.packet_revoked")
	}
	status, _ := classify(err)
	if status != http.StatusUnprocessableEntity && status != http.StatusConflict {
		return err
	}
	v := revokePage{Reason: c.FormValue("reason")}
	v.Errors, v.Error = formErrors(localizerOf(c), err)
	return h.renderRevoke(c, status, v)
}

// inboxPage is the view model of inbox.html.
type inboxPage struct {
	Base
	Items    []inboxRow
	Statuses []packetOption
	Kinds    []packetOption
	Next     string // URL of the next page, "" on the last
	First    string // URL of the first page when not on it
	Filtered bool   // a status or kind is chosen (the empty state says so)
}

type inboxRow struct {
	exchange.Summary
	KindLabel, StatusLabel, SenderName string
}

func (h packetHandlers) inbox(c echo.Context) error {
	f := exchange.InboxFilter{Status: exchange.Status(c.QueryParam("status")), Kind: exchange.Kind(c.QueryParam("kind")),
		Cursor: c.QueryParam("cursor"), Limit: 50}
	page, err := h.s.Exchange.Inbox(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	b := h.s.base(c)
	l := b.L
	v := inboxPage{Base: b, Filtered: f.Status != "" || f.Kind != ""}
	name := h.agencyNamer(c.Request().Context(), l.Lang)
	for _, it := range page.Items {
		v.Items = append(v.Items, inboxRow{Summary: it, KindLabel: l.T("packet.kind." + it.Kind), StatusLabel: l.T("packet.status." + it.Status),
			SenderName: name(it.Sender)})
	}
	for _, st := range exchange.Statuses[1:] { // never pending approval: that is the sender's
		v.Statuses = append(v.Statuses, packetOption{Value: string(st), Label: l.T("packet.status." + string(st)), Selected: st == f.Status})
	}
	for _, k := range append(h.s.Exchange.Kinds(), exchange.KindReply) {
		v.Kinds = append(v.Kinds, packetOption{Value: string(k), Label: l.T("packet.kind." + string(k)), Selected: k == f.Kind})
	}
	q := url.Values{}
	if f.Status != "" {
		q.Set("status", string(f.Status))
	}
	if f.Kind != "" {
		q.Set("kind", string(f.Kind))
	}
	if f.Cursor != "" {
		v.First = "/inbox?" + q.Encode()
	}
	if page.NextCursor != "" {
		q.Set("cursor", page.NextCursor)
		v.Next = "/inbox?" + q.Encode()
	}
	return h.s.render(c, http.StatusOK, "inbox", v)
}

// payloadItem is a payload field as the packet page shows it.
type payloadItem struct{ Label, Value string }

// replyField is a field of the reply form.
type replyField struct {
	Name, Label, Type, Value, Error string // Type: text, date, yesno, choice, route, note (repatriation.Reply*)
	Options                         []packetOption
	Flight, FlightName              string // a route's flight details, as typed, and their input's name
}

// inboxPacketPage is the view model of inbox_packet.html.
type inboxPacketPage struct {
	Base
	Packet     packetRow
	SenderName string
	Payload    []payloadItem
	CanAct     bool // accept / decline
	CanReply   bool
	Reply      []replyField
	ReplyHint  string
	Reason     string
	Errors     map[string]string
	Error      string
	Done       string // a flash after accept, decline or reply
	// Candidate is, for a question about a possible match (linkage_ask), the case on our side.
	Candidate *candidateLink
}

func formatValue(l *locale.Localizer, v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case string:
		return x
	case bool:
		if x {
			return l.T("packets.yes")
		}
		return l.T("packets.no")
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatValue(l, e)
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + formatValue(l, x[k])
		}
		return strings.Join(parts, "; ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// payloadOrder lists the payload's fields in the order of the kind's spec (name first, as a form
// reads), then any other field of the packet, as it lists them.
func payloadOrder(spec exchange.Spec, p *exchange.Packet) []string {
	out := make([]string, 0, len(p.Fields))
	seen := map[string]bool{}
	add := func(f string) {
		if _, ok := p.Payload[f]; ok && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, f := range spec.Fields {
		if slices.Contains(p.Fields, f) {
			add(f)
		}
	}
	for _, f := range p.Fields {
		add(f)
	}
	return out
}

// codeLabel translates a code as prefix+code, or shows the code itself when there is no such message.
func codeLabel(l *locale.Localizer, prefix string, v any) string {
	code, ok := v.(string)
	if !ok {
		return formatValue(l, v)
	}
	if s := l.T(prefix + code); s != prefix+code {
		return s
	}
	return code
}

// dayLabel shows a YYYY-MM-DD (or RFC 3339) value as a date in the user's language.
func dayLabel(l *locale.Localizer, v any) string {
	s, _ := v.(string)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return l.Date(t)
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return l.DateTime(t)
	}
	return formatValue(l, v)
}

// eachLabel applies f to each element of a list value and joins the results.
func eachLabel(l *locale.Localizer, v any, f func(any) string) string {
	list, ok := v.([]any)
	if !ok {
		return f(v)
	}
	parts := make([]string, 0, len(list))
	for _, e := range list {
		parts = append(parts, f(e))
	}
	return strings.Join(parts, ", ")
}

// payloadValue shows a payload field's value as a person reads it: codes translated (sex, documents,
// decisions, requested items, services), dates in the user's format; anything else as it is.
func payloadValue(l *locale.Localizer, field string, v any) string {
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	switch field {
	case "sex":
		return codeLabel(l, "sex.", v)
	case "languages":
		return eachLabel(l, v, func(e any) string { return codeLabel(l, "lang.", e) })
	case "requested":
		return eachLabel(l, v, func(e any) string { return codeLabel(l, "repatriation.request.", e) })
	case "service":
		return codeLabel(l, "services.kind.", v)
	case "urgency":
		return codeLabel(l, "services.urgency.", v)
	case "consent_scope":
		return codeLabel(l, "consent.purpose.", v)
	case "checkpoint":
		return codeLabel(l, "handover.checkpoint.", v)
	case "travel_document_type":
		return codeLabel(l, "repatriation.document_type.", v)
	case "travel_route":
		if s, _ := v.(string); s != "" {
			if route, details, ok := repatriation.SplitRoute(s); ok {
				return join(l.T("repatriation.route."+route), details)
			}
		}
	case "birth_date", "handover_at", "travel_date", "travel_document_valid_until":
		return dayLabel(l, v)
	case "documents":
		return eachLabel(l, v, func(e any) string {
			m, ok := e.(map[string]any)
			if !ok {
				return codeLabel(l, "intake.doc.", e)
			}
			return strings.TrimSpace(codeLabel(l, "intake.doc.", str(m, "kind")) + " " + str(m, "number"))
		})
	case "identification":
		if m, ok := v.(map[string]any); ok {
			return join(codeLabel(l, "identification.decision.", str(m, "decision")), dayLabel(l, str(m, "decided_on")))
		}
	case "operation":
		if m, ok := v.(map[string]any); ok {
			return join(str(m, "name"), dayLabel(l, str(m, "date")), str(m, "province"))
		}
	}
	return formatValue(l, v)
}

// replyType is how the reply form asks for a field.
func replyType(name string) string {
	switch name {
	case "nationality_verified", "accepted", "declined", "same_person":
		return "yesno"
	case "travel_date", "travel_document_valid_until", "handover_at":
		return "date"
	}
	return "text"
}

func (h packetHandlers) renderPacket(c echo.Context, status int, v inboxPacketPage, typed map[string]string) error {
	a := actorOf(c)
	p, err := h.s.Exchange.Open(c.Request().Context(), a, c.Param("pid"))
	if err != nil {
		return err
	}
	b := h.s.base(c)
	l := b.L
	v.Base, v.Packet = b, h.rows(c, l, a, []exchange.Packet{*p})[0]
	if ag, err := h.s.Directory.AgencyBySlug(c.Request().Context(), p.Sender); err == nil {
		v.SenderName = ag.Name(l.Lang)
	}
	spec, _ := h.s.Exchange.Spec(p.Kind)
	for _, f := range payloadOrder(spec, p) {
		v.Payload = append(v.Payload, payloadItem{Label: fieldLabel(l, f), Value: payloadValue(l, f, p.Payload[f])})
	}
	canWrite := a.Can(authz.SectionInbox, authz.ActionWrite)
	v.CanAct = canWrite && p.Kind != exchange.KindReply && (p.Status == exchange.StatusSent || p.Status == exchange.StatusOpened)
	ok := len(spec.ReplyFields) > 0
	v.CanReply = canWrite && ok && p.Status != exchange.StatusDeclined &&
		(p.Kind != crossmatch.KindAsk || a.Can(authz.SectionPersons, authz.ActionMerge)) // a possible match: those who decide it
	v.Reply = replyForm(l, spec, typed, v.Errors)
	if p.Kind == exchange.KindRepatriation {
		v.ReplyHint = l.T("repatriation.reply.hint")
	}
	v.Candidate = h.candidateOf(c, p)
	if v.Candidate != nil && v.Candidate.Answered {
		v.CanReply = false // a question is answered once
	}
	return h.s.render(c, status, "inbox_packet", v)
}

func (h packetHandlers) packetPage(c echo.Context) error {
	v := inboxPacketPage{}
	switch c.QueryParam("done") {
	case "accepted", "declined", "replied":
		v.Done = localizerOf(c).T("packets.done." + c.QueryParam("done"))
	}
	return h.renderPacket(c, http.StatusOK, v, nil)
}

func (h packetHandlers) accept(c echo.Context) error {
	_, err := h.s.Exchange.Accept(c.Request().Context(), actorOf(c), c.Param("pid"))
	if err == nil {
		return redirect(c, "/inbox/"+c.Param("pid")+"?done=accepted")
	}
	status, _ := classify(err)
	if status != http.StatusUnprocessableEntity && status != http.StatusConflict {
		return err
	}
	v := inboxPacketPage{}
	v.Errors, v.Error = formErrors(localizerOf(c), err)
	return h.renderPacket(c, status, v, nil)
}

// declinePage is the view model of inbox_decline.html: the confirmation step of a decline.
type declinePage struct {
	Base
	Packet packetRow
	Reason string
	Errors map[string]string
	Error  string
}

func (h packetHandlers) renderDecline(c echo.Context, status int, v declinePage) error {
	a := actorOf(c)
	p, err := h.s.Exchange.Open(c.Request().Context(), a, c.Param("pid"))
	if err != nil {
		return err
	}
	b := h.s.base(c)
	p.Payload = nil
	v.Base, v.Packet = b, h.rows(c, b.L, a, []exchange.Packet{*p})[0]
	return h.s.render(c, status, "inbox_decline", v)
}

func (h packetHandlers) confirmDecline(c echo.Context) error {
	return h.renderDecline(c, http.StatusOK, declinePage{})
}

func (h packetHandlers) decline(c echo.Context) error {
	_, err := h.s.Exchange.Decline(c.Request().Context(), actorOf(c), c.Param("pid"), c.FormValue("reason"))
	if err == nil {
		return redirect(c, "/inbox/"+c.Param("pid")+"?done=declined")
	}
	status, _ := classify(err)
	if status == http.StatusConflict {
		v := inboxPacketPage{}
		v.Errors, v.Error = formErrors(localizerOf(c), err)
		return h.renderPacket(c, status, v, nil)
	}
	if status != http.StatusUnprocessableEntity {
		return err
	}
	v := declinePage{Reason: c.FormValue("reason")}
	v.Errors, v.Error = formErrors(localizerOf(c), err)
	return h.renderDecline(c, status, v)
}

// reply sends the reply form: only the kind's reply fields are read from it.
func (h packetHandlers) reply(c echo.Context) error {
	form, _ := c.FormParams()
	fields, typed := replyPayload(form)
	_, err := h.s.Exchange.Reply(c.Request().Context(), actorOf(c), c.Param("pid"), fields)
	if err == nil {
		return redirect(c, "/inbox/"+c.Param("pid")+"?done=replied")
	}
	status, _ := classify(err)
	if status != http.StatusUnprocessableEntity && status != http.StatusConflict {
		return err
	}
	v := inboxPacketPage{}
	v.Errors, v.Error = formErrors(localizerOf(c), err)
	return h.renderPacket(c, status, v, typed)
}

// packetInput is the JSON body of POST /api/v1/cases/{id}/packets.
type packetInput struct {
	Kind      string            `json:"kind"`
	Recipient string            `json:"recipient"`
	Fields    []string          `json:"fields"`
	Override  string            `json:"override"`
	Extra     map[string]string `json:"extra"`
	// ExpiresInDays: 0 for the kind's default.
	ExpiresInDays int `json:"expires_in_days"`
}

func (h packetHandlers) apiPrepare(c echo.Context) error {
	var in packetInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	d := exchange.Draft{Kind: exchange.Kind(in.Kind), Recipient: in.Recipient, Fields: in.Fields, Override: in.Override,
		Extra: in.Extra, ExpiresIn: time.Duration(in.ExpiresInDays) * 24 * time.Hour}
	p, err := h.s.Exchange.Prepare(c.Request().Context(), actorOf(c), c.Param("id"), d)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

func (h packetHandlers) apiForCase(c echo.Context) error {
	list, err := h.s.Exchange.ForCase(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": list})
}

func (h packetHandlers) apiOutgoing(c echo.Context) error {
	p, err := h.s.Exchange.Outgoing(c.Request().Context(), actorOf(c), c.Param("pid"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// apiApprove approves a packet: the body's version is required (422 without it, 409 when stale).
func (h packetHandlers) apiApprove(c echo.Context) error {
	var in struct {
		Version *int `json:"version"`
	}
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	if in.Version == nil || *in.Version < 1 {
		return &problem.Invalid{Fields: map[string]string{"version": "form.error.required"}}
	}
	p, err := h.s.Exchange.Approve(c.Request().Context(), actorOf(c), c.Param("pid"), *in.Version)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

type reasonInput struct {
	Reason string `json:"reason"`
}

func (h packetHandlers) apiRevoke(c echo.Context) error {
	var in reasonInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := h.s.Exchange.Revoke(c.Request().Context(), actorOf(c), c.Param("pid"), in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (h packetHandlers) apiInbox(c echo.Context) error {
	limit := 0
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return &problem.Invalid{Fields: map[string]string{"limit": "packets.error.limit"}}
		}
		limit = n
	}
	page, err := h.s.Exchange.Inbox(c.Request().Context(), actorOf(c), exchange.InboxFilter{
		Status: exchange.Status(c.QueryParam("status")), Kind: exchange.Kind(c.QueryParam("kind")),
		Cursor: c.QueryParam("cursor"), Limit: limit})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (h packetHandlers) apiOpen(c echo.Context) error {
	p, err := h.s.Exchange.Open(c.Request().Context(), actorOf(c), c.Param("pid"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (h packetHandlers) apiAccept(c echo.Context) error {
	p, err := h.s.Exchange.Accept(c.Request().Context(), actorOf(c), c.Param("pid"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (h packetHandlers) apiDecline(c echo.Context) error {
	var in reasonInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := h.s.Exchange.Decline(c.Request().Context(), actorOf(c), c.Param("pid"), in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (h packetHandlers) apiReply(c echo.Context) error {
	var in struct {
		Fields exchange.Payload `json:"fields"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := h.s.Exchange.Reply(c.Request().Context(), actorOf(c), c.Param("pid"), in.Fields)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}
