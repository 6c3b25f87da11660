package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/handover"
	"homeward/internal/locale"
	"homeward/internal/problem"
)

// handoverHandlers serve handover batches: the list, the new-batch form, the batch page of each
// side (approve; accept or decline), the printed record and the JSON API.
type handoverHandlers struct {
	s   *Server
	svc *handover.Service
}

// handoverSummary is a batch in the list, translated.
type handoverSummary struct {
	handover.Summary
	Other, CheckpointName, StatusName, When string
}

type handoverListPage struct {
	Base
	Items     []handoverSummary
	CanCreate bool
	Next      string // URL of the next (older) page, "" on the last
	First     string // URL of the first page when not on it
}

// agencyName is an agency's name in the page's language (the slug when unknown).
func (h handoverHandlers) agencyName(ctx context.Context, l *locale.Localizer, slug string) string {
	if ag, err := h.s.Directory.AgencyByRef(ctx, slug); err == nil {
		return ag.Name(l.Lang)
	}
	return slug
}

func (h handoverHandlers) list(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	cursor := c.QueryParam("cursor")
	page, err := h.svc.List(ctx, a, handover.ListFilter{Cursor: cursor})
	if err != nil {
		return err
	}
	b := h.s.base(c)
	v := handoverListPage{Base: b, CanCreate: a.Can(authz.SectionRepatriation, authz.ActionWrite) && a.Can(authz.SectionPackets, authz.ActionWrite)}
	if cursor != "" {
		v.First = "/handover/batches"
	}
	if page.NextCursor != "" {
		v.Next = "/handover/batches?" + url.Values{"cursor": {page.NextCursor}}.Encode()
	}
	for _, it := range page.Items {
		other := it.Recipient
		if it.Side == handover.SideRecipient {
			other = it.Sender
		}
		v.Items = append(v.Items, handoverSummary{Summary: it, Other: h.agencyName(ctx, b.L, other),
			CheckpointName: b.L.T("handover.checkpoint." + it.Checkpoint), StatusName: b.L.T("handover.status." + it.Status),
			When: b.L.DateTime(it.HandoverAt)})
	}
	return h.s.render(c, http.StatusOK, "handover_list", v)
}

// handoverDoc is a document kind offered on the form.
type handoverDoc struct {
	Kind, Label string
	Checked     bool
}

// handoverCandidate is a case offered on the new-batch form, with what was typed for it.
type handoverCandidate struct {
	handover.Candidate
	SexName, Age, Belongings, Error string
	Checked                         bool
	Docs                            []handoverDoc
}

type handoverFormPage struct {
	Base
	Recipients, Checkpoints []sectionOption
	In                      handover.BatchInput
	Candidates              []handoverCandidate
	CanOverride             bool
	Errors                  map[string]string
	Error                   string
}

func (h handoverHandlers) form(c echo.Context) error {
	return h.renderForm(c, http.StatusOK, handover.BatchInput{}, nil)
}

// renderForm shows the new-batch form with the typed input and its errors (err: a *problem.Invalid).
func (h handoverHandlers) renderForm(c echo.Context, status int, in handover.BatchInput, err error) error {
	ctx, a := c.Request().Context(), actorOf(c)
	cands, cerr := h.svc.Candidates(ctx, a)
	if cerr != nil {
		return cerr
	}
	recs, rerr := h.svc.Recipients(ctx, a)
	if rerr != nil {
		return rerr
	}
	b := h.s.base(c)
	l := b.L
	v := handoverFormPage{Base: b, In: in, Errors: map[string]string{},
		CanOverride: a.Can(authz.SectionConsent, authz.ActionOverride),
		Checkpoints: sectionOptions(l, "handover.checkpoint.", handover.Checkpoints, in.Checkpoint)}
	for _, r := range recs {
		v.Recipients = append(v.Recipients, sectionOption{Value: r.Slug, Label: r.Name(l.Lang), Selected: r.Slug == in.Recipient})
	}
	chosen := map[string]handover.PersonInput{}
	for _, p := range in.Persons {
		chosen[p.CaseID] = p
	}
	byCase := map[string]string{}
	if inv, ok := problem.AsInvalid(err); ok {
		for f, key := range inv.Fields {
			if n, perr := strconv.Atoi(strings.TrimPrefix(f, "persons.")); perr == nil && strings.HasPrefix(f, "persons.") && n < len(in.Persons) {
				byCase[in.Persons[n].CaseID] = l.T(key)
				continue
			}
			v.Errors[f] = l.T(key)
		}
		v.Error = l.T("form.fix_errors")
	}
	for _, cd := range cands {
		p, checked := chosen[cd.CaseID]
		hc := handoverCandidate{Candidate: cd, SexName: l.T("sex." + cd.Sex), Checked: checked, Belongings: p.Belongings,
			Error: byCase[cd.CaseID], Age: candidateAge(cd, time.Now())}
		for _, k := range cd.DocumentsHeld {
			hc.Docs = append(hc.Docs, handoverDoc{Kind: k, Label: l.T("intake.doc." + k),
				Checked: !checked || p.Documents == nil || contains(p.Documents, k)})
		}
		v.Candidates = append(v.Candidates, hc)
	}
	return h.s.render(c, status, "handover_new", v)
}

