package web_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

const cmpHeader = "week,province,channel,complaints,losses\n"

// cmpFixture is hand-summed in TestComplaintsImportAndTrends.
const cmpFixture = cmpHeader +
	"2019-W10,Bangkok,facebook,10,1000.50\n" +
	"2019-W10,Bangkok,line,5,200\n" +
	"2019-W10,Chonburi,facebook,3,0.25\n" +
	"2019-03-13,Bangkok,facebook,7,70\n" +
	"2019-W12,Sa Kaeo,telegram,4,4.75\n"

// cmpImportBody is the body of POST /api/v1/reports/complaints/imports.
type cmpImportBody struct {
	Rows     int  `json:"rows"`
	Imported int  `json:"imported"`
	DryRun   bool `json:"dry_run"`
	Errors   []struct {
		Row     int    `json:"row"`
		Column  string `json:"column"`
		Message string `json:"message"`
	} `json:"errors"`
	Error *struct {
		Code string `json:"code"`
	} `json:"error"`
}

// cmpImport posts a file to the complaint import API.
func cmpImport(t *testing.T, env *apptest.Env, token, dry string, file []byte) (int, cmpImportBody, string) {
	t.Helper()
	ct, body := impMultipart(t, map[string]string{"dry_run": dry}, "weekly.csv", file)
	req := apiRequest(t, http.MethodPost, env.URL()+"/api/v1/reports/complaints/imports", token, bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	res := send(t, nil, req)
	var out cmpImportBody
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal([]byte(res.Body), &out); err != nil {
			t.Fatalf("body: %v: %s", err, res.Body)
		}
	}
	return res.Status, out, res.Body
}

// cmpStored counts the complaint rows and imports of a store.
func cmpStored(t *testing.T, env *apptest.Env, cc string) (rows, imports int) {
	t.Helper()
	st, err := env.App.Stores.For(cc)
	if err != nil {
		t.Fatal(err)
	}
	st.DB.Raw(`SELECT count(*) FROM complaint_stats`).Scan(&rows)
	st.DB.Raw(`SELECT count(*) FROM complaint_imports`).Scan(&imports)
	return rows, imports
}

// cmpSeries is the body of GET /api/v1/reports/complaints.
type cmpSeries struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Weeks []struct {
		Week       string `json:"week"`
		Start      string `json:"start"`
		Complaints int64  `json:"complaints"`
		Losses     string `json:"losses"`
	} `json:"weeks"`
	Operations []struct {
		Date string `json:"date"`
		Name string `json:"name"`
	} `json:"operations"`
	Total struct {
		Complaints int64  `json:"complaints"`
		Losses     string `json:"losses"`
	} `json:"total"`
}

func TestComplaintsImportAndTrends(t *testing.T) {
	env := apptest.New(t)
	tok := env.Token(t, thSupervisor)
	status, res, body := cmpImport(t, env, tok, "true", []byte(cmpFixture))
	if status != http.StatusOK || res.Rows != 5 || res.Imported != 0 || !strings.Contains(body, `"errors":[]`) {
		t.Fatalf("dry run: %d %s", status, body)
	}
	if n, _ := cmpStored(t, env, "TH"); n != 0 {
		t.Fatalf("dry run stored %d rows", n)
	}
	status, res, body = cmpImport(t, env, tok, "false", []byte(cmpFixture))
	if status != http.StatusCreated || res.Imported != 5 {
		t.Fatalf("import: %d %s", status, body)
	}

	analyst := env.Token(t, thAnalyst)
	for _, tt := range []struct{ query, want string }{
		{"from=2019-W10&to=2019-W12", "2019-W10:18:1200.75 2019-W11:7:70.00 2019-W12:4:4.75 =29:1275.50"},
		{"from=2019-03-04&to=2019-03-24&province=Bangkok", "2019-W10:15:1200.50 2019-W11:7:70.00 =22:1270.50"},
		{"from=2019-W10&to=2019-W12&channel=facebook", "2019-W10:13:1000.75 2019-W11:7:70.00 =20:1070.75"},
		{"from=2019-W11&to=2019-W11&channel=telegram", "=0:0.00"},
	} {
		code, out := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/reports/complaints?"+tt.query, analyst, "")
		var s cmpSeries
		if code != http.StatusOK || json.Unmarshal([]byte(out), &s) != nil {
			t.Fatalf("%s: %d %s", tt.query, code, out)
		}
		var got []string
		for _, w := range s.Weeks {
			got = append(got, fmt.Sprintf("%s:%d:%s", w.Week, w.Complaints, w.Losses))
		}
		got = append(got, fmt.Sprintf("=%d:%s", s.Total.Complaints, s.Total.Losses))
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("%s: %s, want %s", tt.query, g, tt.want)
		}
	}
	for _, q := range []string{"from=2026-W54", "to=2025-02-30", "from=2019-W12&to=2019-W10", "channel=pigeon"} {
		code, out := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/reports/complaints?"+q, analyst, "")
		if code != http.StatusUnprocessableEntity || decodeError(t, out).Error.Code != "invalid" {
			t.Errorf("%s: %d %s", q, code, out)
		}
	}

	// The page: the chart (SVG) and the same numbers in a table, in the user's language.
	c := env.Login(t, thAnalyst)
	code, page := apptest.Get(t, c, env.URL()+"/reports/complaints?from=2019-W10&to=2019-W12")
	if code != http.StatusOK || !strings.Contains(page, "<svg") || !strings.Contains(page, `data-testid="complaints-table"`) ||
		!strings.Contains(page, `<td class="num" data-testid="complaints-total">29</td>`) || !strings.Contains(page, "1275.50") {
		t.Fatalf("page: %d %s", code, excerpt(page))
	}
	code, page = apptest.Get(t, c, env.URL()+"/reports/complaints?from=2019-W54")
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, message(t, page, "complaints.error.week")) {
		t.Errorf("bad filter page: %d %s", code, excerpt(page))
	}
}

