package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

// TestImportAPICommit: a dry run through the API keeps the file and names it (upload_id); the
// commit route registers that file without sending it again; anyone else (same agency, other
// agency, other country, a role without operations) gets 404; a second commit, or a commit of an
// expired file, is 409 for its owner.
func TestImportAPICommit(t *testing.T) {
	env := apptest.New(t)
	op := impOperation(t, env, "TH")
	tok := env.Token(t, thWorker)
	before := impPersons(t, env, "TH", op)
	check := func() string {
		t.Helper()
		status, _, body := impAPI(t, env, tok, op, "true", []byte(impHeader+"Sokha,Chan,female,1999-04-12,,KH,\nDara,Kim,male,,31,KH,\n"), "")
		var out struct {
			UploadID string `json:"upload_id"`
			Created  int    `json:"created"`
		}
		if status != http.StatusOK || json.Unmarshal([]byte(body), &out) != nil || len(out.UploadID) != 36 || out.Created != 0 {
			t.Fatalf("dry run: %d %s", status, body)
		}
		return out.UploadID
	}
	upload := check()
	if n := impPersons(t, env, "TH", op); n != before {
		t.Fatalf("the dry run registered %d persons", n-before)
	}
	commit := func(who, op, upload string) (int, string) {
		return apptest.API(t, http.MethodPost, env.URL()+"/api/v1/operations/"+op+"/imports/"+upload+"/commit", env.Token(t, who), "")
	}
	khOp := impOperation(t, env, "KH")
	for _, tt := range []struct{ name, who, op string }{
		{"same agency, other user", thSupervisor, op},
		{"other agency", thPolice, op},
		{"other country", khWorker, khOp},
		{"other country, the TH operation", khWorker, op},
		{"role without operations", thEmbassy, op},
		{"NGO", ngoWorker, op},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := commit(tt.who, tt.op, upload)
			if status != http.StatusNotFound || decodeError(t, body).Error.Code != "not_found" {
				t.Errorf("commit of another's file: %d %s, want 404", status, body)
			}
		})
	}
	for _, bad := range []string{"not-an-id", noSuchCaseID} {
		if status, body := commit(thWorker, op, bad); status != http.StatusNotFound {
			t.Errorf("upload %q: %d %s, want 404", bad, status, body)
		}
	}
	status, body := commit(thWorker, op, upload)
	var res struct {
		Created int      `json:"created"`
		CaseIDs []string `json:"case_ids"`
	}
	if status != http.StatusCreated || json.Unmarshal([]byte(body), &res) != nil || res.Created != 2 || len(res.CaseIDs) != 2 {
		t.Fatalf("commit: %d %s", status, body)
	}
	if n := impPersons(t, env, "TH", op); n != before+2 {
		t.Fatalf("registered %d persons, want 2", n-before)
	}
	status, body = commit(thWorker, op, upload)
	if e := decodeError(t, body); status != http.StatusConflict || e.Error.Code != "conflict" || strings.Contains(strings.ToLower(e.Error.Message), "page") {
		t.Errorf("second commit: %d %s, want 409 in API terms", status, body)
	}
	if status, body := commit(thSupervisor, op, upload); status != http.StatusNotFound {
		t.Errorf("another user, after the commit: %d %s, want 404", status, body)
	}

	expired := check()
	st, _ := env.App.Stores.For("TH")
	if err := st.DB.Exec(`UPDATE import_uploads SET expires_at = now() - interval '1 minute' WHERE id = ?`, expired).Error; err != nil {
		t.Fatal(err)
	}
	if status, body := commit(thWorker, op, expired); status != http.StatusConflict {
		t.Errorf("expired file: %d %s, want 409", status, body)
	}
	if n := impPersons(t, env, "TH", op); n != before+2 {
		t.Fatalf("the expired file registered persons: %d", n-before-2)
	}
}
