package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"homeward/internal/exchange"
)

type inboxPage struct {
	Base
	Items []exchange.Summary
}

func (s *Server) inboxPage(c echo.Context) error {
	items, err := s.Exchange.Inbox(c.Request().Context(), actorOf(c), exchange.InboxFilter{})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "inbox", inboxPage{Base: s.base(c), Items: items.Items})
}
