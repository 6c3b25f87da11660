package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/crossmatch"
)

// readBody reads and closes a response's body.
func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLinkageStatesOnThePages: the asker's list says where its question stands, in en, th and km;
// the recipient's reply closes the recipient's candidate at once (shown under "Answered" with who
// and when) and the asker's once the reply reached its store, with the answering agency; the empty
// states of both lists; answering twice, on the list or in the inbox, is 409 saying so; the API
// lists open and closed candidates with their state, pages, and refuses bad filters.
func TestLinkageStatesOnThePages(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	th, cand := linkagePair(t, env)
	thSup := env.Actor(t, "supervisor@th-msdhs-sakaeo.demo")
	p, err := env.App.Linkage.Ask(ctx, thSup, cand.ID, crossmatch.AskInput{Override: "Family tracing requested by the mother"})
	if err != nil {
		t.Fatal(err)
	}
	sup := env.Login(t, "supervisor@th-msdhs-sakaeo.demo")
	setLang := func(c *http.Client, lang string) {
		res := apptest.PostForm(t, c, env.URL()+"/", env.URL()+"/language", url.Values{"lang": {lang}})
		res.Body.Close()
	}
	for _, tc := range []struct{ lang, asked, pending string }{
		{"th", "สอบถามอีกฝ่ายเมื่อ", "คำถามรอการอนุมัติจากหัวหน้างานอีกคนหนึ่ง"},
		{"km", "បានសួរភាគីម្ខាងទៀតនៅ", "សំណួររង់ចាំការអនុម័តពីអ្នកគ្រប់គ្រងម្នាក់ទៀត"},
		{"en", "Asked the other side on", "waits for another supervisor"},
	} {
		setLang(sup, tc.lang)
		status, body := apptest.Get(t, sup, env.URL()+"/linkage")
		if status != http.StatusOK || !strings.Contains(body, `data-state="asked"`) || !strings.Contains(body, tc.asked) ||
			!strings.Contains(body, tc.pending) {
			t.Errorf("%s: GET /linkage = %d, without the question waiting for approval", tc.lang, status)
		}
	}
	if _, err := env.App.Directory.CreateUser(ctx, "", "supervisor2@th-msdhs-sakaeo.demo", "Second Supervisor", "homeward-demo",
		thSup.AgencyID, "supervisor"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Exchange.Approve(ctx, env.Actor(t, "supervisor2@th-msdhs-sakaeo.demo"), p.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, body := apptest.Get(t, sup, env.URL()+"/linkage"); !strings.Contains(body, "sent, no answer yet") {
		t.Error("the sent question is not shown as sent")
	}

	// The KH supervisor answers "not the same" in the inbox: their candidate moves to "Answered".
	kh := env.Login(t, "supervisor@kh-mosvy-poipet.demo")
	khList, err := env.App.Linkage.List(ctx, env.Actor(t, "supervisor@kh-mosvy-poipet.demo"))
	if err != nil || len(khList) != 1 {
		t.Fatalf("KH candidates: %+v %v", khList, err)
	}
	if _, body := apptest.Get(t, kh, env.URL()+"/linkage?state=closed"); !strings.Contains(body, "No possible match has been answered yet.") {
		t.Error("the empty closed list does not say so")
	}
	res := apptest.PostForm(t, kh, env.URL()+"/inbox/"+p.ID, env.URL()+"/inbox/"+p.ID+"/replies", url.Values{"same_person": {"no"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer = %d, want 303", res.StatusCode)
	}
	res = apptest.PostForm(t, kh, env.URL()+"/inbox/"+p.ID, env.URL()+"/inbox/"+p.ID+"/replies", url.Values{"same_person": {"yes"}})
	if body := readBody(t, res); res.StatusCode != http.StatusConflict || !strings.Contains(body, "was already answered") {
		t.Errorf("second answer in the inbox = %d, want 409 saying it was already answered", res.StatusCode)
	}
	if _, body := apptest.Get(t, kh, env.URL()+"/inbox/"+p.ID); !strings.Contains(body, `data-testid="linkage-answered"`) ||
		strings.Contains(body, `name="same_person"`) {
		t.Error("the answered question still offers its answer form")
	}
	if _, body := apptest.Get(t, kh, env.URL()+"/linkage"); strings.Contains(body, khList[0].ID) || !strings.Contains(body, "No possible match in the other country.") {
		t.Error("the KH open list still shows the answered candidate, or not its empty state")
	}
	if _, body := apptest.Get(t, kh, env.URL()+"/linkage?state=closed"); !strings.Contains(body, khList[0].ID) ||
		!strings.Contains(body, "Not the same person: ហេង វិសាល replied to the other side") || strings.Contains(body, "/linkage/"+khList[0].ID+"/not-same") {
		t.Error("the KH closed list does not show the answer with who answered, or still offers answers")
	}
	res = apptest.PostForm(t, kh, env.URL()+"/linkage", env.URL()+"/linkage/"+khList[0].ID+"/not-same", url.Values{})
	if body := readBody(t, res); res.StatusCode != http.StatusConflict || !strings.Contains(body, "was already answered") {
		t.Errorf("not the same after the answer = %d, want 409 saying it was already answered", res.StatusCode)
	}

	// The TH side, once the reply reached its store: closed, answered by the KH agency.
	if _, err := env.App.Exchange.Sync(ctx, "TH"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ lang, text string }{
		{"en", "Not the same person: answered by MoSVY Poipet Transit Centre on"},
		{"th", "ไม่ใช่บุคคลเดียวกัน: ตอบโดย ศูนย์พักพิงชั่วคราวปอยเปต"},
		{"km", "មិនមែនជាមនុស្សតែមួយទេ៖ ឆ្លើយដោយ មជ្ឈមណ្ឌលស្នាក់នៅបណ្ដោះអាសន្នប៉ោយប៉ែត"},
	} {
		setLang(sup, tc.lang)
		if status, body := apptest.Get(t, sup, env.URL()+"/linkage?state=closed&case="+th.ID); status != http.StatusOK ||
			!strings.Contains(body, cand.ID) || !strings.Contains(body, tc.text) {
			t.Errorf("%s: TH closed list = %d, without the KH answer", tc.lang, status)
		}
		if _, body := apptest.Get(t, sup, env.URL()+"/linkage"); strings.Contains(body, cand.ID) {
			t.Errorf("%s: the answered question is still on the TH open list", tc.lang)
		}
	}
	if status, _ := apptest.Get(t, sup, env.URL()+"/linkage?cursor=bad"); status != http.StatusUnprocessableEntity {
		t.Errorf("a bad cursor = %d, want 422", status)
	}
	police := env.Login(t, "supervisor@th-pct.demo")
	if status, _ := apptest.Get(t, police, env.URL()+"/linkage?state=closed&case="+th.ID); status != http.StatusNotFound {
		t.Errorf("another agency's closed list of the case = %d, want 404", status)
	}

	// The API.
	tok := env.Token(t, "supervisor@th-msdhs-sakaeo.demo")
	status, body := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/linkage/candidates?state=closed&limit=1", tok, "")
	var list crossmatch.CandidatePage
	if status != http.StatusOK || json.Unmarshal([]byte(body), &list) != nil || len(list.Items) != 1 || list.Items[0].State != crossmatch.StateNotSame ||
		list.Items[0].Question == nil || list.Items[0].Question.Answer == nil || list.Items[0].Question.Status == "" {
		t.Fatalf("GET closed candidates = %d %s", status, body)
	}
	if status, body := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/linkage/candidates?state=open", tok, ""); status != http.StatusOK ||
		!strings.Contains(body, `"items":[]`) || !strings.Contains(body, `"next_cursor":""`) {
		t.Errorf("GET open candidates = %d %s, want none", status, body)
	}
	if status, body := apptest.API(t, http.MethodPost, env.URL()+"/api/v1/linkage/candidates/"+cand.ID+"/ask", tok, `{"override":"again"}`); status != http.StatusConflict ||
		!strings.Contains(body, `"candidate":"linkage.error.answered"`) {
		t.Errorf("ask about an answered candidate = %d %s, want 409", status, body)
	}
	for _, q := range []string{"state=answered", "limit=0", "limit=x", "cursor=1_2"} {
		if status, body := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/linkage/candidates?"+q, tok, ""); status != http.StatusUnprocessableEntity ||
			!strings.Contains(body, `"`+strings.Split(q, "=")[0]+`"`) {
			t.Errorf("GET ?%s = %d %s, want 422 naming the field", q, status, body)
		}
	}
	for _, who := range []string{"caseworker@th-msdhs-sakaeo.demo", "supervisor@kh-mosvy-poipet.demo"} {
		path := "/api/v1/linkage/candidates?state=closed&case_id=" + th.ID
		if status, body := apptest.API(t, http.MethodGet, env.URL()+path, env.Token(t, who), ""); status != http.StatusNotFound ||
			!strings.Contains(body, `"not_found"`) {
			t.Errorf("GET %s as %s = %d, want 404", path, who, status)
		}
	}
}
