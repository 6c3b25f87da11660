package notify

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// SMTP is where digests are sent, read from HOMEWARD_SMTP_URL:
//
//	smtp://[user:password@]host[:port][?from=ADDRESS&starttls=required]
//
// The port defaults to 587. STARTTLS is used whenever the server offers it; with
// starttls=required a server that does not offer it is refused (nothing is sent in clear). The
// user and password, when given, are sent with AUTH PLAIN, which net/smtp allows only over TLS or
// to localhost. from is the sender address (default homeward@ the server's host).
type SMTP struct {
	Host, Port     string
	User, Password string
	From           string
	RequireTLS     bool
	// TLS is the configuration of STARTTLS (nil: the system roots, ServerName Host).
	TLS *tls.Config
	// Timeout bounds the whole conversation (default 30 s).
	Timeout time.Duration
}

// ParseSMTPURL reads a HOMEWARD_SMTP_URL.
func ParseSMTPURL(raw string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return nil, errors.New("HOMEWARD_SMTP_URL must be smtp://[user:password@]host[:port][?from=ADDRESS&starttls=required]")
	}
	s := &SMTP{Host: u.Hostname(), Port: u.Port(), From: u.Query().Get("from")}
	if s.Port == "" {
		s.Port = "587"
	}
	if u.User != nil {
		s.User = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	switch v := u.Query().Get("starttls"); v {
	case "", "auto":
	case "required":
		s.RequireTLS = true
	default:
		return nil, fmt.Errorf("HOMEWARD_SMTP_URL: starttls=%q: want required or auto", v)
	}
	if s.From == "" {
		s.From = "homeward@" + s.Host
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		return nil, fmt.Errorf("HOMEWARD_SMTP_URL: from: %w", err)
	}
	return s, nil
}

// Mail is one message: plain text, UTF-8.
type Mail struct {
	To      string
	Subject string
	Text    string
}

// Send delivers m: one SMTP conversation, STARTTLS when offered (or required), AUTH when a user is set.
func (s *SMTP) Send(m Mail) error {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(s.Host, s.Port), timeout)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: %w", err)
	}
	defer c.Close()
	if err := s.converse(c, m); err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	return c.Quit()
}

func (s *SMTP) converse(c *smtp.Client, m Mail) error {
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return err
		}
	} else if s.RequireTLS {
		return errors.New("the server does not offer STARTTLS (starttls=required)")
	}
	if s.User != "" {
		if err := c.Auth(smtp.PlainAuth("", s.User, s.Password, s.Host)); err != nil {
			return err
		}
	}
	if err := c.Mail(s.From); err != nil {
		return err
	}
	if err := c.Rcpt(m.To); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(s.message(m)); err != nil {
		return err
	}
	return w.Close()
}

// message is m as an RFC 5322 message: UTF-8 text, quoted-printable, the subject encoded.
func (s *SMTP) message(m Mail) []byte {
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", s.From)
	h("To", m.To)
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", time.Now().UTC().Format(time.RFC1123Z))
	h("MIME-Version", "1.0")
	h("Content-Type", `text/plain; charset="utf-8"`)
	h("Content-Transfer-Encoding", "base64")
	h("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	body := strings.ReplaceAll(m.Text, "\n", "\r\n")
	enc := []byte(base64.StdEncoding.EncodeToString([]byte(body)))
	for len(enc) > 76 {
		b.Write(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.Write(enc)
	b.WriteString("\r\n")
	return b.Bytes()
}
