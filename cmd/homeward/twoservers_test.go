package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/s3test"
	"homeward/internal/testdb"
)

// TestTwoServers runs one deployment as two `homeward serve` processes, built from this source,
// on two ports against the same databases and the same S3 object store (a real SeaweedFS server):
// a session made on one works on the other, an attachment uploaded on one downloads on the other,
// the API rate limit of a token is shared, and the background work runs once — every audit row
// is sealed once into intact chains, and each outbox row is delivered once. With the object
// store killed, a download is 503 storage_unavailable with Retry-After and /readyz is 503 naming it. The import slots are the
// store's, and a server killed while it holds one frees it.
func TestTwoServers(t *testing.T) {
	env := apptest.New(t)
	s3 := s3test.Start(t) // its own: the test kills it at the end
	bucket := s3.NewBucket(t)
	// serve refuses the demo users: the same directory under other addresses is an ordinary one.
	testdb.Exec(t, env.Databases["hub"], `UPDATE users SET email = replace(email, '.demo', '.test')`)
	bin := buildBinary(t)
	vars := map[string]string{
		"HOMEWARD_HUB_DSN": env.Cfg.HubDSN, "HOMEWARD_MASTER_KEY_FILE": env.Cfg.MasterKeyFile,
		"HOMEWARD_S3_ENDPOINT": s3.Endpoint, "HOMEWARD_S3_BUCKET": bucket,
		"HOMEWARD_S3_ACCESS_KEY": s3.AccessKey, "HOMEWARD_S3_SECRET_KEY": s3.SecretKey,
		"HOMEWARD_COOKIE_INSECURE": "1", "HOMEWARD_LOG_FORMAT": "text",
		"HOMEWARD_API_RATE": "0.1", "HOMEWARD_API_BURST": "6", "HOMEWARD_IMPORTS_PER_STORE": "1",
	}
	for cc, dsn := range env.Cfg.StoreDSNs {
		vars["HOMEWARD_STORE_"+cc+"_DSN"] = dsn
	}
	a := startServe(t, bin, envList(vars))
	b := startServe(t, bin, envList(vars))

	t.Run("session", func(t *testing.T) {
		c := apptest.Client()
		res := apptest.PostForm(t, c, a.URL+"/login", a.URL+"/login",
			url.Values{"email": {"caseworker@th-msdhs-sakaeo.test"}, "password": {"homeward-demo"}})
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in on A: status %d\n%s", res.StatusCode, a.Logs())
		}
		// The jar sends the session cookie (host localhost) to B as well.
		if status, body := apptest.Get(t, c, b.URL+"/"); status != http.StatusOK || !strings.Contains(body, "/logout") {
			t.Errorf("home on B with A's session: status %d", status)
		}
		if status, _ := apptest.Get(t, apptest.Client(), b.URL+"/"); status == http.StatusOK {
			t.Error("home on B without a session: 200")
		}
	})

	t.Run("attachment", func(t *testing.T) {
		token := env.Token(t, "caseworker@th-msdhs-sakaeo.test")
		status, body, _ := apiCall(t, http.MethodGet, a.URL+"/api/v1/cases?limit=1", token, "", nil)
		var list struct {
			Items []struct{ ID string } `json:"items"`
		}
		if err := json.Unmarshal(body, &list); status != http.StatusOK || err != nil || len(list.Items) == 0 {
			t.Fatalf("cases on A: %d %s", status, body)
		}
		content := onePNG(t)
		ct, form := uploadForm(t, content)
		status, body, _ = apiCall(t, http.MethodPost, a.URL+"/api/v1/cases/"+list.Items[0].ID+"/attachments", token, ct, form)
		var att struct{ ID string }
		if err := json.Unmarshal(body, &att); status != http.StatusCreated || err != nil {
			t.Fatalf("upload on A: %d %s", status, body)
		}
		status, got, _ := apiCall(t, http.MethodGet, b.URL+"/api/v1/attachments/"+att.ID+"/content", token, "", nil)
		if status != http.StatusOK || !bytes.Equal(got, content) {
			t.Fatalf("download on B: %d, %d bytes", status, len(got))
		}
		if raw := s3.Object(t, bucket, "TH/"+att.ID); len(raw) == 0 || bytes.Contains(raw, content[8:]) {
			t.Errorf("object in the bucket: %d bytes, want the sealed content", len(raw))
		}
	})

	t.Run("rate limit shared", func(t *testing.T) {
		token := env.Token(t, "caseworker@kh-mosvy-poipet.test")
		for i := range 6 { // the burst, taken on A and B in turn
			srv := []*serveProcess{a, b}[i%2]
			if status, body, _ := apiCall(t, http.MethodGet, srv.URL+"/api/v1/me", token, "", nil); status != http.StatusOK {
				t.Fatalf("request %d on %s: %d %s", i, srv.URL, status, body)
			}
		}
		for _, srv := range []*serveProcess{a, b} {
			status, _, retry := apiCall(t, http.MethodGet, srv.URL+"/api/v1/me", token, "", nil)
			if status != http.StatusTooManyRequests || retry == "" {
				t.Errorf("over the shared burst on %s: %d, Retry-After %q; want 429", srv.URL, status, retry)
			}
		}
	})

	t.Run("jobs run once", func(t *testing.T) {
		openPackets(t, env, a, b) // reads on both servers
		hub := env.App.Hub
		// The demo's packet waiting for approval: its sender's supervisor approves it on B; the hub
		// commits with an outbox row for the sending store, which either server's relay delivers.
		var pending struct{ ID, Email, Country string }
		if err := hub.Raw(`SELECT p.id, u.email, ag.country FROM packets p
			JOIN agencies ag ON ag.id = p.sender_agency_id
			JOIN memberships m ON m.agency_id = p.sender_agency_id AND m.role = 'supervisor'
			JOIN users u ON u.id = m.user_id
			WHERE p.status = 'pending_approval' AND p.kind <> 'reply' ORDER BY p.created_at LIMIT 1`).Scan(&pending).Error; err != nil || pending.ID == "" {
			t.Fatalf("a packet waiting for approval: %v", err)
		}
		if status, body, _ := apiCall(t, http.MethodPost, b.URL+"/api/v1/packets/"+pending.ID+"/approve", env.Token(t, pending.Email),
			"application/json", []byte(`{"version":1}`)); status != http.StatusOK {
			t.Fatalf("approve on B: %d %s", status, body)
		}
		waitFor(t, 30*time.Second, "the approval's outbox row delivered", func() (bool, error) {
			var waiting int64
			err := hub.Raw(`SELECT count(*) FROM outbox WHERE step = 'approve' AND ? = ANY(packet_ids) AND done_at IS NULL`, pending.ID).Scan(&waiting).Error
			return waiting == 0, err
		})
		var rows int64
		if err := hub.Raw(`SELECT count(*) FROM outbox WHERE step = 'approve' AND ? = ANY(packet_ids)`, pending.ID).Scan(&rows).Error; err != nil || rows != 1 {
			t.Fatalf("outbox rows of the approval: %v, %d; want 1", err, rows)
		}
		st, err := env.App.Stores.For(pending.Country)
		if err != nil {
			t.Fatal(err)
		}
		var applied int64
		// The sending store's row is on the case and names the packet in its detail.
		st.DB.Raw(`SELECT count(*) FROM audit_log WHERE action = 'packet.approve' AND entity = 'case' AND detail LIKE ?`,
			"%"+pending.ID+"%").Scan(&applied)
		if applied != 1 {
			t.Errorf("packet %s: %d packet.approve audit rows in %s; want the approval applied once", pending.ID, applied, pending.Country)
		}
		// Both sealers run every second; each row gets one place in its chain.
		waitFor(t, 30*time.Second, "every audit row sealed", func() (bool, error) {
			for _, db := range allDBs(t, env) {
				var unsealed int64
				if err := db.Raw(`SELECT count(*) FROM audit_log WHERE seq IS NULL`).Scan(&unsealed).Error; err != nil || unsealed > 0 {
					return false, err
				}
			}
			return true, nil
		})
		useEnv(t, env)
		if code, err, out := capture(t, "audit", "verify"); code != 0 || err != nil || strings.Count(out, "intact") != 3 {
			t.Errorf("audit verify after two sealers: code %d, %v\n%s", code, err, out)
		}
	})
	t.Run("object store down", func(t *testing.T) {
		if status, body := apptest.Get(t, http.DefaultClient, b.URL+"/readyz"); status != http.StatusOK {
			t.Fatalf("readyz on B with the object store up: %d %s", status, body)
		}
		s3.Kill()
		// readyz checks the object store too, within its small timeout, and names it.
		asked := time.Now()
		if status, body := apptest.Get(t, http.DefaultClient, b.URL+"/readyz"); status != http.StatusServiceUnavailable ||
			!strings.Contains(body, "object store") || strings.Contains(body, s3.Endpoint) {
			t.Errorf("readyz with the object store down: %d %q; want 503 naming the object store (not its address)", status, body)
		}
		if took := time.Since(asked); took > 10*time.Second {
			t.Errorf("readyz took %v with the object store down", took)
		}
		token := env.Token(t, "caseworker@th-msdhs-sakaeo.test")
		var id string
		st, _ := env.App.Stores.For("TH")
		if err := st.DB.Raw(`SELECT id FROM attachments ORDER BY created_at DESC LIMIT 1`).Scan(&id).Error; err != nil || id == "" {
			t.Fatalf("an attachment of TH: %v", err)
		}
		status, body, retry := apiCall(t, http.MethodGet, b.URL+"/api/v1/attachments/"+id+"/content", token, "", nil)
		if status != http.StatusServiceUnavailable || retry == "" || !strings.Contains(string(body), `"storage_unavailable"`) {
			t.Errorf("download with the object store down: %d, Retry-After %q, %s; want 503 storage_unavailable", status, retry, body)
		}
	})
	// Last: it kills B (importslots_test.go).
	t.Run("import slot freed by a killed server", func(t *testing.T) { importSlotFreedByKill(t, env, a, b) })
	for _, p := range []*serveProcess{a, b} {
		p.stop(t)
		if strings.Contains(p.Logs(), "panic") {
			t.Errorf("serve %s logged a panic:\n%s", p.URL, p.Logs())
		}
	}
}

