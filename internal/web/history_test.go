package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/locale"
)

// historyJSON is the API's history page.
type historyJSON struct {
	Items []struct {
		ID, Kind, Status, Reason, CaseRef string
		Replies                           []struct {
			ID, Status string
			Fields     []string
		}
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// TestPartnerHistory: an embassy sees the requests it received and the replies it sent, with
// statuses and dates, in en/th/km, paginated, also after the sender revoked a request (its
// contents gone); another embassy (another country, another agency), an NGO and a role without
// the inbox get 404 for the entry and never see it listed.
func TestPartnerHistory(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	base := env.URL()
	_, first := repatRequest(t, env, "Kanya")
	_, second := repatRequest(t, env, "Pim")
	tok := env.Token(t, thEmbassy)
	if status, body := apptest.API(t, http.MethodPost, base+"/api/v1/inbox/"+first+"/replies", tok,
		`{"fields":{"nationality_verified":"yes","note":"Mother found in Surin"}}`); status >= 300 {
		t.Fatalf("reply: %d %s", status, body)
	}
	if _, err := env.App.Exchange.Revoke(ctx, env.Actor(t, repKHSupervisor), second, "wrong embassy"); err != nil {
		t.Fatal(err)
	}

	// The API: newest first, one per page, the reply with its fields, the revoked one with its reason.
	var page historyJSON
	status, body := apptest.API(t, http.MethodGet, base+"/api/v1/history?limit=1", tok, "")
	if status != http.StatusOK || json.Unmarshal([]byte(body), &page) != nil || len(page.Items) != 1 || page.NextCursor == "" {
		t.Fatalf("history page 1: %d %s", status, body)
	}
	if it := page.Items[0]; it.ID != second || it.Status != "revoked" || it.Reason != "revoked" || len(it.Replies) != 0 {
		t.Errorf("newest entry: %+v", it)
	}
	status, body = apptest.API(t, http.MethodGet, base+"/api/v1/history?limit=1&cursor="+page.NextCursor, tok, "")
	page = historyJSON{}
	if status != http.StatusOK || json.Unmarshal([]byte(body), &page) != nil || len(page.Items) != 1 {
		t.Fatalf("history page 2: %d %s", status, body)
	}
	if it := page.Items[0]; it.ID != first || it.Kind != "repatriation" || it.Status != "sent" || it.Reason != "" || len(it.Replies) != 1 ||
		strings.Join(it.Replies[0].Fields, ",") != "nationality_verified,note" || it.Replies[0].Status != "sent" {
		t.Errorf("replied entry: %+v", it)
	}
	if strings.Contains(body, "Surin") || strings.Contains(body, "Kanya") {
		t.Errorf("the history carries a reply's or a payload's values: %s", body)
	}
	for _, bad := range []string{"?kind=reply", "?cursor=nope", "?limit=x"} {
		if status, body := apptest.API(t, http.MethodGet, base+"/api/v1/history"+bad, tok, ""); status != http.StatusUnprocessableEntity {
			t.Errorf("history%s: %d %s", bad, status, body)
		}
	}

	// The pages in every language: the list, the entry with the reply, the revoked entry.
	officer := env.Login(t, thEmbassy)
	for _, lang := range locale.Supported {
		repatLanguage(t, env, officer, lang)
		status, body := apptest.Get(t, officer, base+"/history")
		if status != http.StatusOK || !strings.Contains(body, `data-packet="`+first+`"`) || !strings.Contains(body, `data-packet="`+second+`"`) {
			t.Fatalf("%s history: %d %s", lang, status, excerpt(body))
		}
		for _, key := range []string{"history.title", "history.received", "packet.status.revoked", "history.reason.revoked"} {
			if want := message(t, body, key); !strings.Contains(body, want) {
				t.Errorf("%s history lacks %s %q", lang, key, want)
			}
		}
		if want := message(t, body, "history.reply_count", "Count", 1); !strings.Contains(body, want) {
			t.Errorf("%s history lacks the reply count %q", lang, want)
		}
		status, body = apptest.Get(t, officer, base+"/history/"+first)
		if status != http.StatusOK || !strings.Contains(body, `data-testid="history-replies"`) ||
			!strings.Contains(body, message(t, body, "packets.field.nationality_verified")) ||
			!strings.Contains(body, message(t, body, "history.reply_status.sent")) || !strings.Contains(body, `href="/inbox/`+first+`"`) {
			t.Errorf("%s entry: %d %s", lang, status, excerpt(body))
		}
		status, body = apptest.Get(t, officer, base+"/history/"+second)
		if status != http.StatusOK || !strings.Contains(body, message(t, body, "history.payload_gone")) ||
			!strings.Contains(body, message(t, body, "history.no_replies")) || strings.Contains(body, `href="/inbox/`+second+`"`) {
			t.Errorf("%s revoked entry: %d %s", lang, status, excerpt(body))
		}
		status, body = apptest.Get(t, officer, base+"/history?kind=handover")
		if status != http.StatusOK || !strings.Contains(body, message(t, body, "history.empty_filtered")) {
			t.Errorf("%s empty history: %d %s", lang, status, excerpt(body))
		}
	}
	if status, _ := apptest.Get(t, officer, base+"/inbox/"+second); status != http.StatusNotFound {
		t.Errorf("revoked packet in the inbox: %d, want 404", status)
	}

	// Other agencies and roles: 404 for the entry, never listed.
	for _, who := range []string{pktKHEmbassy, pktIDEmbassy, supportNGO, khWorker, repKHSupervisor} {
		tok := env.Token(t, who)
		for _, pid := range []string{first, second, "not-a-uuid"} {
			if status, body := apptest.API(t, http.MethodGet, base+"/api/v1/history/"+pid, tok, ""); status != http.StatusNotFound ||
				!strings.Contains(body, `"not_found"`) {
				t.Errorf("%s API history/%s: %d %s", who, pid, status, body)
			}
		}
		status, body := apptest.API(t, http.MethodGet, base+"/api/v1/history", tok, "")
		if strings.Contains(body, first) || strings.Contains(body, second) {
			t.Errorf("%s lists another agency's packets: %d", who, status)
		}
		if who == khWorker && status != http.StatusNotFound {
			t.Errorf("a caseworker's history: %d, want 404", status)
		}
		c := env.Login(t, who)
		if status, _ := apptest.Get(t, c, base+"/history/"+first); status != http.StatusNotFound {
			t.Errorf("%s history page of another agency's packet: %d", who, status)
		}
	}
}
