package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/directory"
	"homeward/internal/problem"
)

// tokenRow is one of the user's API tokens as the tokens page lists it.
type tokenRow struct {
	ID, Label, Created, LastUsed, Expires, Status, StatusLabel string
	Active                                                     bool
}

type tokensPage struct {
	Base
	Tokens   []tokenRow
	NewToken string // shown once, right after creation
	Label    string
	Days     string
	MaxDays  int
	StepUp   bool // creating a token will ask for a second factor first
	Revoked  bool
	Errors   map[string]string
	Error    string
}

func maxTokenDays() int { return int(directory.MaxTokenLifetime.Hours() / 24) }

func (s *Server) renderTokens(c echo.Context, status int, page tokensPage) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	list, err := s.Directory.Tokens(ctx, a.UserID)
	if err != nil {
		return err
	}
	need, err := s.stepUpRequired(ctx, a.UserID)
	if err != nil {
		return err
	}
	page.StepUp, page.MaxDays = need && !s.mfaFresh(c), maxTokenDays()
	if page.Days == "" {
		page.Days = strconv.Itoa(int(directory.DefaultTokenLifetime.Hours() / 24))
	}
	now, l := time.Now(), page.L
	for _, t := range list {
		row := tokenRow{ID: t.ID, Label: t.Label, Created: l.DateTime(t.CreatedAt), Expires: l.DateTime(t.ExpiresAt),
			LastUsed: l.T("token.never_used"), Status: t.Status(now)}
		if t.LastUsedAt != nil {
			row.LastUsed = l.DateTime(*t.LastUsedAt)
		}
		row.StatusLabel, row.Active = l.T("token.status."+row.Status), row.Status == directory.TokenActive
		page.Tokens = append(page.Tokens, row)
	}
	return s.render(c, status, "account_tokens", page)
}

func (s *Server) tokensPage(c echo.Context) error {
	return s.renderTokens(c, http.StatusOK, tokensPage{Base: s.base(c), Revoked: c.QueryParam("revoked") == "1"})
}

func (s *Server) createToken(c echo.Context) error {
	if ok, err := s.requireFreshMFA(c, "/settings/tokens"); !ok {
		return err
	}
	page := tokensPage{Base: s.base(c), Label: c.FormValue("label"), Days: strings.TrimSpace(c.FormValue("days"))}
	days, err := strconv.Atoi(page.Days)
	if err != nil {
		days = -1 // refused below, with the label's message if any
	}
	tok, _, err := s.Directory.CreateOwnToken(c.Request().Context(), actorOf(c), page.Label, days)
	if err != nil {
		status, errs, msg, ok := formFailure(c, err)
		if !ok {
			return err
		}
		page.Errors, page.Error = errs, msg
		return s.renderTokens(c, status, page)
	}
	page.NewToken, page.Label, page.Days = tok, "", ""
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return s.renderTokens(c, http.StatusCreated, page)
}

// ownToken finds one of the actor's tokens by id; another user's or an unknown one is not found.
func (s *Server) ownToken(c echo.Context) (*directory.APIToken, error) {
	list, err := s.Directory.Tokens(c.Request().Context(), actorOf(c).UserID)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].ID == c.Param("id") {
			return &list[i], nil
		}
	}
	return nil, echo.ErrNotFound
}

func (s *Server) revokeTokenForm(c echo.Context) error {
	t, err := s.ownToken(c)
	if err != nil {
		return err
	}
	if t.Status(time.Now()) == directory.TokenRevoked {
		return echo.ErrNotFound
	}
	b := s.base(c)
	return s.render(c, http.StatusOK, "account_confirm", confirmPage{Base: b, Title: b.L.T("token.revoke_title"),
		Warning: b.L.T("token.revoke_warning"), Action: "/settings/tokens/" + t.ID + "/revoke", Button: b.L.T("token.revoke"),
		Cancel: "/settings/tokens", Details: []confirmDetail{{b.L.T("token.label"), t.Label},
			{b.L.T("token.created"), b.L.DateTime(t.CreatedAt)}, {b.L.T("token.expires"), b.L.DateTime(t.ExpiresAt)}}})
}

func (s *Server) revokeToken(c echo.Context) error {
	if err := s.Directory.RevokeOwnToken(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return redirect(c, "/settings/tokens?revoked=1")
}

// tokenJSON is an API token as the API shows it (never the token itself, but once at creation).
type tokenJSON struct {
	ID         string     `json:"id"`
	Label      string     `json:"label"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	Status     string     `json:"status"`
}

func newTokenJSON(t directory.APIToken, now time.Time) tokenJSON {
	return tokenJSON{ID: t.ID, Label: t.Label, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, ExpiresAt: t.ExpiresAt,
		RevokedAt: t.RevokedAt, Status: t.Status(now)}
}

type tokenListResponse struct {
	Items []tokenJSON `json:"items"`
}

func (s *Server) apiTokens(c echo.Context) error {
	list, err := s.Directory.Tokens(c.Request().Context(), actorOf(c).UserID)
	if err != nil {
		return err
	}
	out := tokenListResponse{Items: []tokenJSON{}}
	for _, t := range list {
		out.Items = append(out.Items, newTokenJSON(t, time.Now()))
	}
	return c.JSON(http.StatusOK, out)
}

type tokenCreateRequest struct {
	Label string `json:"label"`
	Days  int    `json:"days"`
}

type tokenCreateResponse struct {
	Token string    `json:"token"`
	Item  tokenJSON `json:"item"`
}

// apiCreateToken mints a token for the caller. A caller whose roles require a second factor
// cannot: a bearer token proves none, so the answer is 422 with the field "mfa" ("mfa.required");
// such users create tokens in /settings/tokens after a recent second factor.
func (s *Server) apiCreateToken(c echo.Context) error {
	var in tokenCreateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx, a := c.Request().Context(), actorOf(c)
	need, err := s.stepUpRequired(ctx, a.UserID)
	if err != nil {
		return err
	}
	if need {
		return &problem.Invalid{Fields: map[string]string{"mfa": "mfa.required"}}
	}
	tok, t, err := s.Directory.CreateOwnToken(ctx, a, in.Label, in.Days)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusCreated, tokenCreateResponse{Token: tok, Item: newTokenJSON(*t, time.Now())})
}

func (s *Server) apiRevokeToken(c echo.Context) error {
	if err := s.Directory.RevokeOwnToken(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
