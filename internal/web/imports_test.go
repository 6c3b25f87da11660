package web_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"homeward/internal/apptest"
)

const impHeader = "Given name,Family name,Sex,Date of birth,Estimated age,Nationality,Identity document number\n"

// impResult is the body of POST /api/v1/operations/{id}/imports.
type impResult struct {
	Rows    int  `json:"rows"`
	Created int  `json:"created"`
	DryRun  bool `json:"dry_run"`
	Errors  []struct {
		Row     int    `json:"row"`
		Column  string `json:"column"`
		Message string `json:"message"`
	} `json:"errors"`
	Warnings           []json.RawMessage `json:"warnings"`
	PossibleDuplicates []struct {
		Row      int    `json:"row"`
		PersonID string `json:"person_id"`
		Reason   string `json:"reason"`
	} `json:"possible_duplicates"`
	CaseIDs []string `json:"case_ids"`
	Error   *struct {
		Code string `json:"code"`
	} `json:"error"`
}

// impOperation returns a demo rescue operation of a store.
func impOperation(t *testing.T, env *apptest.Env, country string) string {
	t.Helper()
	st, err := env.App.Stores.For(country)
	if err != nil {
		t.Fatal(err)
	}
	var id string
	if err := st.DB.Raw(`SELECT id FROM operations ORDER BY id LIMIT 1`).Scan(&id).Error; err != nil || id == "" {
		t.Fatalf("no operation in %s: %v", country, err)
	}
	return id
}

