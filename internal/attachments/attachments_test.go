package attachments_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"homeward/internal/apptest"
	"homeward/internal/attachments"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/problem"
	"homeward/internal/vault"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const (
	thWorker  = "caseworker@th-msdhs-sakaeo.demo"
	thPolice  = "investigator@th-pct.demo"
	thAuditor = "auditor@th-msdhs-sakaeo.demo"
	thAdmin   = "country_admin@th-msdhs-sakaeo.demo"
	khWorker  = "caseworker@kh-mosvy-poipet.demo"
	embassy   = "embassy_officer@th-embassy-pnh.demo"
)

// pngBytes is a small valid PNG.
func pngBytes(tb testing.TB) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{200, 30, 30, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

var pdfBytes = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

type fixture struct {
	env *apptest.Env
	svc *attachments.Service
	dir attachments.Dir
	c   *cases.Case
}

func setup(tb testing.TB) fixture {
	tb.Helper()
	env := apptest.New(tb)
	dir := attachments.Dir{Root: tb.TempDir()}
	age := 22
	_, c, err := env.App.Cases.Intake(context.Background(), env.Actor(tb, thWorker), cases.IntakeInput{
		GivenName: "Bopha", FamilyName: "Lim", Sex: "female", AgeEstimate: &age, Nationality: "KH"})
	if err != nil {
		tb.Fatal(err)
	}
	return fixture{env: env, svc: attachments.New(env.App.Stores, dir), dir: dir, c: c}
}

func TestUploadAndOpen(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	worker := f.env.Actor(t, thWorker)
	content := pngBytes(t)
	// A PNG named .pdf is a PNG: the type comes from the bytes.
	att, err := f.svc.Add(ctx, worker, f.c.ID, attachments.Upload{Kind: "photo", Filename: `C:\scans\..\passport "page".pdf`, Content: content})
	if err != nil {
		t.Fatal(err)
	}
	if att.ContentType != "image/png" || att.Size != int64(len(content)) || att.Filename != "passport page.pdf" || att.StorageKey != "TH/"+att.ID {
		t.Errorf("attachment = %+v", att)
	}
	// At rest the content is sealed: the file differs from the upload and holds none of it.
	onDisk, err := os.ReadFile(filepath.Join(f.dir.Root, "TH", att.ID))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(onDisk, content) || bytes.Contains(onDisk, content[:16]) {
		t.Error("the file on disk holds the plain content")
	}
	// Another store's keys cannot open it.
	kh, _ := f.env.App.Stores.For("KH")
	if _, err := kh.Keys.Open("attachments.content", att.ID, onDisk); !errors.Is(err, vault.ErrDecrypt) {
		t.Errorf("KH keys open the TH file: %v", err)
	}
	got, data, err := f.svc.Open(ctx, worker, "", att.ID)
	if err != nil || !bytes.Equal(data, content) || got.ID != att.ID {
		t.Fatalf("Open = %+v, %d bytes, %v", got, len(data), err)
	}
	list, err := f.svc.List(ctx, worker, f.c.ID)
	if err != nil || len(list.Items) != 1 || list.Items[0].ID != att.ID || list.Head.Reference == "" {
		t.Fatalf("List = %+v, %v", list, err)
	}
	// Through the wrong case it is not found.
	other := ownOther(t, f)
	if _, _, err := f.svc.Open(ctx, worker, other, att.ID); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("Open through another case = %v, want not found", err)
	}
	// Upload, download and list are audited.
	st, _ := f.env.App.Stores.For("TH")
	var actions []string
	st.DB.Raw(`SELECT action FROM audit_log WHERE action LIKE 'attachment.%' ORDER BY id`).Scan(&actions)
	if d := cmp.Diff([]string{"attachment.upload", "attachment.download", "attachment.list"}, actions); d != "" {
		t.Errorf("audit (-want +got):\n%s", d)
	}
	// A tampered file does not open.
	onDisk[len(onDisk)-1] ^= 1
	if err := os.WriteFile(filepath.Join(f.dir.Root, "TH", att.ID), onDisk, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Open(ctx, worker, "", att.ID); !errors.Is(err, vault.ErrDecrypt) {
		t.Errorf("tampered file: %v, want a decrypt error", err)
	}
}

// ownOther registers another case of the same agency.
func ownOther(tb testing.TB, f fixture) string {
	tb.Helper()
	age := 50
	_, c, err := f.env.App.Cases.Intake(context.Background(), f.env.Actor(tb, thWorker), cases.IntakeInput{
		GivenName: "Rith", Sex: "male", AgeEstimate: &age, Nationality: "KH"})
	if err != nil {
		tb.Fatal(err)
	}
	return c.ID
}

func TestTypeAndSize(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	worker := f.env.Actor(t, thWorker)
	jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, bytes.Repeat([]byte{1}, 100)...)
	tests := []struct {
		name     string
		in       attachments.Upload
		wantType string
		fields   map[string]string
	}{
		{"pdf", attachments.Upload{Kind: "signed_form", Filename: "consent.pdf", Content: pdfBytes}, "application/pdf", nil},
		{"jpeg named .png", attachments.Upload{Kind: "photo", Filename: "x.png", Content: jpeg}, "image/jpeg", nil},
		{"no name", attachments.Upload{Kind: "photo", Content: pngBytes(t)}, "image/png", nil},
		{"text named .jpg", attachments.Upload{Kind: "photo", Filename: "photo.jpg", Content: []byte("just some text, not a photo")}, "",
			map[string]string{"file": "attachment.error.type"}},
		{"html named .pdf", attachments.Upload{Kind: "scanned_document", Filename: "a.pdf", Content: []byte("<html><script>alert(1)</script>")}, "",
			map[string]string{"file": "attachment.error.type"}},
		{"gif", attachments.Upload{Kind: "photo", Filename: "a.gif", Content: []byte("GIF89a\x01\x00\x01\x00")}, "",
			map[string]string{"file": "attachment.error.type"}},
		{"empty", attachments.Upload{Kind: "photo", Filename: "a.png"}, "", map[string]string{"file": "form.error.required"}},
		{"unknown kind", attachments.Upload{Kind: "selfie", Filename: "a.png", Content: pngBytes(t)}, "",
			map[string]string{"kind": "form.error.choose"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			att, err := f.svc.Add(ctx, worker, f.c.ID, tt.in)
			if tt.fields == nil {
				if err != nil || att.ContentType != tt.wantType {
					t.Fatalf("Add = %+v, %v, want %s", att, err, tt.wantType)
				}
				return
			}
			inv, ok := problem.AsInvalid(err)
			if !ok {
				t.Fatalf("Add = %v, want invalid", err)
			}
			if d := cmp.Diff(tt.fields, inv.Fields); d != "" {
				t.Errorf("fields (-want +got):\n%s", d)
			}
		})
	}
	big := append(append([]byte{}, pdfBytes...), make([]byte, attachments.MaxSize)...)
	if _, err := f.svc.Add(ctx, worker, f.c.ID, attachments.Upload{Kind: "scanned_document", Content: big}); !errors.Is(err, attachments.ErrTooLarge) {
		t.Errorf("over the limit: %v, want too large", err)
	}
	// Nothing refused reached the disk.
	files, _ := filepath.Glob(filepath.Join(f.dir.Root, "TH", "*"))
	if len(files) != 3 {
		t.Errorf("%d files stored, want 3", len(files))
	}
}

