package attachments_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/attachments"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/s3test"
	"homeward/internal/testdb"
	"homeward/internal/vault"
)

// s3Fixture is an environment whose attachments service keeps contents in a real S3 server.
type s3Fixture struct {
	fixture
	srv    *s3test.Server
	s3     *attachments.S3
	bucket string // the bucket setting: a name, or a "{country}" pattern
}

func setupS3(tb testing.TB, srv *s3test.Server, perCountry bool) s3Fixture {
	tb.Helper()
	env := apptest.New(tb)
	bucket := srv.NewBucket(tb)
	if perCountry {
		srv.MakeBucket(tb, bucket+"-th")
		srv.MakeBucket(tb, bucket+"-kh")
		bucket += "-{country}"
	}
	store, err := attachments.NewS3(srv.Config(bucket))
	if err != nil {
		tb.Fatal(err)
	}
	if err := store.Check(context.Background(), []string{"TH", "KH"}); err != nil {
		tb.Fatal(err)
	}
	age := 22
	_, c, err := env.App.Cases.Intake(context.Background(), env.Actor(tb, thWorker), cases.IntakeInput{
		GivenName: "Bopha", FamilyName: "Lim", Sex: "female", AgeEstimate: &age, Nationality: "KH"})
	if err != nil {
		tb.Fatal(err)
	}
	return s3Fixture{fixture: fixture{env: env, svc: attachments.New(env.App.Stores, store), c: c}, srv: srv, s3: store, bucket: bucket}
}

// TestS3RoundTripSealed: an upload goes to the bucket sealed with the store's keys (the bytes in
// the bucket are not the content, and the other country's keys do not open them); the download
// gives the content back. Both layouts: one bucket with a prefix per country, a bucket per country.
func TestS3RoundTripSealed(t *testing.T) {
	srv := s3test.Shared(t)
	for _, perCountry := range []bool{false, true} {
		t.Run(map[bool]string{false: "prefix per country", true: "bucket per country"}[perCountry], func(t *testing.T) {
			f := setupS3(t, srv, perCountry)
			ctx := context.Background()
			worker := f.env.Actor(t, thWorker)
			content := append([]byte("%PDF-1.4\nTestimony of Bopha Lim, passport N1234567\n"), pdfBytes...)
			att, err := f.svc.Add(ctx, worker, f.c.ID, attachments.Upload{Kind: "scanned_document", Filename: "statement.pdf", Content: content})
			if err != nil {
				t.Fatal(err)
			}
			bucket := attachments.BucketFor(f.bucket, "TH")
			raw := f.srv.Object(t, bucket, "TH/"+att.ID)
			if len(raw) == 0 || bytes.Contains(raw, []byte("Bopha")) || bytes.Contains(raw, []byte("N1234567")) || bytes.Contains(raw, []byte("%PDF")) {
				t.Fatalf("object in %s holds %q: want it sealed", bucket, raw)
			}
			kh, _ := f.env.App.Stores.For("KH")
			if _, err := kh.Keys.Open("attachments.content", att.ID, raw); !errors.Is(err, vault.ErrDecrypt) {
				t.Errorf("KH keys open the TH object: %v", err)
			}
			_, got, err := f.svc.Open(ctx, worker, f.c.ID, att.ID)
			if err != nil || !bytes.Equal(got, content) {
				t.Fatalf("Open = %q, %v", got, err)
			}
		})
	}
}

// TestS3CountryIsolation: each country's objects lie under its own prefix (or bucket); the TH
// application never reads a KH object — not by the KH attachment's id, and not through a TH row
// altered to name the KH object: both are not found (404).
func TestS3CountryIsolation(t *testing.T) {
	srv := s3test.Shared(t)
	for _, perCountry := range []bool{false, true} {
		t.Run(map[bool]string{false: "prefix per country", true: "bucket per country"}[perCountry], func(t *testing.T) {
			f := setupS3(t, srv, perCountry)
			ctx := context.Background()
			khWorkerActor := f.env.Actor(t, khWorker)
			age := 30
			_, khCase, err := f.env.App.Cases.Intake(ctx, khWorkerActor, cases.IntakeInput{
				GivenName: "Somchai", FamilyName: "Dee", Sex: "male", AgeEstimate: &age, Nationality: "TH"})
			if err != nil {
				t.Fatal(err)
			}
			khAtt, err := f.svc.Add(ctx, khWorkerActor, khCase.ID, attachments.Upload{Kind: "photo", Filename: "kh.png", Content: pngBytes(t)})
			if err != nil {
				t.Fatal(err)
			}
			if khAtt.StorageKey != "KH/"+khAtt.ID {
				t.Fatalf("KH storage key %q", khAtt.StorageKey)
			}
			khBucket := attachments.BucketFor(f.bucket, "KH")
			if raw := f.srv.Object(t, khBucket, "KH/"+khAtt.ID); len(raw) == 0 {
				t.Fatalf("no KH object in %s", khBucket)
			}
			if perCountry {
				// The TH bucket does not hold the KH object.
				if _, err := f.s3.Get(ctx, "TH/"+khAtt.ID); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("TH bucket holds the KH object: %v", err)
				}
			}
			thActor := f.env.Actor(t, thWorker)
			if _, _, err := f.svc.Open(ctx, thActor, "", khAtt.ID); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("TH worker opens the KH attachment by id: %v", err)
			}
			// A TH row altered to name the KH object.
			thAtt, err := f.svc.Add(ctx, thActor, f.c.ID, attachments.Upload{Kind: "photo", Filename: "th.png", Content: pngBytes(t)})
			if err != nil {
				t.Fatal(err)
			}
			testdb.Exec(t, f.env.Databases["TH"], `UPDATE attachments SET storage_key = $1 WHERE id = $2`, khAtt.StorageKey, thAtt.ID)
			if _, _, err := f.svc.Open(ctx, thActor, f.c.ID, thAtt.ID); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("TH row naming the KH object: %v, want not found", err)
			}
		})
	}
}

