package mfa

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
)

// ceremonyTimeout bounds a passkey registration or assertion, in the browser and here.
const ceremonyTimeout = 5 * time.Minute

// relyingParty is the WebAuthn configuration: the relying party id is the public URL's host, the
// only accepted origin its scheme and host.
type relyingParty struct {
	wa     *webauthn.WebAuthn
	origin string
}

// SetPublicURL sets the address people reach the server at (tests start their server first).
// An empty URL means http://localhost.
func (s *Service) SetPublicURL(publicURL string) error {
	if publicURL == "" {
		publicURL = "http://localhost"
	}
	u, err := url.Parse(publicURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("mfa: the public URL %q is not an http(s) URL with a host", publicURL)
	}
	origin := u.Scheme + "://" + u.Host
	timeout := webauthn.TimeoutConfig{Enforce: true, Timeout: ceremonyTimeout, TimeoutUVD: ceremonyTimeout}
	wa, err := webauthn.New(&webauthn.Config{
		RPID: u.Hostname(), RPDisplayName: issuer, RPOrigins: []string{origin},
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementPreferred, UserVerification: protocol.VerificationPreferred},
		Timeouts: webauthn.TimeoutsConfig{Login: timeout, Registration: timeout},
	})
	if err != nil {
		return fmt.Errorf("mfa: WebAuthn configuration: %w", err)
	}
	s.rpMu.Lock()
	s.rp = relyingParty{wa: wa, origin: origin}
	s.rpMu.Unlock()
	return nil
}

func (s *Service) webAuthn() *webauthn.WebAuthn {
	s.rpMu.RLock()
	defer s.rpMu.RUnlock()
	return s.rp.wa
}

// passkeyUser is a user as go-webauthn sees it: the user handle is the 16 bytes of the user id.
type passkeyUser struct {
	id          uuid.UUID
	email, name string
	creds       []webauthn.Credential
	rowIDs      [][]byte // credential ids, in creds' order
}

func (u *passkeyUser) WebAuthnID() []byte                         { return u.id[:] }
func (u *passkeyUser) WebAuthnName() string                       { return u.email }
func (u *passkeyUser) WebAuthnDisplayName() string                { return u.name }
func (u *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func (s *Service) passkeyUser(ctx context.Context, db *gorm.DB, userID string) (*passkeyUser, error) {
	id, err := uuid.Parse(userID)
	if err != nil {
		return nil, fmt.Errorf("mfa: user id: %w", authz.ErrNotFound)
	}
	u := &passkeyUser{id: id}
	var who []struct{ Email, Name string }
	if err := db.WithContext(ctx).Raw(`SELECT email, name FROM users WHERE id = ?`, userID).Scan(&who).Error; err != nil {
		return nil, fmt.Errorf("mfa: user: %w", err)
	}
	if len(who) == 0 {
		return nil, fmt.Errorf("mfa: user %s: %w", userID, authz.ErrNotFound)
	}
	u.email, u.name = who[0].Email, who[0].Name
	var rows []struct{ Credential []byte }
	if err := db.WithContext(ctx).Raw(`SELECT credential FROM webauthn_credentials WHERE user_id = ? ORDER BY created_at`, userID).
		Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("mfa: passkeys: %w", err)
	}
	for _, r := range rows {
		var c webauthn.Credential
		if err := json.Unmarshal(r.Credential, &c); err != nil {
			return nil, fmt.Errorf("mfa: stored passkey: %w", err)
		}
		u.creds = append(u.creds, c)
	}
	return u, nil
}

// BeginPasskeyRegistration starts registering a passkey for the user: it returns the options for
// navigator.credentials.create (JSON) and the ceremony's state, which the caller keeps in the
// server-side session until FinishPasskeyRegistration.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, userID string) (options, state []byte, err error) {
	u, err := s.passkeyUser(ctx, s.hub, userID)
	if err != nil {
		return nil, nil, err
	}
	creation, sd, err := s.webAuthn().BeginRegistration(u,
		webauthn.WithExclusions(webauthn.Credentials(u.creds).CredentialDescriptors()),
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementPreferred))
	if err != nil {
		return nil, nil, fmt.Errorf("mfa: begin passkey registration: %w", err)
	}
	return marshalCeremony(creation, sd)
}

