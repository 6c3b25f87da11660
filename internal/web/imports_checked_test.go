package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

var uploadField = regexp.MustCompile(`name="upload" value="([0-9a-f-]{36})"`)

// impCheck checks a file on the page (htmx) and returns the id of the file kept, and the fragment.
func impCheck(t *testing.T, env *apptest.Env, c *http.Client, op string, file []byte) (string, string) {
	t.Helper()
	status, _, frag := impPost(t, env, c, op, "true", file, true)
	m := uploadField.FindStringSubmatch(frag)
	if status != http.StatusOK || m == nil {
		t.Fatalf("check: %d %s", status, excerpt(frag))
	}
	return m[1], frag
}

// impCommit posts the import button of a checked file.
func impCommit(t *testing.T, env *apptest.Env, c *http.Client, op, upload string) *http.Response {
	t.Helper()
	page := env.URL() + "/operations/" + op + "/import"
	return apptest.PostForm(t, c, page, page+"/commit", url.Values{"upload": {upload}})
}

// TestImportCheckedFile: one upload; the import button registers the file checked, without sending
// it again, once (a second time is 409); anyone else's import of it (same agency, other agency, other
// store) is not found.
func TestImportCheckedFile(t *testing.T) {
	env := apptest.New(t)
	op := impOperation(t, env, "TH")
	c := env.Login(t, thWorker)
	before := impPersons(t, env, "TH", op)
	upload, frag := impCheck(t, env, c, op, []byte(impHeader+"Sokha,Chan,female,1999-04-12,,KH,\nDara,Kim,male,,31,KH,\n"))
	if !strings.Contains(frag, `data-testid="import-commit-form"`) || !strings.Contains(frag, "/import/commit") {
		t.Fatalf("no import form: %s", excerpt(frag))
	}
	if n := impPersons(t, env, "TH", op); n != before {
		t.Fatalf("the check registered %d persons", n-before)
	}
	for _, tt := range []struct{ name, email, op string }{
		{"same agency, other user", thSupervisor, op},
		{"other agency", thPolice, op},
		{"other store", khWorker, impOperation(t, env, "KH")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := impCommit(t, env, env.Login(t, tt.email), tt.op, upload)
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("import of another's file: %d, want 404", res.StatusCode)
			}
			if code, _ := apptest.Get(t, env.Login(t, tt.email), env.URL()+"/operations/"+tt.op+"/import/"+upload+"/warnings.csv"); code != http.StatusNotFound {
				t.Errorf("warnings of another's file: %d, want 404", code)
			}
		})
	}
	res := impCommit(t, env, c, op, upload)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/operations/"+op+"/import?done=2" {
		t.Fatalf("import: %d Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	if n := impPersons(t, env, "TH", op); n != before+2 {
		t.Fatalf("registered %d persons, want 2", n-before)
	}
	res = impCommit(t, env, c, op, upload)
	again, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusConflict || !strings.Contains(string(again), "upload.error.gone") && !strings.Contains(string(again), "imported already") {
		t.Errorf("second import of the same file: %d, want 409 asking for the file again: %s", res.StatusCode, excerpt(string(again)))
	}
	for _, bad := range []string{"", "not-an-id", noSuchCaseID} {
		res := impCommit(t, env, c, op, bad)
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("upload %q: %d, want 404", bad, res.StatusCode)
		}
	}
}

// TestImportDuplicatesSummarised: a file of many possible duplicates shows their count and the
// first 50 warnings, and the CSV lists every one, in the user's language.
func TestImportDuplicatesSummarised(t *testing.T) {
	env := apptest.New(t)
	op := impOperation(t, env, "TH")
	c := env.Login(t, thWorker)
	var b strings.Builder
	b.WriteString(impHeader)
	for i := range 60 { // 60 persons of one name and age, each with their own document: each row warns of the others
		fmt.Fprintf(&b, "Sokha,Chan,female,,30,KH,P%07d\n", i)
	}
	upload, frag := impCheck(t, env, c, op, []byte(b.String()))
	if got := strings.Count(frag, `<tr><td class="num" data-label=`); got != 50 {
		t.Errorf("warnings listed: %d, want 50", got)
	}
	if !strings.Contains(frag, `data-testid="import-duplicates"`) || !strings.Contains(frag, "/import/"+upload+"/warnings.csv") {
		t.Fatalf("no summary: %s", excerpt(frag))
	}
	headers := map[string]bool{}
	for _, lang := range []string{"en", "th", "km"} {
		res := apptest.PostForm(t, c, env.URL()+"/settings", env.URL()+"/language", url.Values{"lang": {lang}})
		res.Body.Close()
		code, csv := apptest.Get(t, c, env.URL()+"/operations/"+op+"/import/"+upload+"/warnings.csv")
		lines := strings.Split(strings.TrimSpace(csv), "\n")
		if code != http.StatusOK || len(lines) < 61 {
			t.Fatalf("%s CSV: %d, %d lines", lang, code, len(lines))
		}
		headers[lines[0]] = true
	}
	if len(headers) != 3 {
		t.Errorf("CSV headers in three languages: %v", headers)
	}
}
