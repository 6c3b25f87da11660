package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/crossmatch"
)

// TestLinkageQuestionInTheInbox: the question a TH supervisor sends reaches the KH supervisor's
// inbox linked to their own candidate (in th, km and en), with a yes/no answer; a bad answer is
// 422 with the form kept, and the answer reaches the TH store. The KH caseworker cannot see the
// candidate it names.
func TestLinkageQuestionInTheInbox(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	th, cand := linkagePair(t, env)
	thSup := env.Actor(t, "supervisor@th-msdhs-sakaeo.demo")
	p, err := env.App.Linkage.Ask(ctx, thSup, cand.ID, crossmatch.AskInput{Override: "Family tracing requested by the mother"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Directory.CreateUser(ctx, "", "supervisor2@th-msdhs-sakaeo.demo", "Second Supervisor", "homeward-demo",
		thSup.AgencyID, "supervisor"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Exchange.Approve(ctx, env.Actor(t, "supervisor2@th-msdhs-sakaeo.demo"), p.ID, 0); err != nil {
		t.Fatal(err)
	}
	khList, err := env.App.Linkage.List(ctx, env.Actor(t, "supervisor@kh-mosvy-poipet.demo"))
	if err != nil || len(khList) != 1 {
		t.Fatalf("KH candidates: %+v %v", khList, err)
	}
	kh := env.Login(t, "supervisor@kh-mosvy-poipet.demo")
	for _, tc := range []struct{ lang, label string }{
		{"th", "เป็นบุคคลเดียวกันหรือไม่"}, {"km", "តើជាមនុស្សតែមួយឬទេ?"}, {"en", "Is it the same person?"},
	} {
		res := apptest.PostForm(t, kh, env.URL()+"/", env.URL()+"/language", url.Values{"lang": {tc.lang}})
		res.Body.Close()
		status, body := apptest.Get(t, kh, env.URL()+"/inbox/"+p.ID)
		if status != http.StatusOK || !strings.Contains(body, `data-testid="linkage-candidate"`) ||
			!strings.Contains(body, "/linkage?case="+khList[0].CaseID) || !strings.Contains(body, khList[0].CaseRef) ||
			!strings.Contains(body, tc.label) || !strings.Contains(body, `name="same_person"`) {
			t.Errorf("%s: GET /inbox/%s = %d, without the link to our candidate or the answer", tc.lang, p.ID, status)
		}
		if strings.Contains(body, th.Reference) == false {
			t.Errorf("%s: the asking case's reference is not shown", tc.lang)
		}
	}
	cw := env.Login(t, "caseworker@kh-mosvy-poipet.demo")
	if status, body := apptest.Get(t, cw, env.URL()+"/inbox/"+p.ID); status == http.StatusOK && strings.Contains(body, `data-testid="linkage-candidate"`) {
		t.Error("a caseworker (no persons:merge) sees the candidate the question names")
	}

	res := apptest.PostForm(t, kh, env.URL()+"/inbox/"+p.ID, env.URL()+"/inbox/"+p.ID+"/replies", url.Values{"note": {"Checked our file"}})
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("answer without same_person = %d, want 422", res.StatusCode)
	}
	res = apptest.PostForm(t, kh, env.URL()+"/inbox/"+p.ID, env.URL()+"/inbox/"+p.ID+"/replies", url.Values{"same_person": {"no"}, "note": {"Different mother's name"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer = %d, want 303 back to the packet", res.StatusCode)
	}
	if _, err := env.App.Exchange.Sync(ctx, "TH"); err != nil {
		t.Fatal(err)
	}
	st, _ := env.App.Stores.For("TH")
	var same []bool
	st.DB.Raw(`SELECT same_person FROM linkage_answers WHERE packet_id = ?`, p.ID).Scan(&same)
	if len(same) != 1 || same[0] {
		t.Errorf("TH store's answer: %v, want not the same", same)
	}
}
