// Package resume keeps the work of a form whose session expired (issue 16 item 4): the POST that
// found no session stashes the form's values in the hub for a few minutes, sealed with a random key
// that only the user's browser holds, and bound to the user whose session it was; after that user
// signs in again, the page they were on gets the values back, once. Secrets (passwords, codes,
// tokens, the CSRF token) and files are never kept; nothing of the form travels in a URL.
package resume

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"gorm.io/gorm"
)

// TTL is how long a stash waits for its user to sign in again.
const TTL = 15 * time.Minute

// maxValues and maxBytes bound a stash: a form, not an upload.
const (
	maxValues = 200
	maxBytes  = 64 << 10
)

// ErrNone is a stash that does not exist, has expired, was taken, or belongs to another user.
var ErrNone = errors.New("resume: no stash")

// Service keeps form stashes in the hub.
type Service struct {
	hub *gorm.DB
	now func() time.Time
}

// New returns the stash keeper over the hub database.
func New(hub *gorm.DB) *Service { return &Service{hub: hub, now: time.Now} }

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// Secret reports whether a form field is never stashed: the CSRF token, passwords, second-factor
// codes, recovery codes, tokens and secrets.
func Secret(name string) bool {
	n := strings.ToLower(name)
	if n == "_csrf" || n == "code" {
		return true
	}
	for _, part := range []string{"password", "passcode", "secret", "token", "recovery", "otp", "credential"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// SafePath reports whether p is a path of this site (no scheme, no host, no backslash).
func SafePath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.ContainsAny(p, "\\\r\n") &&
		!strings.HasPrefix(p, "/login") && !strings.HasPrefix(p, "/api/")
}

// Stash keeps values (without secrets) for the user of the browser session sessionID, to be given
// back on path; it returns the claim the browser keeps (a cookie): the stash's id and key. A session
// id of no user, an unsafe path or nothing to keep is ErrNone.
func (s *Service) Stash(ctx context.Context, sessionID, path string, values url.Values) (string, error) {
	if !SafePath(path) {
		return "", ErrNone
	}
	kept := url.Values{}
	n := 0
	for k, vs := range values {
		if Secret(k) {
			continue
		}
		for _, v := range vs {
			if n++; n > maxValues {
				break
			}
			kept.Add(k, v)
		}
	}
	if len(kept) == 0 {
		return "", ErrNone
	}
	plain, err := json.Marshal(kept)
	if err != nil || len(plain) > maxBytes {
		return "", ErrNone
	}
	var userID string
	err = s.hub.WithContext(ctx).Raw(`SELECT user_id::text FROM user_sessions WHERE id::text = ?`, sessionID).Scan(&userID).Error
	if err != nil {
		return "", fmt.Errorf("resume: session: %w", err)
	}
	if userID == "" {
		return "", ErrNone
	}
	id, key := make([]byte, 16), make([]byte, 32)
	rand.Read(id)
	rand.Read(key)
	sealed, err := seal(key, id, plain)
	if err != nil {
		return "", err
	}
	now := s.now().UTC()
	err = s.hub.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM form_stashes WHERE expires_at < ?`, now).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO form_stashes (id_hash, user_id, path, sealed, created_at, expires_at) VALUES (decode(?, 'hex'), ?, ?, decode(?, 'base64'), ?, ?)`,
			hash(id), userID, path, base64.StdEncoding.EncodeToString(sealed), now, now.Add(TTL)).Error
	})
	if err != nil {
		return "", fmt.Errorf("resume: stash: %w", err)
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString(id) + "." + enc.EncodeToString(key), nil
}

// Path is the page a claim's stash returns to, for the user; ErrNone when there is none for them.
func (s *Service) Path(ctx context.Context, claim, userID string) (string, error) {
	id, _, ok := parse(claim)
	if !ok {
		return "", ErrNone
	}
	var path string
	err := s.hub.WithContext(ctx).Raw(`SELECT path FROM form_stashes WHERE id_hash = decode(?, 'hex') AND user_id::text = ? AND expires_at > ?`,
		hash(id), userID, s.now().UTC()).Scan(&path).Error
	if err != nil {
		return "", fmt.Errorf("resume: path: %w", err)
	}
	if path == "" {
		return "", ErrNone
	}
	return path, nil
}

// Take gives back, once, the values of a claim's stash to the user it belongs to, on its page; the
// stash is deleted. Another user, another page, an expired or taken stash is ErrNone (another
// user's attempt leaves the stash for its owner).
func (s *Service) Take(ctx context.Context, claim, userID, path string) (url.Values, error) {
	id, key, ok := parse(claim)
	if !ok {
		return nil, ErrNone
	}
	var rows []struct {
		Sealed []byte
	}
	err := s.hub.WithContext(ctx).Raw(`DELETE FROM form_stashes WHERE id_hash = decode(?, 'hex') AND user_id::text = ? AND path = ? AND expires_at > ?
RETURNING sealed`, hash(id), userID, path, s.now().UTC()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("resume: take: %w", err)
	}
	if len(rows) == 0 {
		return nil, ErrNone
	}
	plain, err := open(key, id, rows[0].Sealed)
	if err != nil {
		return nil, ErrNone
	}
	var v url.Values
	if err := json.Unmarshal(plain, &v); err != nil {
		return nil, ErrNone
	}
	return v, nil
}

func parse(claim string) (id, key []byte, ok bool) {
	a, b, found := strings.Cut(claim, ".")
	if !found {
		return nil, nil, false
	}
	enc := base64.RawURLEncoding
	id, err1 := enc.DecodeString(a)
	key, err2 := enc.DecodeString(b)
	if err1 != nil || err2 != nil || len(id) != 16 || len(key) != 32 {
		return nil, nil, false
	}
	return id, key, true
}

func hash(id []byte) string { h := sha256.Sum256(id); return hex.EncodeToString(h[:]) }

func seal(key, ad, plain []byte) ([]byte, error) {
	g, err := gcm(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, g.NonceSize())
	rand.Read(nonce)
	return g.Seal(nonce, nonce, plain, ad), nil
}

func open(key, ad, sealed []byte) ([]byte, error) {
	g, err := gcm(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < g.NonceSize() {
		return nil, ErrNone
	}
	return g.Open(nil, sealed[:g.NonceSize()], sealed[g.NonceSize():], ad)
}

func gcm(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}
