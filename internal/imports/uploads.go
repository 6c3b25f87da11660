package imports

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/problem"
)

// UploadLifetime is how long a checked file is kept for its import: an hour.
const UploadLifetime = time.Hour

// uploadField is the vault field the kept files are sealed for (sealed.StoredColumns).
const uploadField = "import_uploads.content"

// ErrUploadNotFound is a checked file that is not the actor's or not for this operation (or was
// never there): not found, like anything the actor may not see.
var ErrUploadNotFound = fmt.Errorf("imports: checked file: %w", authz.ErrNotFound)

// ErrUploadGone is the actor's own checked file that an import took already, or that expired: a
// conflict (the API's 409), told only to the user who checked it. Its tombstone (no content) is
// kept for TombstoneLifetime.
var ErrUploadGone = fmt.Errorf("imports: checked file already imported or expired: %w", problem.ErrConflict)

// TombstoneLifetime is how long an imported or expired file's row (without its content) is kept
// to answer ErrUploadGone.
const TombstoneLifetime = 24 * time.Hour

// Check is the dry run of Import that keeps the file: unless the file could not be read at all
// (no row), it is sealed and stored for UploadLifetime, for this actor (user and agency) and
// operation, and Report.UploadID names it for ImportChecked. Expired files lose their content
// first, and tombstones older than TombstoneLifetime are deleted.
func (s *Service) Check(ctx context.Context, a *authz.Actor, operationID string, data []byte) (*Report, error) {
	rep, err := s.Import(ctx, a, operationID, data, true)
	if err != nil || rep.Rows == 0 {
		return rep, err
	}
	st, _, err := s.stores.Bind(a, authz.SectionOperations, authz.ActionWrite)
	if err != nil {
		return nil, err
	}
	id, now := uuid.Must(uuid.NewV7()).String(), s.now()
	sealed, err := st.Keys.Seal(uploadField, id, data)
	if err != nil {
		return nil, fmt.Errorf("import: seal the file: %w", err)
	}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE import_uploads SET content_enc = NULL WHERE expires_at <= ? AND content_enc IS NOT NULL`, now).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM import_uploads WHERE expires_at <= ?`, now.Add(-TombstoneLifetime)).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO import_uploads (id, operation_id, user_id, agency_id, content_enc, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, id, operationID, a.UserID, a.AgencyID, sealed, now, now.Add(UploadLifetime)).Error
	})
	if err != nil {
		return nil, fmt.Errorf("import: keep the file: %w", err)
	}
	rep.UploadID = id
	return rep, nil
}

// ImportChecked registers the persons of a file kept by Check, as Import does. The file is taken:
// a second import of it, or one older than UploadLifetime, is ErrUploadGone; another user's,
// another agency's or another operation's file is not found.
func (s *Service) ImportChecked(ctx context.Context, a *authz.Actor, operationID, uploadID string) (*Report, error) {
	if _, err := s.Operation(ctx, a, operationID); err != nil {
		return nil, err
	}
	data, err := s.takeUpload(ctx, a, operationID, uploadID, true)
	if err != nil {
		return nil, err
	}
	return s.Import(ctx, a, operationID, data, false)
}

// CheckedDuplicates runs the dry run again on a kept file (not taken) and returns its report: the
// page's list of every possible duplicate, as a CSV.
func (s *Service) CheckedDuplicates(ctx context.Context, a *authz.Actor, operationID, uploadID string) (*Report, error) {
	if _, err := s.Operation(ctx, a, operationID); err != nil {
		return nil, err
	}
	data, err := s.takeUpload(ctx, a, operationID, uploadID, false)
	if err != nil {
		return nil, err
	}
	rep, err := s.Import(ctx, a, operationID, data, true)
	if err != nil {
		return nil, err
	}
	rep.UploadID = uploadID
	return rep, nil
}

const (
	ownUpload   = ` FROM import_uploads WHERE id = ? AND operation_id = ? AND user_id = ? AND agency_id = ?`
	uploadWhere = ownUpload + ` AND expires_at > ? AND content_enc IS NOT NULL`
	// takeSQL erases the content and marks the row imported, returning the content it had.
	takeSQL = `WITH kept AS (SELECT id, content_enc` + uploadWhere + ` FOR UPDATE)
		UPDATE import_uploads u SET content_enc = NULL, committed_at = ? FROM kept WHERE u.id = kept.id
		RETURNING kept.content_enc`
	readSQL = `SELECT content_enc` + uploadWhere
	goneSQL = `SELECT count(*)` + ownUpload
)

// takeUpload opens the actor's kept file, erasing it when take is set (so two imports of one
// file cannot both run). The actor's own file imported or expired is ErrUploadGone.
func (s *Service) takeUpload(ctx context.Context, a *authz.Actor, operationID, uploadID string, take bool) ([]byte, error) {
	st, _, err := s.stores.Bind(a, authz.SectionOperations, authz.ActionWrite)
	if err != nil {
		return nil, err
	}
	if _, err := uuid.Parse(uploadID); err != nil || len(uploadID) != 36 {
		return nil, ErrUploadNotFound
	}
	now := s.now()
	q, args := readSQL, []any{uploadID, operationID, a.UserID, a.AgencyID, now}
	if take {
		q, args = takeSQL, append(args, now)
	}
	var sealed [][]byte
	if err := st.DB.WithContext(ctx).Raw(q, args...).Pluck("content_enc", &sealed).Error; err != nil {
		return nil, fmt.Errorf("import: the checked file: %w", err)
	}
	if len(sealed) == 0 {
		var gone int64
		if err := st.DB.WithContext(ctx).Raw(goneSQL, uploadID, operationID, a.UserID, a.AgencyID).Scan(&gone).Error; err != nil {
			return nil, fmt.Errorf("import: the checked file: %w", err)
		}
		if gone > 0 {
			return nil, ErrUploadGone
		}
		return nil, ErrUploadNotFound
	}
	data, err := st.Keys.Open(uploadField, uploadID, sealed[0])
	if err != nil {
		return nil, fmt.Errorf("import: open the checked file: %w", err)
	}
	return data, nil
}