// FinishPasskeyRegistration verifies the browser's answer (body) against state and stores the new
// passkey under name. A refused answer is ErrPasskey. Audited "mfa.passkey_add".
func (s *Service) FinishPasskeyRegistration(ctx context.Context, userID string, state []byte, body io.Reader, name string) error {
	var sd webauthn.SessionData
	if err := json.Unmarshal(state, &sd); err != nil || len(state) == 0 {
		return ErrPasskey
	}
	parsed, err := protocol.ParseCredentialCreationResponseBody(body)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPasskey, err)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "Passkey"
	}
	if len([]rune(name)) > 60 {
		name = string([]rune(name)[:60])
	}
	return s.hub.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := s.passkeyUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		cred, err := s.webAuthn().CreateCredential(u, sd, parsed)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrPasskey, err)
		}
		js, err := json.Marshal(cred)
		if err != nil {
			return err
		}
		id := uuid.Must(uuid.NewV7()).String()
		if err := tx.Exec(`INSERT INTO webauthn_credentials (id, user_id, credential_id, credential, name, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			id, userID, cred.ID, string(js), name, s.now()).Error; err != nil {
			return fmt.Errorf("mfa: store passkey: %w", err)
		}
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: userID, Action: audit.MFAPasskeyAdd, Entity: "user", EntityID: userID,
			Detail: map[string]string{"passkey_id": id, "name": name}})
	})
}

// BeginPasskeyLogin starts an assertion with one of the user's passkeys: the options for
// navigator.credentials.get (JSON) and the ceremony's state. A user without passkeys is ErrPasskey.
func (s *Service) BeginPasskeyLogin(ctx context.Context, userID string) (options, state []byte, err error) {
	u, err := s.passkeyUser(ctx, s.hub, userID)
	if err != nil {
		return nil, nil, err
	}
	if len(u.creds) == 0 {
		return nil, nil, ErrPasskey
	}
	assertion, sd, err := s.webAuthn().BeginLogin(u)
	if err != nil {
		return nil, nil, fmt.Errorf("mfa: begin passkey login: %w", err)
	}
	return marshalCeremony(assertion, sd)
}

// FinishPasskeyLogin verifies an assertion (body) against state: the signature, the challenge, the
// origin and the signature counter (a counter that does not grow, a sign of a cloned authenticator,
// is refused). The stored counter and last use are updated; purpose goes into the audit row
// "auth.mfa". Anything refused is ErrPasskey.
func (s *Service) FinishPasskeyLogin(ctx context.Context, userID string, state []byte, body io.Reader, purpose string) error {
	var sd webauthn.SessionData
	if err := json.Unmarshal(state, &sd); err != nil || len(state) == 0 {
		return ErrPasskey
	}
	parsed, err := protocol.ParseCredentialRequestResponseBody(body)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPasskey, err)
	}
	return s.hub.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT 1 FROM webauthn_credentials WHERE user_id = ? FOR UPDATE`, userID).Error; err != nil {
			return err
		}
		u, err := s.passkeyUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		cred, err := s.webAuthn().ValidateLogin(u, sd, parsed)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrPasskey, err)
		}
		if cred.Authenticator.CloneWarning {
			return fmt.Errorf("%w: the signature counter did not grow", ErrPasskey)
		}
		js, err := json.Marshal(cred)
		if err != nil {
			return err
		}
		res := tx.Exec(`UPDATE webauthn_credentials SET credential = ?, last_used_at = ? WHERE user_id = ? AND credential_id = ?`,
			string(js), s.now(), userID, cred.ID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrPasskey
		}
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: userID, Action: audit.AuthMFA, Entity: "user", EntityID: userID,
			Detail: map[string]string{"method": "passkey", "purpose": purpose}})
	})
}

// RemovePasskey deletes one of the user's passkeys; another user's or an unknown id is not found.
func (s *Service) RemovePasskey(ctx context.Context, userID, passkeyID string) error {
	if _, err := uuid.Parse(passkeyID); err != nil {
		return fmt.Errorf("mfa: passkey: %w", authz.ErrNotFound)
	}
	return s.hub.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`DELETE FROM webauthn_credentials WHERE id = ? AND user_id = ?`, passkeyID, userID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("mfa: passkey %s: %w", passkeyID, authz.ErrNotFound)
		}
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: userID, Action: audit.MFAPasskeyRemove, Entity: "user", EntityID: userID,
			Detail: map[string]string{"passkey_id": passkeyID}})
	})
}

func marshalCeremony(options any, sd *webauthn.SessionData) ([]byte, []byte, error) {
	o, err := json.Marshal(options)
	if err != nil {
		return nil, nil, err
	}
	st, err := json.Marshal(sd)
	if err != nil {
		return nil, nil, err
	}
	return o, st, nil
}

// IsRefused reports whether err is a refused second factor (a wrong code or passkey), as opposed
// to a failure of the system.
func IsRefused(err error) bool { return errors.Is(err, ErrBadCode) || errors.Is(err, ErrPasskey) }
