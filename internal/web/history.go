package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/exchange"
	"homeward/internal/locale"
	"homeward/internal/problem"
)

// historyHandlers serve a partner agency's history (issue 16 item 3): the embassy's past requests
// and replies, the NGO's past referrals and the progress it reported, with statuses and dates.
type historyHandlers struct{ s *Server }

// historyReplyRow is a reply the agency sent, translated.
type historyReplyRow struct {
	exchange.HistoryReply
	StatusLabel, FieldLabels string
}

// historyRow is an entry of the history, translated.
type historyRow struct {
	exchange.HistoryEntry
	KindLabel, StatusLabel, SenderName, ReasonLabel string
	Replies                                         []historyReplyRow
	LastReplyAt                                     time.Time
	Open                                            bool // the packet can still be opened in the inbox
}

// historyPage is the view model of history.html.
type historyPage struct {
	Base
	Items       []historyRow
	Kinds       []packetOption
	Filtered    bool
	First, Next string
}

// historyEntryPage is the view model of history_packet.html.
type historyEntryPage struct {
	Base
	Entry historyRow
}

// historyReasons are the reason codes the hub records on a packet (exchange: erase, sync, decide).
var historyReasons = []string{"revoked", "consent_withdrawn", "case_closed", "declined", "expired", "applied"}

func (h historyHandlers) row(l *locale.Localizer, name func(string) string, e exchange.HistoryEntry) historyRow {
	r := historyRow{HistoryEntry: e, KindLabel: l.T("packet.kind." + string(e.Kind)), StatusLabel: l.T("packet.status." + string(e.Status)),
		SenderName: name(e.Sender), Open: e.Status == exchange.StatusSent || e.Status == exchange.StatusOpened || e.Status == exchange.StatusAccepted}
	if slices.Contains(historyReasons, e.Reason) {
		r.ReasonLabel = l.T("history.reason." + e.Reason)
	}
	for _, rp := range e.Replies {
		labels := make([]string, len(rp.Fields))
		for i, f := range rp.Fields {
			labels[i] = fieldLabel(l, f)
		}
		r.Replies = append(r.Replies, historyReplyRow{HistoryReply: rp, StatusLabel: l.T("history.reply_status." + string(rp.Status)),
			FieldLabels: strings.Join(labels, ", ")})
		r.LastReplyAt = rp.SentAt
	}
	return r
}

func (h historyHandlers) list(c echo.Context) error {
	f := exchange.HistoryFilter{Kind: exchange.Kind(c.QueryParam("kind")), Cursor: c.QueryParam("cursor"), Limit: 25}
	page, err := h.s.Exchange.History(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	b := h.s.base(c)
	l := b.L
	v := historyPage{Base: b, Filtered: f.Kind != ""}
	name := packetHandlers(h).agencyNamer(c.Request().Context(), l.Lang)
	for _, e := range page.Items {
		v.Items = append(v.Items, h.row(l, name, e))
	}
	for _, k := range h.s.Exchange.Kinds() {
		v.Kinds = append(v.Kinds, packetOption{Value: string(k), Label: l.T("packet.kind." + string(k)), Selected: k == f.Kind})
	}
	q := url.Values{}
	if f.Kind != "" {
		q.Set("kind", string(f.Kind))
	}
	if f.Cursor != "" {
		v.First = "/history?" + q.Encode()
	}
	if page.NextCursor != "" {
		q.Set("cursor", page.NextCursor)
		v.Next = "/history?" + q.Encode()
	}
	return h.s.render(c, http.StatusOK, "history", v)
}

func (h historyHandlers) one(c echo.Context) error {
	e, err := h.s.Exchange.HistoryOf(c.Request().Context(), actorOf(c), c.Param("pid"))
	if err != nil {
		return err
	}
	b := h.s.base(c)
	name := packetHandlers(h).agencyNamer(c.Request().Context(), b.L.Lang)
	return h.s.render(c, http.StatusOK, "history_packet", historyEntryPage{Base: b, Entry: h.row(b.L, name, *e)})
}

func (h historyHandlers) apiList(c echo.Context) error {
	lim := 0
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return &problem.Invalid{Fields: map[string]string{"limit": "packets.error.limit"}}
		}
		lim = n
	}
	f := exchange.HistoryFilter{Kind: exchange.Kind(c.QueryParam("kind")), Cursor: c.QueryParam("cursor"), Limit: lim}
	page, err := h.s.Exchange.History(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (h historyHandlers) apiOne(c echo.Context) error {
	e, err := h.s.Exchange.HistoryOf(c.Request().Context(), actorOf(c), c.Param("pid"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, e)
}