// TestS3ServerDown: with the object store killed, an upload and a download fail within seconds
// with ErrUnavailable (503 in the web layer) naming the endpoint, and the upload records no row.
func TestS3ServerDown(t *testing.T) {
	f := setupS3(t, s3test.Start(t), false)
	ctx := context.Background()
	worker := f.env.Actor(t, thWorker)
	att, err := f.svc.Add(ctx, worker, f.c.ID, attachments.Upload{Kind: "photo", Filename: "a.png", Content: pngBytes(t)})
	if err != nil {
		t.Fatal(err)
	}
	f.srv.Kill()
	began := time.Now()
	_, err = f.svc.Add(ctx, worker, f.c.ID, attachments.Upload{Kind: "photo", Filename: "b.png", Content: pngBytes(t)})
	if !errors.Is(err, attachments.ErrUnavailable) || !strings.Contains(err.Error(), f.srv.Endpoint) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("upload with the store down: %v; want an error naming %s", err, f.srv.Endpoint)
	}
	if _, _, err := f.svc.Open(ctx, worker, f.c.ID, att.ID); !errors.Is(err, attachments.ErrUnavailable) || !strings.Contains(err.Error(), f.srv.Endpoint) {
		t.Errorf("download with the store down: %v", err)
	}
	if d := time.Since(began); d > 15*time.Second {
		t.Errorf("failing took %s", d)
	}
	if err := f.s3.Check(ctx, []string{"TH"}); err == nil {
		t.Error("Check passes with the store down")
	}
	list, err := f.svc.List(ctx, worker, f.c.ID)
	if err != nil || len(list.Items) != 1 {
		t.Errorf("attachments after the failed upload = %+v, %v; want only the first", list, err)
	}
}

// TestS3MissingObject: an object gone from the bucket is fs.ErrNotExist; Delete of a missing key
// is no error; a key that is not a storage key never reaches the server.
func TestS3MissingObject(t *testing.T) {
	srv := s3test.Shared(t)
	store, err := attachments.NewS3(srv.Config(srv.NewBucket(t)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	key := "TH/01900000-0000-7000-8000-000000000001"
	if _, err := store.Get(ctx, key); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Get missing = %v", err)
	}
	if err := store.Put(ctx, key, []byte("box")); err != nil {
		t.Fatal(err)
	}
	if err := store.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := store.Delete(ctx, key); err != nil {
		t.Errorf("Delete missing = %v", err)
	}
	if err := store.Put(ctx, "../TH/x", []byte("box")); err == nil {
		t.Error("Put with a bad key")
	}
	if _, err := attachments.NewS3(attachments.S3Config{Endpoint: "ftp://x", Bucket: "b"}); err == nil {
		t.Error("NewS3 takes an ftp endpoint")
	}
}

// BenchmarkS3Attachment10MB uploads and downloads a 10 MiB attachment through the service and
// the S3 server (sealing, the object store round trip, opening, digest check, audit rows).
func BenchmarkS3Attachment10MB(b *testing.B) {
	f := setupS3(b, s3test.Shared(b), false)
	ctx := context.Background()
	worker := f.env.Actor(b, thWorker)
	content := make([]byte, attachments.MaxSize)
	copy(content, "%PDF-1.4\n")
	_, _ = rand.Read(content[16:])
	b.SetBytes(2 * int64(len(content)))
	b.ResetTimer()
	for b.Loop() {
		att, err := f.svc.Add(ctx, worker, f.c.ID, attachments.Upload{Kind: "scanned_document", Filename: "big.pdf", Content: content})
		if err != nil {
			b.Fatal(err)
		}
		if _, got, err := f.svc.Open(ctx, worker, f.c.ID, att.ID); err != nil || len(got) != len(content) {
			b.Fatalf("Open: %d bytes, %v", len(got), err)
		}
	}
}