func candidateAge(cd handover.Candidate, on time.Time) string {
	p := handover.Person{AgeEstimate: cd.AgeEstimate}
	if cd.BirthDate != nil {
		p.BirthDate = cd.BirthDate.Format(time.DateOnly)
	}
	return ageText(p, on)
}

func ageText(p handover.Person, on time.Time) string {
	if age := p.Age(on); age >= 0 {
		return strconv.Itoa(age)
	}
	return "—"
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// batchInputOf reads the new-batch form: the cases ticked, each with its documents and belongings.
func batchInputOf(c echo.Context) handover.BatchInput {
	in := handover.BatchInput{Recipient: c.FormValue("recipient"), Checkpoint: c.FormValue("checkpoint"),
		HandoverAt: c.FormValue("handover_at"), SendingOfficials: c.FormValue("sending_officials"), Override: c.FormValue("override")}
	form, _ := c.FormParams()
	for _, id := range form["case"] {
		docs := form["documents_"+id]
		if docs == nil {
			docs = []string{}
		}
		in.Persons = append(in.Persons, handover.PersonInput{CaseID: id, Documents: docs, Belongings: form.Get("belongings_" + id)})
	}
	return in
}

func (h handoverHandlers) create(c echo.Context) error {
	in := batchInputOf(c)
	b, err := h.svc.Create(c.Request().Context(), actorOf(c), in)
	if _, ok := problem.AsInvalid(err); ok {
		return h.renderForm(c, http.StatusUnprocessableEntity, in, err)
	}
	if err != nil {
		return err
	}
	return h.s.done(c, "/handover/batches/"+b.ID, "flash.batch_created")
}

// handoverPerson is a person of a batch page, translated.
type handoverPerson struct {
	handover.Person
	SexName, Age, StatusName, DecisionName, DocsText, Reason, Error string
	DecidedOn                                                       string // the decision's day in the user's language
	Pending, Accept                                                 bool
}

type handoverBatchPage struct {
	Base
	B                                                     *handover.Batch
	SenderName, RecipientName, CheckpointName, StatusName string
	When, CreatedByName, ApprovedByName                   string
	Persons                                               []handoverPerson
	Pending                                               int // persons waiting for an answer (recipient)
	CanApprove, OwnBatch, CanAnswer                       bool
	Officials                                             string
	Errors                                                map[string]string
	Error                                                 string
}

// batchView translates a batch for its page; typed holds the answer typed before an error.
func (h handoverHandlers) batchView(c echo.Context, b *handover.Batch, typed *handover.AcceptInput) handoverBatchPage {
	ctx, a := c.Request().Context(), actorOf(c)
	base := h.s.base(c)
	l := base.L
	v := handoverBatchPage{Base: base, B: b, SenderName: h.agencyName(ctx, l, b.Sender), RecipientName: h.agencyName(ctx, l, b.Recipient),
		CheckpointName: l.T("handover.checkpoint." + b.Checkpoint), StatusName: l.T("handover.status." + b.Status),
		When: l.DateTime(b.HandoverAt), Errors: map[string]string{}}
	if names, err := h.s.Directory.UserNames(ctx, []string{b.CreatedBy, b.ApprovedBy}); err == nil {
		v.CreatedByName, v.ApprovedByName = names[b.CreatedBy], names[b.ApprovedBy]
	}
	v.OwnBatch = b.CreatedBy == a.UserID
	v.CanApprove = b.Side == handover.SideSender && b.Status == handover.BatchPendingApproval &&
		a.Can(authz.SectionPackets, authz.ActionApprove) && !v.OwnBatch
	accepted, reasons := map[string]bool{}, map[string]string{}
	if typed != nil {
		v.Officials = typed.ReceivingOfficials
		for _, id := range typed.Accept {
			accepted[id] = true
		}
		for _, d := range typed.Decline {
			reasons[d.ID] = d.Reason
		}
	}
	for _, p := range b.Persons {
		hp := handoverPerson{Person: p, SexName: l.T("sex." + p.Sex), Age: ageText(p, b.HandoverAt),
			StatusName: l.T("handover.person." + p.Status), DocsText: docsText(l, p.Documents), Reason: p.Reason}
		if p.Sex == "" {
			hp.SexName = ""
		}
		if p.Decision != nil {
			hp.DecisionName = l.T("handover.decision." + p.Decision.Decision)
			hp.DecidedOn = day(l, p.Decision.DecidedOn)
		}
		hp.Pending = b.Side == handover.SideRecipient && p.Status == handover.PersonPending
		if hp.Pending {
			v.Pending++
			hp.Accept = typed == nil || accepted[p.PacketID]
			if typed != nil {
				hp.Reason = reasons[p.PacketID]
			}
		}
		v.Persons = append(v.Persons, hp)
	}
	v.CanAnswer = v.Pending > 0 && a.Can(authz.SectionInbox, authz.ActionWrite)
	return v
}

// docsText lists documents as "Passport AB123, National ID card".
func docsText(l *locale.Localizer, docs []handover.Document) string {
	parts := make([]string, 0, len(docs))
	for _, d := range docs {
		s := l.T("intake.doc." + d.Kind)
		if d.Number != "" {
			s += " " + d.Number
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, ", ")
}

func (h handoverHandlers) page(c echo.Context) error {
	b, err := h.svc.Get(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return h.s.render(c, http.StatusOK, "handover_batch", h.batchView(c, b, nil))
}

func (h handoverHandlers) approve(c echo.Context) error {
	ctx, a, id := c.Request().Context(), actorOf(c), c.Param("id")
	version, _ := strconv.Atoi(c.FormValue("version"))
	_, err := h.svc.Approve(ctx, a, id, version)
	if err == nil {
		return h.s.done(c, "/handover/batches/"+id, "flash.batch_approved")
	}
	if status, _ := classify(err); status == http.StatusConflict {
		b, gerr := h.svc.Get(ctx, a, id)
		if gerr != nil {
			return gerr
		}
		v := h.batchView(c, b, nil)
		v.Error = v.L.T("error.conflict")
		return h.s.render(c, status, "handover_batch", v)
	}
	return err
}

// acceptInputOf reads the answer form: the persons ticked are accepted, the others declined with
// the reason typed for them.
func acceptInputOf(c echo.Context) handover.AcceptInput {
	form, _ := c.FormParams()
	in := handover.AcceptInput{ReceivingOfficials: form.Get("receiving_officials"), Accept: []string{}, Decline: []handover.Decline{}}
	ticked := map[string]bool{}
	for _, id := range form["accept"] {
		ticked[id] = true
		in.Accept = append(in.Accept, id)
	}
	for _, id := range form["person"] {
		if !ticked[id] {
			in.Decline = append(in.Decline, handover.Decline{ID: id, Reason: form.Get("reason_" + id)})
		}
	}
	return in
}

func (h handoverHandlers) accept(c echo.Context) error {
	ctx, a, id := c.Request().Context(), actorOf(c), c.Param("id")
	in := acceptInputOf(c)
	var err error
	if len(in.Decline) > 0 && c.FormValue("confirm") != "yes" {
		err = &problem.Invalid{Fields: map[string]string{"confirm": "handover.error.confirm_decline"}}
	} else {
		_, err = h.svc.Accept(ctx, a, id, in)
	}
	if err == nil {
		return h.s.done(c, "/handover/batches/"+id, "flash.batch_accepted")
	}
	status, errs, msg, ok := formFailure(c, err)
	if !ok {
		return err
	}
	b, gerr := h.svc.Get(ctx, a, id)
	if gerr != nil {
		return gerr
	}
	v := h.batchView(c, b, &in)
	for f, m := range errs {
		v.Errors[f] = m
	}
	v.Error = msg
	return h.s.render(c, status, "handover_batch", v)
}

func (h handoverHandlers) apiList(c echo.Context) error {
	f := handover.ListFilter{Cursor: c.QueryParam("cursor")}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > handover.MaxPageSize {
			return &problem.Invalid{Fields: map[string]string{"limit": "handover.error.limit"}}
		}
		f.Limit = n
	}
	page, err := h.svc.List(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (h handoverHandlers) apiCreate(c echo.Context) error {
	var in handover.BatchInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	b, err := h.svc.Create(c.Request().Context(), actorOf(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, b)
}

func (h handoverHandlers) apiGet(c echo.Context) error {
	b, err := h.svc.Get(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

func (h handoverHandlers) apiApprove(c echo.Context) error {
	var in struct {
		Version int `json:"version"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	b, err := h.svc.Approve(c.Request().Context(), actorOf(c), c.Param("id"), in.Version)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

func (h handoverHandlers) apiAccept(c echo.Context) error {
	var in handover.AcceptInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	b, err := h.svc.Accept(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}