// impPersons counts the persons of an operation.
func impPersons(t *testing.T, env *apptest.Env, country, op string) int {
	t.Helper()
	st, _ := env.App.Stores.For(country)
	var n int
	if err := st.DB.Raw(`SELECT count(*) FROM persons WHERE operation_id = ?`, op).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// impMultipart builds a multipart body with fields and, unless name is "", the file.
func impMultipart(t *testing.T, fields map[string]string, name string, content []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if name != "" {
		fw, err := w.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(content)
	}
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

// impAPI posts a file to the import API and decodes the answer.
func impAPI(t *testing.T, env *apptest.Env, token, op, dry string, content []byte, lang string) (int, impResult, string) {
	t.Helper()
	fields := map[string]string{}
	if dry != "" {
		fields["dry_run"] = dry
	}
	ct, body := impMultipart(t, fields, "persons.csv", content)
	req := apiRequest(t, http.MethodPost, env.URL()+"/api/v1/operations/"+op+"/imports", token, bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	res := send(t, nil, req)
	var out impResult
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal([]byte(res.Body), &out); err != nil {
			t.Fatalf("body: %v: %s", err, res.Body)
		}
	}
	return res.Status, out, res.Body
}

func TestImportAPI(t *testing.T) {
	env := apptest.New(t)
	tok := env.Token(t, thWorker)
	op := impOperation(t, env, "TH")
	before := impPersons(t, env, "TH", op)
	good := []byte(impHeader + "Sokha,Chan,female,1999-04-12,,KH,N0123456\nDara,Kim,male,,31,KH,\n")

	status, res, body := impAPI(t, env, tok, op, "true", good, "")
	if status != http.StatusOK || res.Rows != 2 || res.Created != 0 || !res.DryRun || len(res.Errors) != 0 {
		t.Fatalf("dry run: %d %s", status, body)
	}
	if !strings.Contains(body, `"errors":[]`) || !strings.Contains(body, `"possible_duplicates":[]`) {
		t.Errorf("dry run: empty lists must be [] in JSON: %s", body)
	}
	if n := impPersons(t, env, "TH", op); n != before {
		t.Fatalf("dry run registered %d persons", n-before)
	}

	status, res, body = impAPI(t, env, tok, op, "false", good, "")
	if status != http.StatusCreated || res.Created != 2 || len(res.CaseIDs) != 2 {
		t.Fatalf("import: %d %s", status, body)
	}
	if n := impPersons(t, env, "TH", op); n != before+2 {
		t.Fatalf("persons of the operation: %d, want %d", n, before+2)
	}

	// The same file again: a dry run warns that the document is already registered.
	status, res, body = impAPI(t, env, tok, op, "true", good, "")
	if status != http.StatusOK || len(res.PossibleDuplicates) == 0 || res.PossibleDuplicates[0].Row != 2 ||
		res.PossibleDuplicates[0].Reason != "document" || res.PossibleDuplicates[0].PersonID == "" {
		t.Errorf("dry run of a registered file: %d %s", status, body)
	}
}

// TestImportAPIBadInput: every kind of bad file is reported by row and column in the user's language,
// a real run with any error answers 422, and nothing is registered.
func TestImportAPIBadInput(t *testing.T) {
	env := apptest.New(t)
	tok := env.Token(t, thWorker)
	op := impOperation(t, env, "TH")
	before := impPersons(t, env, "TH", op)
	formula := func() []byte {
		f := excelize.NewFile()
		defer f.Close()
		f.SetSheetRow("Sheet1", "A1", &[]any{"Given name", "Sex", "Estimated age", "Nationality"})
		f.SetSheetRow("Sheet1", "A2", &[]any{"Sokha", "female", 30, "KH"})
		f.SetCellFormula("Sheet1", "C2", "29+1")
		buf, _ := f.WriteToBuffer()
		return buf.Bytes()
	}
	type cell struct {
		row    int
		column string
	}
	tests := []struct {
		name string
		file []byte
		want []cell
	}{
		{"wrong header", []byte("Name,Sex,Nationality\nSokha,female,KH\n"), []cell{{1, "Name"}, {1, "Given name"}, {1, "Date of birth (YYYY-MM-DD)"}}},
		{"bad date", []byte(impHeader + "Sokha,Chan,female,31/02/1999,,KH,\n"), []cell{{2, "Date of birth"}}},
		{"unknown nationality", []byte(impHeader + "Sokha,Chan,female,,30,Atlantis,\n"), []cell{{2, "Nationality"}}},
		{"duplicate row", []byte(impHeader + "Sokha,Chan,female,,30,KH,\nSokha,Chan,female,,30,KH,\n"), []cell{{3, "Given name"}}},
		{"row without a name, empty row skipped", []byte(impHeader + ",,,,,,\n,Chan,female,,30,KH,\n"), []cell{{3, "Given name"}}},
		{"formula", formula(), []cell{{2, "Estimated age"}}},
		{"non-UTF-8 CSV", []byte(impHeader + "S\xF6kha,Chan,female,,30,KH,\n"), []cell{{2, ""}}},
		{"junk", bytes.Repeat([]byte{0xFF, 0x00, 0x13}, 1<<20), []cell{{1, ""}}},
		{"empty", []byte{}, []cell{{0, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, dry := range []string{"true", "false"} {
				status, res, body := impAPI(t, env, tok, op, dry, tt.file, "")
				wantStatus := http.StatusOK
				if dry == "false" {
					wantStatus = http.StatusUnprocessableEntity
				}
				if status != wantStatus || res.Created != 0 {
					t.Fatalf("dry_run=%s: %d %s", dry, status, excerpt(body))
				}
				if dry == "false" && (res.Error == nil || res.Error.Code != "invalid") {
					t.Errorf("dry_run=false: no contract error body: %s", excerpt(body))
				}
				var got []cell
				for _, e := range res.Errors {
					got = append(got, cell{e.Row, e.Column})
					if e.Message == "" || strings.Contains(e.Message, "imports.") {
						t.Errorf("untranslated message %q", e.Message)
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("dry_run=%s: errors at %v, want %v: %s", dry, got, tt.want, excerpt(body))
				}
			}
		})
	}
	if n := impPersons(t, env, "TH", op); n != before {
		t.Fatalf("bad files registered %d persons", n-before)
	}

	// Messages follow the caller's language.
	_, res, _ := impAPI(t, env, tok, op, "true", []byte(impHeader+"Sokha,Chan,female,,30,Atlantis,\n"), "th")
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "สัญชาติ") {
		t.Errorf("Thai caller: %+v", res.Errors)
	}
	// No file, or a dry_run that is not a boolean.
	ct, body := impMultipart(t, map[string]string{"dry_run": "true"}, "", nil)
	req := apiRequest(t, http.MethodPost, env.URL()+"/api/v1/operations/"+op+"/imports", tok, bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	if r := send(t, nil, req); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("no file: %d %s", r.Status, r.Body)
	}
	if status, _, body := impAPI(t, env, tok, op, "maybe", []byte(impHeader), ""); status != http.StatusUnprocessableEntity ||
		decodeError(t, body).Error.Fields["dry_run"] == "" {
		t.Errorf("dry_run=maybe: %d %s", status, body)
	}
	// JSON instead of a file.
	if r := send(t, nil, apiRequest(t, http.MethodPost, env.URL()+"/api/v1/operations/"+op+"/imports", tok, strings.NewReader("{}"))); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("JSON body: %d %s", r.Status, r.Body)
	}
}

// TestImportRefusedOverHTTP: another store's operation, a role without the section, no store at all:
// not found, on the API and the page, and nothing registered.
func TestImportRefusedOverHTTP(t *testing.T) {
	env := apptest.New(t)
	thOp, khOp := impOperation(t, env, "TH"), impOperation(t, env, "KH")
	file := []byte(impHeader + "Sokha,Chan,female,,30,KH,\n")
	for _, tt := range []struct{ name, email, op string }{
		{"other store", khWorker, thOp},
		{"other store, other way", thWorker, khOp},
		{"no such operation", thWorker, noSuchCaseID},
		{"auditor", thAuditor, thOp},
		{"analyst", thAnalyst, thOp},
		{"embassy", thEmbassy, thOp},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := impAPI(t, env, env.Token(t, tt.email), tt.op, "false", file, "")
			if status != http.StatusNotFound || decodeError(t, body).Error.Code != "not_found" {
				t.Errorf("API: %d %s", status, body)
			}
			c := env.Login(t, tt.email)
			if code, _ := apptest.Get(t, c, env.URL()+"/operations/"+tt.op+"/import"); code != http.StatusNotFound {
				t.Errorf("page: %d", code)
			}
		})
	}
	for _, email := range []string{thAuditor, thEmbassy} {
		if code, _ := apptest.Get(t, env.Login(t, email), env.URL()+"/imports/template.csv"); code != http.StatusNotFound {
			t.Errorf("template as %s: %d, want 404", email, code)
		}
	}
}

