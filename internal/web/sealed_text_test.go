package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

// TestAttachmentNameSealedAtRest: the file name (which names the person) is sealed in the store;
// the listing, the page and the download's Content-Disposition still show it.
func TestAttachmentNameSealedAtRest(t *testing.T) {
	env, _ := attachmentsEnv(t)
	base := env.URL()
	id := sharedCaseID(t, env)
	tok := env.Token(t, thWorker)
	status, body := uploadAPI(t, env, tok, id, "scanned_document", "passport_Somchai.jpg", testPNG(t))
	var a attachmentJSON
	if err := json.Unmarshal([]byte(body), &a); status != http.StatusCreated || err != nil || a.Filename != "passport_Somchai.jpg" {
		t.Fatalf("upload: %d %s", status, body)
	}

	st, _ := env.App.Stores.For("TH")
	var raw struct {
		Filename    string
		FilenameEnc []byte
	}
	if err := st.DB.Raw(`SELECT filename, filename_enc FROM attachments WHERE id = ?`, a.ID).Scan(&raw).Error; err != nil {
		t.Fatal(err)
	}
	if raw.Filename != "" || len(raw.FilenameEnc) == 0 || strings.Contains(string(raw.FilenameEnc), "Somchai") {
		t.Errorf("stored name = %q, %q: want it sealed", raw.Filename, raw.FilenameEnc)
	}
	var clear int
	st.DB.Raw(`SELECT count(*) FROM attachments WHERE filename LIKE '%Somchai%' OR encode(filename_enc, 'escape') LIKE '%Somchai%'`).Scan(&clear)
	if clear != 0 {
		t.Errorf("%d rows hold the name in clear", clear)
	}

	_, body = apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+id+"/attachments", tok, "")
	if !strings.Contains(body, `"filename":"passport_Somchai.jpg"`) {
		t.Errorf("API listing lacks the name: %s", body)
	}
	c := env.Login(t, thWorker)
	if _, page := apptest.Get(t, c, base+"/cases/"+id+"/attachments"); !strings.Contains(page, "passport_Somchai.jpg") {
		t.Errorf("page lacks the name: %s", excerpt(page))
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/cases/"+id+"/attachments/"+a.ID+"/download", nil)
	res := send(t, c, req)
	if got := res.Header.Get("Content-Disposition"); res.Status != http.StatusOK || got != `attachment; filename=passport_Somchai.jpg` {
		t.Errorf("download: %d, Content-Disposition %q", res.Status, got)
	}
}

// TestScreeningTimelinePlaceAndDecisionTextSealed: the places of the timeline, the legal basis and
// the review comment are sealed in the store; the API and the page still show them.
func TestScreeningTimelinePlaceAndDecisionTextSealed(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	tok, supTok := env.Token(t, thWorker), env.Token(t, thSupervisor)
	id := scrCase(t, env, tok)
	if status, body := apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+id+"/screening", tok, scrBody(t, 0, "n")); status != http.StatusCreated {
		t.Fatalf("record: %d %s", status, body)
	}
	status, body := apptest.API(t, http.MethodPost, base+"/api/v1/cases/"+id+"/decisions", tok,
		`{"decision":"identified","legal_basis":"ATIP s. 6: Somchai held at Jade Garden"}`)
	var d struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal([]byte(body), &d); status != http.StatusCreated || err != nil {
		t.Fatalf("propose: %d %s", status, body)
	}
	status, body = apptest.API(t, http.MethodPost, base+"/api/v1/decisions/"+d.ID+"/return", supTok,
		mustJSON(t, map[string]any{"version": d.Version, "comment": "Ask Somchai about the Kanchanaburi broker"}))
	if status != http.StatusOK {
		t.Fatalf("return: %d %s", status, body)
	}

	st, _ := env.App.Stores.For("TH")
	var rows []struct {
		Place    string
		PlaceEnc []byte
	}
	st.DB.Raw(`SELECT e.place, e.place_enc FROM screening_events e JOIN screenings s ON s.id = e.screening_id WHERE s.case_id = ?`, id).Scan(&rows)
	if len(rows) != 1 || rows[0].Place != "" || len(rows[0].PlaceEnc) == 0 || strings.Contains(string(rows[0].PlaceEnc), "Jade") {
		t.Errorf("stored places = %+v: want them sealed", rows)
	}
	var dec struct {
		LegalBasis, Comment       string
		LegalBasisEnc, CommentEnc []byte
	}
	st.DB.Raw(`SELECT legal_basis, comment, legal_basis_enc, comment_enc FROM identification_decisions WHERE id = ?`, d.ID).Scan(&dec)
	if dec.LegalBasis != "" || dec.Comment != "" || len(dec.LegalBasisEnc) == 0 || len(dec.CommentEnc) == 0 ||
		strings.Contains(string(dec.LegalBasisEnc)+string(dec.CommentEnc), "Somchai") {
		t.Errorf("stored decision = %+v: want it sealed", dec)
	}

	_, body = apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+id+"/screening", tok, "")
	for _, want := range []string{`"place":"Jade Garden compound"`, `"legal_basis":"ATIP s. 6: Somchai held at Jade Garden"`,
		`"comment":"Ask Somchai about the Kanchanaburi broker"`} {
		if !strings.Contains(body, want) {
			t.Errorf("API lacks %s: %s", want, body)
		}
	}
	_, page := apptest.Get(t, env.Login(t, thWorker), base+"/cases/"+id+"/screening")
	for _, want := range []string{"Jade Garden compound", "ATIP s. 6: Somchai held at Jade Garden", "Ask Somchai about the Kanchanaburi broker"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
