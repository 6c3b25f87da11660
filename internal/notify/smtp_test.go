package notify_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"homeward/internal/mailtest"
	"homeward/internal/notify"
)

func TestParseSMTPURL(t *testing.T) {
	for raw, want := range map[string]*notify.SMTP{
		"smtp://mail.example.org": {Host: "mail.example.org", Port: "587", From: "homeward@mail.example.org"},
		"smtp://u:p%40ss@mail.example.org:25?from=noreply%40example.org&starttls=required": {Host: "mail.example.org",
			Port: "25", User: "u", Password: "p@ss", From: "noreply@example.org", RequireTLS: true},
		"smtp://127.0.0.1:1025?starttls=auto": {Host: "127.0.0.1", Port: "1025", From: "homeward@127.0.0.1"},
	} {
		got, err := notify.ParseSMTPURL(raw)
		if err != nil {
			t.Errorf("%s: %v", raw, err)
			continue
		}
		if d := cmp.Diff(want, got, cmpopts.IgnoreUnexported(notify.SMTP{})); d != "" {
			t.Errorf("%s: (-want +got)\n%s", raw, d)
		}
	}
	for _, raw := range []string{"", "mail.example.org:25", "smtps://mail.example.org", "smtp://", "smtp://h?starttls=yes", "smtp://h?from=not-an-address"} {
		if _, err := notify.ParseSMTPURL(raw); err == nil {
			t.Errorf("%q accepted", raw)
		}
	}
}

// A server that does not offer STARTTLS is refused when the URL requires it: nothing is sent in clear.
func TestSMTPRequiredTLSRefused(t *testing.T) {
	mp := mailtest.Start(t)
	s, err := notify.ParseSMTPURL("smtp://" + mp.SMTPAddr + "?starttls=required")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(notify.Mail{To: "someone@example.org", Subject: "s", Text: "t"})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("send without STARTTLS: %v, want refused", err)
	}
	plain, err := notify.ParseSMTPURL("smtp://" + mp.SMTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	if err := plain.Send(notify.Mail{To: "someone@example.org", Subject: "ไทย ខ្មែរ", Text: "line one\nline two"}); err != nil {
		t.Fatal(err)
	}
	ms := mp.Messages(t)
	if len(ms) != 1 || ms[0].Subject != "ไทย ខ្មែរ" || !strings.Contains(ms[0].Text, "line two") {
		t.Fatalf("messages = %+v, want only the one sent without TLS required", ms)
	}
}
