package web

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/mfa"
)

// stepUpSettings is where a change of factors sends a session without a fresh second factor.
const stepUpSettings = "/mfa/verify?next=/settings/mfa"

type totpSetupView struct {
	Secret string       // for manual entry, in groups of four
	QR     template.URL // a PNG data URI, rendered here (never by a third party)
}

type mfaSettingsPage struct {
	Base
	Status    *mfa.Status
	MustEnrol bool
	Fresh     bool
	CanAdd    bool
	Setup     *totpSetupView
	Codes     []string // recovery codes, shown once
	Code      string
	CodeError string
}

// Errors links a refused confirmation code to its field.
func (p mfaSettingsPage) Errors() map[string]string { return formError("code", p.CodeError) }

func (s *Server) mfaSettingsPage(c echo.Context) (mfaSettingsPage, error) {
	ctx := c.Request().Context()
	a := actorOf(c)
	st, err := s.MFA.StatusOf(ctx, a.UserID)
	if err != nil {
		return mfaSettingsPage{}, err
	}
	p := mfaSettingsPage{Base: s.base(c), Status: st, MustEnrol: st.MustEnrol(), Fresh: s.mfaFresh(c)}
	p.CanAdd = s.mayAddFactor(c, st)
	if st.TOTPPending {
		setup, err := s.MFA.PendingTOTP(ctx, a.UserID)
		if err != nil {
			return mfaSettingsPage{}, err
		}
		if setup != nil {
			p.Setup = &totpSetupView{Secret: groupsOfFour(setup.Secret),
				QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(setup.QRPNG))}
		}
	}
	return p, nil
}

func groupsOfFour(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Server) mfaSettings(c echo.Context) error {
	p, err := s.mfaSettingsPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "mfa_settings", p)
}

func (s *Server) mfaTOTPBegin(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	st, err := s.MFA.StatusOf(ctx, a.UserID)
	if err != nil {
		return err
	}
	if !s.mayAddFactor(c, st) {
		return redirect(c, stepUpSettings)
	}
	if _, err := s.MFA.BeginTOTP(ctx, a.UserID); err != nil && !errors.Is(err, mfa.ErrEnrolled) {
		return err
	}
	return redirect(c, "/settings/mfa")
}

func (s *Server) mfaTOTPConfirm(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	codes, err := s.MFA.ConfirmTOTP(ctx, a.UserID, c.FormValue("code"))
	switch {
	case errors.Is(err, mfa.ErrNoSetup):
		return redirect(c, "/settings/mfa")
	case errors.Is(err, mfa.ErrBadCode):
		p, perr := s.mfaSettingsPage(c)
		if perr != nil {
			return perr
		}
		p.Code, p.CodeError = c.FormValue("code"), p.L.T("mfa.code_wrong")
		return s.render(c, http.StatusUnprocessableEntity, "mfa_settings", p)
	case err != nil:
		return err
	}
	// The first code proved the new factor: the session has a fresh second factor.
	s.sessions.Put(ctx, sessMFAAt, time.Now().Unix())
	p, err := s.mfaSettingsPage(c)
	if err != nil {
		return err
	}
	p.Codes = codes
	return s.render(c, http.StatusOK, "mfa_settings", p)
}

func (s *Server) mfaRecoveryRegenerate(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	st, err := s.MFA.StatusOf(ctx, a.UserID)
	if err != nil {
		return err
	}
	if !st.Enrolled {
		return redirect(c, "/settings/mfa")
	}
	if !s.mfaFresh(c) {
		return redirect(c, stepUpSettings)
	}
	codes, err := s.MFA.RegenerateRecoveryCodes(ctx, a.UserID)
	if err != nil {
		return err
	}
	p, err := s.mfaSettingsPage(c)
	if err != nil {
		return err
	}
	p.Codes = codes
	return s.render(c, http.StatusOK, "mfa_settings", p)
}

func (s *Server) mfaPasskeyRemove(c echo.Context) error {
	if !s.mfaFresh(c) {
		return redirect(c, stepUpSettings)
	}
	if err := s.MFA.RemovePasskey(c.Request().Context(), actorOf(c).UserID, c.Param("id")); err != nil {
		return err
	}
	return redirect(c, "/settings/mfa")
}

// apiMFA is GET /api/v1/me/mfa: the caller's second factors.
type apiMFA struct {
	Required          bool `json:"required"`
	Enrolled          bool `json:"enrolled"`
	TOTP              bool `json:"totp"`
	Passkeys          int  `json:"passkeys"`
	RecoveryCodesLeft int  `json:"recovery_codes_left"`
}

func (s *Server) apiMFAStatus(c echo.Context) error {
	st, err := s.MFA.StatusOf(c.Request().Context(), actorOf(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiMFA{Required: st.Required && !st.Demo, Enrolled: st.Enrolled, TOTP: st.TOTP,
		Passkeys: len(st.Passkeys), RecoveryCodesLeft: st.RecoveryLeft})
}