// openPackets opens two packets sent to the Thai embassy through the API, the first on a, the
// second on b, and returns their ids.
func openPackets(t *testing.T, env *apptest.Env, a, b *serveProcess) []string {
	t.Helper()
	token := env.Token(t, "embassy_officer@th-embassy-pnh.test")
	status, body, _ := apiCall(t, http.MethodGet, a.URL+"/api/v1/inbox", token, "", nil)
	var inbox struct {
		Items []struct{ ID, Status string } `json:"items"`
	}
	if err := json.Unmarshal(body, &inbox); status != http.StatusOK || err != nil {
		t.Fatalf("inbox: %d %s", status, body)
	}
	var opened []string
	for _, it := range inbox.Items {
		if it.Status != "sent" || len(opened) == 2 {
			continue
		}
		srv := []*serveProcess{a, b}[len(opened)]
		if status, body, _ := apiCall(t, http.MethodGet, srv.URL+"/api/v1/inbox/"+it.ID, token, "", nil); status != http.StatusOK {
			t.Fatalf("open %s on %s: %d %s", it.ID, srv.URL, status, body)
		}
		opened = append(opened, it.ID)
	}
	if len(opened) == 0 {
		t.Fatalf("no sent packet in the embassy's inbox: %s", body)
	}
	return opened
}

// onePNG is a small valid PNG.
func onePNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 16, 16))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uploadForm is the multipart body of an attachment upload of a photo.
func uploadForm(t *testing.T, content []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.WriteField("kind", "photo"); err != nil {
		t.Fatal(err)
	}
	fw, err := w.CreateFormFile("file", "photo.png")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), buf.Bytes()
}

// allDBs is the hub and every store of env, through the test process's own pools.
func allDBs(t *testing.T, env *apptest.Env) []*gorm.DB {
	t.Helper()
	dbs := []*gorm.DB{env.App.Hub}
	for _, cc := range env.App.Stores.Countries() {
		st, err := env.App.Stores.For(cc)
		if err != nil {
			t.Fatal(err)
		}
		dbs = append(dbs, st.DB)
	}
	return dbs
}
