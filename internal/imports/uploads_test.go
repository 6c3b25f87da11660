package imports_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/imports"
)

// TestCheckedFileLifetime: a checked file is kept sealed for an hour for its user and operation;
// after that it is gone (a conflict for its owner), the next check erases its content, and its
// tombstone is deleted after TombstoneLifetime.
func TestCheckedFileLifetime(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	now := time.Now().UTC()
	svc := imports.New(env.App.Stores, env.App.Cases).WithClock(func() time.Time { return now })
	a := env.Actor(t, thWorker)
	op := operationID(t, env, "TH")
	rep, err := svc.Check(ctx, a, op, csvRows(2))
	if err != nil || rep.UploadID == "" || len(rep.Errors) > 0 || rep.Created != 0 {
		t.Fatalf("check: %v %+v", err, rep)
	}
	st, _ := env.App.Stores.For("TH")
	var plain int
	if err := st.DB.Raw(`SELECT count(*) FROM import_uploads WHERE position('Person 1'::bytea IN content_enc) > 0`).Scan(&plain).Error; err != nil || plain != 0 {
		t.Fatalf("the kept file is not sealed: %d %v", plain, err)
	}
	if _, err := svc.CheckedDuplicates(ctx, a, operationID(t, env, "TH"), rep.UploadID); err != nil {
		t.Fatalf("warnings within the hour: %v", err)
	}
	now = now.Add(imports.UploadLifetime + time.Second)
	if _, err := svc.ImportChecked(ctx, a, op, rep.UploadID); !errors.Is(err, imports.ErrUploadGone) {
		t.Fatalf("import after an hour: %v, want gone", err)
	}
	if _, err := svc.ImportChecked(ctx, env.Actor(t, thSupervisor), op, rep.UploadID); !errors.Is(err, imports.ErrUploadNotFound) {
		t.Fatalf("another user's expired file: %v, want not found", err)
	}
	if _, err := svc.Check(ctx, a, op, csvRows(1)); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := st.DB.Raw(`SELECT count(*) FROM import_uploads WHERE id = ? AND content_enc IS NOT NULL`, rep.UploadID).Scan(&left).Error; err != nil || left != 0 {
		t.Fatalf("expired file's content kept: %d %v", left, err)
	}
	now = now.Add(imports.TombstoneLifetime)
	if _, err := svc.Check(ctx, a, op, csvRows(1)); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.Raw(`SELECT count(*) FROM import_uploads WHERE id = ?`, rep.UploadID).Scan(&left).Error; err != nil || left != 0 {
		t.Fatalf("tombstone kept after a day: %d %v", left, err)
	}
	if _, err := svc.ImportChecked(ctx, a, op, rep.UploadID); !errors.Is(err, imports.ErrUploadNotFound) {
		t.Fatalf("import after the tombstone: %v, want not found", err)
	}
}