func TestRefused(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	att, err := f.svc.Add(ctx, f.env.Actor(t, thWorker), f.c.ID, attachments.Upload{Kind: "photo", Content: pngBytes(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{khWorker, thPolice, thAuditor, thAdmin, embassy} {
		t.Run(email, func(t *testing.T) {
			a := f.env.Actor(t, email)
			if _, err := f.svc.List(ctx, a, f.c.ID); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("List = %v", err)
			}
			if _, _, err := f.svc.Open(ctx, a, "", att.ID); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Open = %v", err)
			}
			if _, err := f.svc.Add(ctx, a, f.c.ID, attachments.Upload{Kind: "photo", Content: pngBytes(t)}); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Add = %v", err)
			}
		})
	}
	worker := f.env.Actor(t, thWorker)
	for _, id := range []string{"00000000-0000-7000-8000-000000000000", "x", "urn:uuid:" + att.ID, f.c.ID} {
		if _, _, err := f.svc.Open(ctx, worker, "", id); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("Open %q = %v, want not found", id, err)
		}
	}
}

func TestCleanFilename(t *testing.T) {
	for in, want := range map[string]string{
		"a.png": "a.png", "../../etc/passwd": "passwd", `C:\x\y.pdf`: "y.pdf", "..": "", "/": "", "": "",
		"tab\there.jpg": "tabhere.jpg", "cafe\u0301.png": "caf\u00e9.png", `"quoted".pdf`: "quoted.pdf",
	} {
		if got := attachments.CleanFilename(in); got != want {
			t.Errorf("CleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDirKeys(t *testing.T) {
	d := attachments.Dir{Root: t.TempDir()}
	ctx := context.Background()
	for _, key := range []string{"../x", "TH/../../etc", "th/0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee", ""} {
		if err := d.Put(ctx, key, []byte("x")); err == nil {
			t.Errorf("Put(%q) accepted", key)
		}
	}
	key := "KH/0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee"
	if err := d.Put(ctx, key, []byte("sealed")); err != nil {
		t.Fatal(err)
	}
	if b, err := d.Get(ctx, key); err != nil || string(b) != "sealed" {
		t.Fatalf("Get = %q, %v", b, err)
	}
	if err := d.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Get(ctx, key); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Get after Delete = %v", err)
	}
	if err := d.Delete(ctx, key); err != nil {
		t.Errorf("Delete twice = %v", err)
	}
}

// BenchmarkUpload attaches a 1 MB scanned document: type check, digest, seal, write, insert, audit.
func BenchmarkUpload(b *testing.B) {
	f := setup(b)
	ctx := context.Background()
	worker := f.env.Actor(b, thWorker)
	content := append(append([]byte{}, pdfBytes...), bytes.Repeat([]byte("0123456789abcdef"), 1<<16)...)
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.Add(ctx, worker, f.c.ID, attachments.Upload{Kind: "scanned_document", Filename: "scan.pdf", Content: content}); err != nil {
			b.Fatal(err)
		}
	}
}
