package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"homeward/internal/apptest"
	"homeward/internal/locale"
)

// TestHandoverListPages: with more than 50 batches the page shows the newest 50 and a link to the
// older ones, which ends; the API pages the same way with its cursor and refuses a bad one.
func TestHandoverListPages(t *testing.T) {
	env := apptest.New(t)
	kh, th := env.Actor(t, khWorker), env.Actor(t, "supervisor@th-msdhs-sakaeo.demo")
	var total int
	env.App.Hub.Raw(`SELECT count(*) FROM handover_batches WHERE sender_agency_id = ?`, kh.AgencyID).Scan(&total)
	at := time.Now().Add(time.Hour).UTC()
	for range 63 {
		at = at.Add(time.Second)
		if err := env.App.Hub.Exec(`INSERT INTO handover_batches (id, sender_agency_id, recipient_agency_id, checkpoint, handover_at,
			status, person_count, created_by, created_at, updated_at) VALUES (?, ?, ?, 'cham_yeam_hat_lek', ?, 'sent', 1, ?, ?, ?)`,
			uuid.Must(uuid.NewV7()).String(), kh.AgencyID, th.AgencyID, at.Add(48*time.Hour), kh.UserID, at, at).Error; err != nil {
			t.Fatal(err)
		}
	}
	total += 63
	rows := func(body string) int { return strings.Count(body, `<td><a href="/handover/batches/`) }

	c := env.Login(t, khWorker)
	for _, lang := range locale.Supported {
		repatLanguage(t, env, c, lang)
		status, body := apptest.Get(t, c, env.URL()+"/handover/batches")
		if status != http.StatusOK || rows(body) != 50 || !strings.Contains(body, `rel="next"`) ||
			!strings.Contains(body, message(t, body, "handover.next")) {
			t.Fatalf("%s first page: %d, %d rows %s", lang, status, rows(body), excerpt(body))
		}
	}
	repatLanguage(t, env, c, "en")
	seen := 0
	next := "/handover/batches"
	for pages := 0; next != ""; pages++ {
		if pages > 10 {
			t.Fatal("the next links do not end")
		}
		status, body := apptest.Get(t, c, env.URL()+next)
		if status != http.StatusOK {
			t.Fatalf("%s: %d", next, status)
		}
		seen += rows(body)
		if pages > 0 && !strings.Contains(body, message(t, body, "handover.first")) {
			t.Errorf("page %d has no link to the newest", pages)
		}
		next = ""
		if i := strings.Index(body, `<a class="btn" href="/handover/batches?cursor=`); i >= 0 {
			href := body[i+len(`<a class="btn" href="`):]
			next = html.UnescapeString(href[:strings.Index(href, `"`)])
		}
	}
	if seen != total {
		t.Errorf("walked %d batches over the pages, want %d", seen, total)
	}

	// The API: pages by cursor, a bad cursor or limit is 422.
	tok := env.Token(t, khWorker)
	status, body := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/handover/batches?limit=20", tok, "")
	var page struct {
		Items      []struct{ ID string } `json:"items"`
		NextCursor string                `json:"next_cursor"`
	}
	if err := json.Unmarshal([]byte(body), &page); status != http.StatusOK || err != nil || len(page.Items) != 20 || page.NextCursor == "" {
		t.Fatalf("API first page: %d %s", status, excerpt(body))
	}
	first := page.Items[19].ID
	status, body = apptest.API(t, http.MethodGet, env.URL()+"/api/v1/handover/batches?limit=20&cursor="+page.NextCursor, tok, "")
	if err := json.Unmarshal([]byte(body), &page); status != http.StatusOK || err != nil || len(page.Items) != 20 || page.Items[0].ID == first {
		t.Errorf("API second page: %d %s", status, excerpt(body))
	}
	for q, field := range map[string]string{"cursor=zzz": "cursor", "limit=0": "limit", "limit=abc": "limit", "limit=201": "limit"} {
		status, body := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/handover/batches?"+q, tok, "")
		if status != http.StatusUnprocessableEntity || decodeError(t, body).Error.Fields[field] == "" {
			t.Errorf("%s: %d %s", q, status, body)
		}
	}
}
