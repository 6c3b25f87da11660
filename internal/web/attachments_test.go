package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/vault"
)

// testPNG is a small valid PNG.
func testPNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// multipartBody builds an upload: the fields, then the file (omitted when filename is "").
func multipartBody(t *testing.T, fields map[string]string, filename string, content []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if filename != "" {
		fw, err := w.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(content)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), buf.Bytes()
}

// uploadAPI posts a file to a case through the API and returns status and body.
func uploadAPI(t *testing.T, env *apptest.Env, token, caseID, kind, filename string, content []byte) (int, string) {
	t.Helper()
	ct, body := multipartBody(t, map[string]string{"kind": kind}, filename, content)
	req := apiRequest(t, http.MethodPost, env.URL()+"/api/v1/cases/"+caseID+"/attachments", token, bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	res := send(t, nil, req)
	return res.Status, res.Body
}

// attachmentJSON is an attachment of the API.
type attachmentJSON struct {
	ID          string `json:"id"`
	CaseID      string `json:"case_id"`
	Kind        string `json:"kind"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// seedAttachment uploads a PNG to a case as the TH caseworker and returns its id (also for the route walk).
func seedAttachment(t *testing.T, env *apptest.Env, caseID string) string {
	t.Helper()
	status, body := uploadAPI(t, env, env.Token(t, thWorker), caseID, "photo", "photo.png", testPNG(t))
	var a attachmentJSON
	if err := json.Unmarshal([]byte(body), &a); status != http.StatusCreated || err != nil || a.ID == "" {
		t.Fatalf("upload: %d %s", status, body)
	}
	return a.ID
}

// attachmentsEnv is a test environment whose attachments go to a directory of the test.
func attachmentsEnv(t *testing.T) (*apptest.Env, string) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("HOMEWARD_ATTACHMENTS_DIR", dir)
	return apptest.New(t), dir
}

func TestAttachmentUploadAndDownload(t *testing.T) {
	env, dir := attachmentsEnv(t)
	base := env.URL()
	id := sharedCaseID(t, env)
	tok := env.Token(t, thWorker)
	content := testPNG(t)

	// A PNG named .pdf is accepted as a PNG; a text file named .jpg is refused.
	status, body := uploadAPI(t, env, tok, id, "scanned_document", "passport.pdf", content)
	var a attachmentJSON
	if err := json.Unmarshal([]byte(body), &a); status != http.StatusCreated || err != nil {
		t.Fatalf("upload: %d %s", status, body)
	}
	if a.ContentType != "image/png" || a.Filename != "passport.pdf" || a.Size != int64(len(content)) || a.CaseID != id || len(a.SHA256) != 64 {
		t.Errorf("attachment = %+v", a)
	}
	status, body = uploadAPI(t, env, tok, id, "photo", "photo.jpg", []byte("this is only text, not a photo at all"))
	if status != http.StatusUnprocessableEntity || decodeError(t, body).Error.Fields["file"] != "attachment.error.type" {
		t.Errorf("text named .jpg: %d %s, want 422 on file", status, body)
	}

	// At rest: the file differs from the upload, and the KH store's keys cannot open it.
	onDisk, err := os.ReadFile(filepath.Join(dir, "TH", a.ID))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(onDisk, content) || bytes.Contains(onDisk, content[8:24]) {
		t.Error("the stored file holds the plain content")
	}
	kh, _ := env.App.Stores.For("KH")
	if _, err := kh.Keys.Open("attachments.content", a.ID, onDisk); !errors.Is(err, vault.ErrDecrypt) {
		t.Errorf("KH keys: %v, want a decrypt error", err)
	}

	// Downloads, through the API and the page, are the bytes uploaded, as an attachment, audited.
	c := env.Login(t, thWorker)
	for _, get := range []func() response{
		func() response {
			return send(t, nil, apiRequest(t, http.MethodGet, base+"/api/v1/attachments/"+a.ID+"/content", tok, nil))
		},
		func() response {
			req, _ := http.NewRequest(http.MethodGet, base+"/cases/"+id+"/attachments/"+a.ID+"/download", nil)
			return send(t, c, req)
		},
	} {
		res := get()
		if res.Status != http.StatusOK || res.Body != string(content) {
			t.Fatalf("download: %d, %d bytes", res.Status, len(res.Body))
		}
		for h, want := range map[string]string{"Content-Type": "image/png", "X-Content-Type-Options": "nosniff",
			"Content-Disposition": `attachment; filename=passport.pdf`, "Cache-Control": "no-store"} {
			if got := res.Header.Get(h); got != want {
				t.Errorf("%s = %q, want %q", h, got, want)
			}
		}
	}
	st, _ := env.App.Stores.For("TH")
	var downloads int
	st.DB.Raw(`SELECT count(*) FROM audit_log WHERE action = 'attachment.download' AND detail::jsonb->>'attachment_id' = ? AND actor_user_id = ?`,
		a.ID, env.Actor(t, thWorker).UserID).Scan(&downloads)
	if downloads != 2 {
		t.Errorf("%d audited downloads, want 2", downloads)
	}

	// Through another case's URL it is not found.
	other := intakeAPI(t, env, tok, intakeJSON(t, "Rotha", "Othercase", "KH")).Case.ID
	req, _ := http.NewRequest(http.MethodGet, base+"/cases/"+other+"/attachments/"+a.ID+"/download", nil)
	if res := send(t, c, req); res.Status != http.StatusNotFound {
		t.Errorf("download through another case: %d", res.Status)
	}

	// The page lists it with its download link; the upload form works with the CSRF token.
	status, page := apptest.Get(t, c, base+"/cases/"+id+"/attachments")
	if status != http.StatusOK || !strings.Contains(page, `/attachments/`+a.ID+`/download`) || !strings.Contains(page, `enctype="multipart/form-data"`) {
		t.Fatalf("attachments page: %d %s", status, excerpt(page))
	}
	token := apptest.CSRF(t, c, base+"/cases/"+id+"/attachments")
	for _, tt := range []struct {
		name, kind, filename string
		content              []byte
		status               int
		want                 string
	}{
		{"pdf", "signed_form", "consent <signed>.pdf", []byte("%PDF-1.7\n%%EOF\n"), http.StatusSeeOther, ""},
		{"html named .png", "photo", "a.png", []byte("<!DOCTYPE html><script>alert(1)</script>"), http.StatusUnprocessableEntity, "attachment.error.type"},
		{"no kind", "", "b.png", content, http.StatusUnprocessableEntity, "form.error.choose"},
		{"no file", "photo", "", nil, http.StatusUnprocessableEntity, "form.error.required"},
	} {
		t.Run("form "+tt.name, func(t *testing.T) {
			ct, body := multipartBody(t, map[string]string{"_csrf": token, "kind": tt.kind}, tt.filename, tt.content)
			req, _ := http.NewRequest(http.MethodPost, base+"/cases/"+id+"/attachments", bytes.NewReader(body))
			req.Header.Set("Content-Type", ct)
			res := send(t, c, req)
			if res.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.Status, tt.status, excerpt(res.Body))
			}
			if tt.want != "" && !strings.Contains(res.Body, message(t, res.Body, tt.want)) {
				t.Errorf("page lacks the message %s", tt.want)
			}
		})
	}
	_, page = apptest.Get(t, c, base+"/cases/"+id+"/attachments")
	if !strings.Contains(page, "consent &lt;signed&gt;.pdf") {
		t.Errorf("uploaded name not shown escaped: %s", excerpt(page))
	}
}

// endlessBody is an upload body that never ends and fails the test once more than limit bytes are read.
// It starts with prefix (a multipart part header), then endless file content.
type endlessBody struct {
	t      *testing.T
	read   int
	limit  int
	prefix string
}

func (b *endlessBody) Read(p []byte) (int, error) {
	if b.read > b.limit {
		b.t.Errorf("the server read %d bytes of an over-limit body", b.read)
		return 0, io.ErrUnexpectedEOF
	}
	for i := range p {
		if b.read+i < len(b.prefix) {
			p[i] = b.prefix[b.read+i]
		} else {
			p[i] = 'x'
		}
	}
	b.read += len(p)
	return len(p), nil
}

func (b *endlessBody) Close() error { return nil }

// TestUploadTooLargeBeforeReading: a body declared larger than the limit is refused with 413 before
// a byte of it is read, on the API and the page; a body that does not declare its length is cut at
// the limit.
func TestUploadTooLargeBeforeReading(t *testing.T) {
	env, _ := attachmentsEnv(t)
	id := sharedCaseID(t, env)
	tok := env.Token(t, thWorker)
	session := env.Login(t, thWorker)
	u, _ := url.Parse(env.URL())
	const declared = 11 << 20
	const fewKB = 4 << 10

	for _, tt := range []struct {
		name, path string
		api        bool
	}{
		{"API", "/api/v1/cases/" + id + "/attachments", true},
		{"page", "/cases/" + id + "/attachments", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := &endlessBody{t: t, limit: fewKB}
			req := httptest.NewRequest(http.MethodPost, tt.path, body)
			req.ContentLength = declared
			req.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
			if tt.api {
				req.Header.Set("Authorization", "Bearer "+tok)
			} else {
				for _, ck := range session.Jar.Cookies(u) {
					req.AddCookie(ck)
				}
			}
			rec := httptest.NewRecorder()
			env.App.Server.Handler().ServeHTTP(rec, req)
			if rec.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413: %s", rec.Code, excerpt(rec.Body.String()))
			}
			if body.read != 0 {
				t.Errorf("read %d bytes before refusing", body.read)
			}
			if tt.api && decodeError(t, rec.Body.String()).Error.Code != "too_large" {
				t.Errorf("body %s, want too_large", rec.Body.String())
			}
		})
	}

	// Over the network with Expect: 100-continue, the client never sends the body.
	t.Run("network", func(t *testing.T) {
		body := &endlessBody{t: t, limit: 0}
		req, _ := http.NewRequest(http.MethodPost, env.URL()+"/api/v1/cases/"+id+"/attachments", body)
		req.ContentLength = declared
		req.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Expect", "100-continue")
		tr := &http.Transport{ExpectContinueTimeout: 30e9}
		defer tr.CloseIdleConnections()
		res, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge || body.read != 0 {
			t.Errorf("status %d after %d bytes sent, want 413 before any", res.StatusCode, body.read)
		}
	})

	// No declared length: read up to the limit, not beyond, then 413.
	t.Run("chunked", func(t *testing.T) {
		limit := 10<<20 + 64<<10
		body := &endlessBody{t: t, limit: limit + 64<<10, prefix: "--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\n"}
		req := httptest.NewRequest(http.MethodPost, "/api/v1/cases/"+id+"/attachments", body)
		req.ContentLength = -1
		req.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		env.App.Server.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge || body.read < limit {
			t.Errorf("status %d after %d bytes, want 413 at the limit: %s", rec.Code, body.read, rec.Body.String())
		}
	})

	// A file over 10 MB inside a body under the request limit is refused too.
	t.Run("file over the limit", func(t *testing.T) {
		big := append([]byte("%PDF-1.4\n"), make([]byte, 10<<20)...)
		status, body := uploadAPI(t, env, tok, id, "scanned_document", "big.pdf", big)
		if status != http.StatusRequestEntityTooLarge || decodeError(t, body).Error.Code != "too_large" {
			t.Errorf("status %d %s, want 413", status, body)
		}
	})
}

func TestAttachmentBadInputAndRefusals(t *testing.T) {
	env, _ := attachmentsEnv(t)
	base := env.URL()
	id := sharedCaseID(t, env)
	tok := env.Token(t, thWorker)
	aid := seedAttachment(t, env, id)

	// Bad input on the API.
	if status, body := uploadAPI(t, env, tok, id, "selfie", "a.png", testPNG(t)); status != 422 || decodeError(t, body).Error.Fields["kind"] == "" {
		t.Errorf("unknown kind: %d %s", status, body)
	}
	if status, body := uploadAPI(t, env, tok, id, "photo", "", nil); status != 422 || decodeError(t, body).Error.Fields["file"] != "form.error.required" {
		t.Errorf("no file: %d %s", status, body)
	}
	if status, body := uploadAPI(t, env, tok, id, "photo", "empty.png", []byte{}); status != 422 || decodeError(t, body).Error.Fields["file"] != "form.error.required" {
		t.Errorf("empty file: %d %s", status, body)
	}
	if status, body := apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+id+"/attachments", tok, `{"kind":"photo"}`); status != 400 {
		t.Errorf("JSON instead of multipart: %d %s", status, body)
	}
	for _, bad := range []string{noSuchCaseID, "x", id} {
		if status, _ := apptest.API(t, http.MethodGet, base+"/api/v1/attachments/"+bad+"/content", tok, ""); status != 404 {
			t.Errorf("content of %q: %d, want 404", bad, status)
		}
	}

	// Another store, another agency, roles without the section: not found on every route.
	welfareOnly := intakeAPI(t, env, tok, intakeJSON(t, "Pisey", "Attachtest", "KH")).Case.ID
	ownAid := seedAttachment(t, env, welfareOnly)
	for _, who := range []struct{ name, email, caseID, aid string }{
		{"KH caseworker", khWorker, id, aid},
		{"TH investigator, case of another agency", thPolice, welfareOnly, ownAid},
		{"TH auditor", thAuditor, id, aid},
		{"TH analyst", thAnalyst, id, aid},
		{"embassy", thEmbassy, id, aid},
	} {
		t.Run(who.name, func(t *testing.T) {
			tok := env.Token(t, who.email)
			for _, r := range []struct{ method, url string }{
				{http.MethodGet, base + "/api/v1/cases/" + who.caseID + "/attachments"},
				{http.MethodGet, base + "/api/v1/attachments/" + who.aid + "/content"},
			} {
				if status, body := apptest.API(t, r.method, r.url, tok, ""); status != http.StatusNotFound || decodeError(t, body).Error.Code != "not_found" {
					t.Errorf("%s %s: %d %s", r.method, r.url, status, body)
				}
			}
			if status, body := uploadAPI(t, env, tok, who.caseID, "photo", "a.png", testPNG(t)); status != http.StatusNotFound {
				t.Errorf("upload: %d %s", status, body)
			}
			c := env.Login(t, who.email)
			for _, p := range []string{"/cases/" + who.caseID + "/attachments", "/cases/" + who.caseID + "/attachments/" + who.aid + "/download"} {
				if status, _ := apptest.Get(t, c, base+p); status != http.StatusNotFound {
					t.Errorf("GET %s: %d, want 404", p, status)
				}
			}
		})
	}
	// The investigator of the team sees the shared case's attachments (police hold the section).
	if status, _ := apptest.API(t, http.MethodGet, base+"/api/v1/attachments/"+aid+"/content", env.Token(t, thPolice), ""); status != http.StatusOK {
		t.Errorf("team investigator download: %d", status)
	}
	// Nothing was downloaded by those refused.
	st, _ := env.App.Stores.For("TH")
	var n int
	st.DB.WithContext(context.Background()).Raw(`SELECT count(*) FROM audit_log WHERE action = 'attachment.download'`).Scan(&n)
	if n != 1 {
		t.Errorf("%d audited downloads, want 1", n)
	}
}
