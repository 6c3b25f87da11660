package attachments_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"homeward/internal/attachments"
	"homeward/internal/vault"
)

// TestFileNameSealedAtRest: the original file name (which often names the person) is sealed in
// the row; List and Open give it back.
func TestFileNameSealedAtRest(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	worker := f.env.Actor(t, thWorker)
	att, err := f.svc.Add(ctx, worker, f.c.ID, attachments.Upload{Kind: "scanned_document", Filename: "passport_Somchai.jpg", Content: pngBytes(t)})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.env.App.Stores.For("TH")
	var raw struct {
		Filename    string
		FilenameEnc []byte
	}
	st.DB.Raw(`SELECT filename, filename_enc FROM attachments WHERE id = ?`, att.ID).Scan(&raw)
	if raw.Filename != "" || len(raw.FilenameEnc) == 0 || strings.Contains(string(raw.FilenameEnc), "Somchai") {
		t.Errorf("stored name %q, %q: want it sealed", raw.Filename, raw.FilenameEnc)
	}
	kh, _ := f.env.App.Stores.For("KH")
	if _, err := kh.Keys.OpenString(attachments.FieldFilename, att.ID, raw.FilenameEnc); !errors.Is(err, vault.ErrDecrypt) {
		t.Errorf("KH keys open the TH name: %v", err)
	}
	list, err := f.svc.List(ctx, worker, f.c.ID)
	if err != nil || len(list.Items) != 1 || list.Items[0].Filename != "passport_Somchai.jpg" {
		t.Fatalf("List = %+v, %v", list, err)
	}
	got, _, err := f.svc.Open(ctx, worker, f.c.ID, att.ID)
	if err != nil || got.Filename != "passport_Somchai.jpg" {
		t.Fatalf("Open = %+v, %v", got, err)
	}
}