// TestImportTooLargeBeforeReading: a file over 10 MB is refused with 413 before the body is read, on
// the API and the page, and a body of junk just over the limit is cut.
func TestImportTooLargeBeforeReading(t *testing.T) {
	env := apptest.New(t)
	op := impOperation(t, env, "TH")
	tok := env.Token(t, thWorker)
	session := env.Login(t, thWorker)
	u, _ := url.Parse(env.URL())
	var cookies []string
	for _, ck := range session.Jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	for _, tt := range []struct{ name, path, auth string }{
		{"API", "/api/v1/operations/" + op + "/imports", "Authorization: Bearer " + tok},
		{"page", "/operations/" + op + "/import", "Cookie: " + strings.Join(cookies, "; ")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// Headers only, declaring 11 MB: the answer comes without a byte of the body sent.
			conn, err := net.Dial("tcp", u.Host)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\n%s\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Length: %d\r\n\r\n",
				tt.path, u.Host, tt.auth, 11<<20)
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("status %d, want 413", res.StatusCode)
			}
		})
	}
	t.Run("10 MB of junk", func(t *testing.T) {
		junk := bytes.Repeat([]byte("junk,"), (10<<20)/5+1)
		status, _, body := impAPI(t, env, tok, op, "true", junk, "")
		if status != http.StatusRequestEntityTooLarge || decodeError(t, body).Error.Code != "too_large" {
			t.Errorf("status %d %s, want 413", status, excerpt(body))
		}
	})
}

