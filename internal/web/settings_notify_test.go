package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

// Each user chooses their own e-mail digest on /settings, in en, th and km: off by default; a
// choice is stored and audited; an unknown value is refused with 422, the form shown again with
// its message linked to the field and the input kept, and nothing stored.
func TestSettingsNotify(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	const email = "supervisor@th-msdhs-sakaeo.demo"
	c := env.Login(t, email)
	a := env.Actor(t, email)
	mode := func() string {
		m, err := env.App.Directory.Notify(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := mode(); m != "off" {
		t.Fatalf("default setting %q, want off", m)
	}
	for lang, want := range map[string][]string{
		"en": {"E-mail notifications", "A daily digest", "never a name"},
		"th": {"การแจ้งเตือนทางอีเมล", "สรุปรายวัน"},
		"km": {"ការជូនដំណឹងតាមអ៊ីមែល", "សេចក្តីសង្ខេបប្រចាំថ្ងៃ"},
	} {
		res := apptest.PostForm(t, c, env.URL()+"/settings", env.URL()+"/settings", url.Values{"lang": {lang}})
		res.Body.Close()
		status, body := apptest.Get(t, c, env.URL()+"/settings")
		if status != http.StatusOK {
			t.Fatalf("%s: GET /settings = %d", lang, status)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: /settings lacks %q", lang, w)
			}
		}
		if !strings.Contains(body, `id="notify-off" name="notify" value="off" checked`) {
			t.Errorf("%s: off is not the checked choice", lang)
		}
	}

	res := apptest.PostForm(t, c, env.URL()+"/settings", env.URL()+"/settings", url.Values{"lang": {"en"}, "notify": {"daily"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || mode() != "daily" {
		t.Fatalf("saving daily: %d, stored %q", res.StatusCode, mode())
	}
	var audits int
	env.App.Hub.Raw(`SELECT count(*) FROM audit_log WHERE action = 'user.notify' AND entity_id = ? AND detail LIKE '%daily%'`, a.UserID).Scan(&audits)
	if audits != 1 {
		t.Errorf("%d audit rows of the choice, want 1", audits)
	}
	if _, body := apptest.Get(t, c, env.URL()+"/settings"); !strings.Contains(body, `value="daily" checked`) {
		t.Error("daily is not shown as chosen")
	}

	res = apptest.PostForm(t, c, env.URL()+"/settings", env.URL()+"/settings", url.Values{"lang": {"km"}, "buddhist_era": {"on"}, "notify": {"hourly"}})
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	body := string(b)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("unknown setting: %d, want 422", res.StatusCode)
	}
	for _, w := range []string{"Choose one of the notification options.", `href="#notify-off"`, `aria-invalid="true"`,
		`id="notify-error"`, `id="buddhist_era" name="buddhist_era" type="checkbox" checked`} {
		if !strings.Contains(body, w) {
			t.Errorf("refused form lacks %q", w)
		}
	}
	if m := mode(); m != "daily" {
		t.Errorf("after a refused value the setting is %q, want daily kept", m)
	}
	var lang string
	env.App.Hub.Raw(`SELECT locale FROM users WHERE id = ?`, a.UserID).Scan(&lang)
	if lang != "en" {
		t.Errorf("a refused form changed the language to %q", lang)
	}
}