// TestComplaintsBadFiles: every bad file is reported by row and column, a real run answers 422, and
// nothing is stored.
func TestComplaintsBadFiles(t *testing.T) {
	env := apptest.New(t)
	tok := env.Token(t, thSupervisor)
	good := "2026-W05,Bangkok,line,1,0\n"
	for _, tt := range []struct {
		name, file, want string
	}{
		{"negative count", cmpHeader + good + "2026-W06,Bangkok,line,-4,0\n", "3:complaints"},
		{"week outside the calendar", cmpHeader + good + "2026-W54,Bangkok,line,1,0\n", "3:week"},
		{"duplicate week and province", cmpHeader + good + "2026-01-29,Bangkok,line,2,0\n", "3:week"},
		{"non-UTF-8", cmpHeader + good + "2026-W06,B\xE4ngkok,line,1,0\n", "3:"},
		{"wrong header", "week,province,complaints,losses\n2026-W05,Bangkok,1,0\n", "1:channel"},
		{"every error at once", cmpHeader + "2026-W05,,fax,x,-1\n", "2:province 2:channel 2:complaints 2:losses"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, dry := range []string{"true", "false"} {
				status, res, body := cmpImport(t, env, tok, dry, []byte(tt.file))
				want := http.StatusOK
				if dry == "false" {
					want = http.StatusUnprocessableEntity
				}
				if status != want || res.Imported != 0 || (dry == "false" && (res.Error == nil || res.Error.Code != "invalid")) {
					t.Fatalf("dry_run=%s: %d %s", dry, status, excerpt(body))
				}
				var got []string
				for _, e := range res.Errors {
					got = append(got, fmt.Sprintf("%d:%s", e.Row, e.Column))
					if e.Message == "" || strings.HasPrefix(e.Message, "complaints.") {
						t.Errorf("untranslated message %q", e.Message)
					}
				}
				if g := strings.Join(got, " "); g != tt.want {
					t.Errorf("dry_run=%s: errors at %s, want %s", dry, g, tt.want)
				}
			}
		})
	}
	if rows, imports := cmpStored(t, env, "TH"); rows != 0 || imports != 0 {
		t.Errorf("bad files stored %d rows, %d imports", rows, imports)
	}
	// No file, or a dry_run that is not a boolean.
	ct, body := impMultipart(t, map[string]string{"dry_run": "true"}, "", nil)
	req := apiRequest(t, http.MethodPost, env.URL()+"/api/v1/reports/complaints/imports", tok, bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	if r := send(t, nil, req); r.Status != http.StatusUnprocessableEntity || decodeError(t, r.Body).Error.Fields["file"] == "" {
		t.Errorf("no file: %d %s", r.Status, r.Body)
	}
	if status, _, body := cmpImport(t, env, tok, "maybe", []byte(cmpFixture)); status != http.StatusUnprocessableEntity {
		t.Errorf("dry_run=maybe: %d %s", status, body)
	}
}