// impPost posts the import form of the page (with the page's CSRF token); htmx marks an htmx request.
func impPost(t *testing.T, env *apptest.Env, c *http.Client, op, dry string, content []byte, htmx bool) (int, http.Header, string) {
	t.Helper()
	page := env.URL() + "/operations/" + op + "/import"
	fields := map[string]string{"_csrf": apptest.CSRF(t, c, page), "dry_run": dry}
	name := "persons.csv"
	if content == nil {
		name = "" // no file chosen
	}
	ct, body := impMultipart(t, fields, name, content)
	req, _ := http.NewRequest(http.MethodPost, page, bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func TestImportPage(t *testing.T) {
	env := apptest.New(t)
	op := impOperation(t, env, "TH")
	c := env.Login(t, thWorker)
	before := impPersons(t, env, "TH", op)
	page := env.URL() + "/operations/" + op + "/import"
	code, body := apptest.Get(t, c, page)
	if code != http.StatusOK || !strings.Contains(body, `enctype="multipart/form-data"`) ||
		!strings.Contains(body, "/imports/template.xlsx?lang=km") || !strings.Contains(body, `hx-indicator="#import-progress"`) {
		t.Fatalf("page: %d %s", code, excerpt(body))
	}
	good := []byte(impHeader + "Sokha,Chan,female,1999-04-12,,KH,\nDara,Kim,male,,31,KH,\n")

	// htmx: the result alone, with the button that imports the same file.
	status, _, frag := impPost(t, env, c, op, "true", good, true)
	if status != http.StatusOK || strings.Contains(frag, "<html") || !strings.Contains(frag, `data-testid="import-commit"`) ||
		!strings.Contains(frag, message(t, body, "imports.commit", "Count", 2)) {
		t.Fatalf("htmx dry run: %d %s", status, excerpt(frag))
	}
	// Without htmx: the whole page, with the import of the file kept (no second choice of file).
	status, _, full := impPost(t, env, c, op, "true", good, false)
	if status != http.StatusOK || !strings.Contains(full, "<html") || !strings.Contains(full, message(t, full, "imports.kept", "Minutes", 60)) ||
		!strings.Contains(full, `name="upload"`) {
		t.Fatalf("dry run page: %d %s", status, excerpt(full))
	}
	// Errors: a table by row and column, 422 for a real run, and no import button.
	bad := []byte(impHeader + "Sokha,Chan,female,31/02/1999,,KH,\n")
	status, _, full = impPost(t, env, c, op, "false", bad, false)
	if status != http.StatusUnprocessableEntity || !strings.Contains(full, `data-testid="import-errors"`) ||
		!strings.Contains(full, `">Date of birth</td>`) || strings.Contains(full, `data-testid="import-commit"`) {
		t.Fatalf("real run with errors: %d %s", status, excerpt(full))
	}
	if n := impPersons(t, env, "TH", op); n != before {
		t.Fatalf("registered %d persons before the import", n-before)
	}
	// The import: POST/redirect/GET, or HX-Redirect under htmx.
	status, hdr, _ := impPost(t, env, c, op, "false", good, false)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/operations/"+op+"/import?done=2" {
		t.Fatalf("import: %d Location %q", status, hdr.Get("Location"))
	}
	code, body = apptest.Get(t, c, env.URL()+hdr.Get("Location"))
	if code != http.StatusOK || !strings.Contains(body, message(t, body, "imports.done", "Count", 2)) {
		t.Errorf("after the import: %d %s", code, excerpt(body))
	}
	more := []byte(impHeader + "Vanna,Sok,female,,40,KH,\n")
	status, hdr, _ = impPost(t, env, c, op, "false", more, true)
	if status != http.StatusOK || hdr.Get("HX-Redirect") != "/operations/"+op+"/import?done=1" {
		t.Fatalf("htmx import: %d HX-Redirect %q", status, hdr.Get("HX-Redirect"))
	}
	if n := impPersons(t, env, "TH", op); n != before+3 {
		t.Fatalf("persons of the operation: %d, want %d", n, before+3)
	}
	// No file chosen: the form again with the message, 422.
	status, _, full = impPost(t, env, c, op, "true", nil, false)
	if status != http.StatusUnprocessableEntity || !strings.Contains(full, message(t, full, "imports.error.file_missing")) {
		t.Errorf("no file: %d %s", status, excerpt(full))
	}
}

func TestImportTemplates(t *testing.T) {
	env := apptest.New(t)
	c := env.Login(t, thWorker)
	for _, tt := range []struct{ lang, header string }{{"en", "Given name"}, {"th", "ชื่อ"}, {"km", "នាមខ្លួន"}} {
		res, err := c.Get(env.URL() + "/imports/template.csv?lang=" + tt.lang)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !bytes.HasPrefix(b, []byte("\uFEFF"+tt.header+",")) ||
			!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("csv %s: %d %q", tt.lang, res.StatusCode, b[:min(len(b), 60)])
		}
		res, err = c.Get(env.URL() + "/imports/template.xlsx?lang=" + tt.lang)
		if err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("xlsx %s: %v", tt.lang, err)
		}
		if v, _ := f.GetCellValue("Sheet1", "A1"); v != tt.header {
			t.Errorf("xlsx %s: A1 = %q, want %q", tt.lang, v, tt.header)
		}
		f.Close()
	}
}