// TestComplaintsTooLarge: a body over 5 MB is refused with 413 before it is read (declared length,
// headers only), and a real file just over the limit is refused too; nothing is stored.
func TestComplaintsTooLarge(t *testing.T) {
	env := apptest.New(t)
	tok := env.Token(t, thSupervisor)
	session := env.Login(t, thSupervisor)
	u, _ := url.Parse(env.URL())
	var cookies []string
	for _, ck := range session.Jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	for _, tt := range []struct{ name, path, auth string }{
		{"API", "/api/v1/reports/complaints/imports", "Authorization: Bearer " + tok},
		{"page", "/reports/complaints/import", "Cookie: " + strings.Join(cookies, "; ")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", u.Host)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\n%s\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Length: %d\r\n\r\n",
				tt.path, u.Host, tt.auth, 6<<20)
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
	big := []byte(cmpHeader + strings.Repeat("2026-W05,Bangkok,line,1,0\n", (5<<20)/26+1))
	status, _, body := cmpImport(t, env, tok, "false", big)
	if status != http.StatusRequestEntityTooLarge || decodeError(t, body).Error.Code != "too_large" {
		t.Errorf("5 MB file: %d %s", status, excerpt(body))
	}
	// Between the global 1 MiB limit and 5 MB: accepted (the import routes have their own limit).
	var mid bytes.Buffer
	mid.WriteString(cmpHeader)
	for i := 0; mid.Len() < 2<<20; i++ {
		fmt.Fprintf(&mid, "2026-W05,Province %d,line,1,0\n", i)
	}
	if status, res, body := cmpImport(t, env, tok, "true", mid.Bytes()); status != http.StatusOK || len(res.Errors) != 0 || res.Rows < 60000 {
		t.Errorf("2 MB file: %d %s", status, excerpt(body))
	}
	if rows, imports := cmpStored(t, env, "TH"); rows != 0 || imports != 0 {
		t.Errorf("stored %d rows, %d imports", rows, imports)
	}
}

// TestComplaintsRefused: roles without the reports section get 404 on every route, pages and API.
func TestComplaintsRefused(t *testing.T) {
	env := apptest.New(t)
	for _, email := range []string{thWorker, thEmbassy, ngoWorker, thAuditor, thPolice} {
		t.Run(email, func(t *testing.T) {
			tok := env.Token(t, email)
			if status, _, body := cmpImport(t, env, tok, "false", []byte(cmpFixture)); status != http.StatusNotFound ||
				decodeError(t, body).Error.Code != "not_found" {
				t.Errorf("import API: %d %s", status, body)
			}
			if code, body := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/reports/complaints", tok, ""); code != http.StatusNotFound {
				t.Errorf("trends API: %d %s", code, body)
			}
			c := env.Login(t, email)
			for _, p := range []string{"/reports/complaints", "/reports/complaints/import"} {
				if code, _ := apptest.Get(t, c, env.URL()+p); code != http.StatusNotFound {
					t.Errorf("%s: %d", p, code)
				}
			}
		})
	}
	if rows, imports := cmpStored(t, env, "TH"); rows != 0 || imports != 0 {
		t.Errorf("refused imports stored %d rows, %d imports", rows, imports)
	}
}

// TestComplaintsImportPage: a dry run lists the errors by row and column; an import redirects and the
// history shows it.
func TestComplaintsImportPage(t *testing.T) {
	env := apptest.New(t)
	c := env.Login(t, thSupervisor)
	page := env.URL() + "/reports/complaints/import"
	post := func(dry string, file []byte) (int, http.Header, string) {
		fields := map[string]string{"_csrf": apptest.CSRF(t, c, page), "dry_run": dry}
		ct, body := impMultipart(t, fields, "weekly.csv", file)
		req, _ := http.NewRequest(http.MethodPost, page, bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, string(b)
	}
	status, _, body := post("true", []byte(cmpHeader+"2026-W54,Bangkok,line,-1,0\n"))
	if status != http.StatusOK || !strings.Contains(body, `data-testid="complaints-import-errors"`) ||
		!strings.Contains(body, `">week</td>`) || !strings.Contains(body, `">complaints</td>`) {
		t.Fatalf("dry run with errors: %d %s", status, excerpt(body))
	}
	status, _, body = post("true", []byte(cmpFixture))
	if status != http.StatusOK || !strings.Contains(body, `data-testid="complaints-import-ready"`) {
		t.Fatalf("clean dry run: %d %s", status, excerpt(body))
	}
	status, hdr, _ := post("false", []byte(cmpFixture))
	if status != http.StatusSeeOther || hdr.Get("Location") != "/reports/complaints/import?done=5" {
		t.Fatalf("import: %d %q", status, hdr.Get("Location"))
	}
	code, body := apptest.Get(t, c, env.URL()+hdr.Get("Location"))
	if code != http.StatusOK || !strings.Contains(body, `data-testid="complaints-import-history"`) || !strings.Contains(body, "weekly.csv") {
		t.Errorf("after the import: %d %s", code, excerpt(body))
	}
	if rows, imports := cmpStored(t, env, "TH"); rows != 5 || imports != 1 {
		t.Errorf("stored %d rows, %d imports, want 5, 1", rows, imports)
	}
}
