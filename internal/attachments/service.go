package attachments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/problem"
	"homeward/internal/sealed"
	"homeward/internal/store"
)

// ErrNotFound is an attachment the actor may not see, or that does not exist.
var ErrNotFound = fmt.Errorf("attachments: %w", authz.ErrNotFound)

// Service attaches files to cases and hands them back.
type Service struct {
	stores  *store.Set
	objects ObjectStore
	now     func() time.Time
}

// New returns the attachments service over the stores, keeping contents in objects.
func New(stores *store.Set, objects ObjectStore) *Service {
	return &Service{stores: stores, objects: objects,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// WithClock replaces the clock (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// Listing is the attachments of one case, newest first.
type Listing struct {
	CaseID string
	Head   Head
	Items  []Attachment
}

// List returns the attachments of a case, newest first, and audits the read.
func (s *Service) List(ctx context.Context, a *authz.Actor, caseID string) (*Listing, error) {
	out := &Listing{Items: []Attachment{}}
	err := cases.InCase(ctx, s.stores, a, authz.SectionAttachments, authz.ActionRead, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		out.CaseID = c.ID
		var err error
		if out.Head, err = head(tx, c.ID); err != nil {
			return err
		}
		if err := tx.Where("case_id = ?", c.ID).Order("created_at DESC, id DESC").Find(&out.Items).Error; err != nil {
			return fmt.Errorf("list attachments: %w", err)
		}
		for i := range out.Items {
			if err := openName(st, &out.Items[i]); err != nil {
				return err
			}
		}
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.AttachmentList, "case", c.ID,
			map[string]any{"count": len(out.Items)}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Add attaches a file to a case: checks its size and its type (from the content), seals it with the
// store's keys, stores it and records its metadata with an audit row. Content over MaxSize is
// ErrTooLarge; a refused type, an unknown kind or no content is *problem.Invalid.
func (s *Service) Add(ctx context.Context, a *authz.Actor, caseID string, in Upload) (*Attachment, error) {
	var out *Attachment
	stored := "" // the object written, removed again if the transaction does not commit
	err := cases.InCase(ctx, s.stores, a, authz.SectionAttachments, authz.ActionWrite, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		att, err := check(in)
		if err != nil {
			return err
		}
		att.ID = uuid.Must(uuid.NewV7()).String()
		att.CaseID, att.UploadedBy, att.CreatedAt = c.ID, a.UserID, s.now()
		att.StorageKey = st.Country + "/" + att.ID
		if att.FilenameEnc, err = st.Keys.SealString(FieldFilename, att.ID, att.Filename); err != nil {
			return err
		}
		box, err := st.Keys.Seal(sealedContent, att.ID, in.Content)
		if err != nil {
			return err
		}
		if err := s.objects.Put(ctx, att.StorageKey, box); err != nil {
			return err
		}
		stored = att.StorageKey
		if err := tx.Create(att).Error; err != nil {
			return fmt.Errorf("record attachment: %w", err)
		}
		out = att
		return audit.Append(tx, att.CreatedAt, audit.ByActor(a, audit.AttachmentUpload, "case", c.ID,
			map[string]any{"attachment_id": att.ID, "kind": att.Kind, "content_type": att.ContentType, "size": att.Size}))
	})
	if err != nil {
		if stored != "" {
			s.discard(stored)
		}
		return nil, err
	}
	return out, nil
}

// Open returns an attachment's metadata and its content, opened, and audits the download in the
// same transaction. A caseID other than "" must be the attachment's case, else it is not found.
// Content that does not open or does not match its digest is an error.
func (s *Service) Open(ctx context.Context, a *authz.Actor, caseID, id string) (*Attachment, []byte, error) {
	st, scope, err := s.stores.Bind(a, authz.SectionAttachments, authz.ActionRead)
	if err != nil {
		return nil, nil, err
	}
	var att *Attachment
	var content []byte
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if att, err = find(tx, scope, id); err != nil {
			return err
		}
		if caseID != "" && caseID != att.CaseID {
			return ErrNotFound
		}
		if !strings.HasPrefix(att.StorageKey, st.Country+"/") {
			// A store's rows name only its own country's objects: a key of another country
			// (a restored or altered row) is not this store's attachment.
			return ErrNotFound
		}
		if err := openName(st, att); err != nil {
			return err
		}
		box, err := s.objects.Get(ctx, att.StorageKey)
		if err != nil {
			return err
		}
		if content, err = st.Keys.Open(sealedContent, att.ID, box); err != nil {
			return err
		}
		if sum := sha256.Sum256(content); hex.EncodeToString(sum[:]) != att.SHA256 || int64(len(content)) != att.Size {
			return fmt.Errorf("attachments: content of %s does not match its digest", att.ID)
		}
		return audit.Append(tx, s.now(), audit.ByActor(a, audit.AttachmentDownload, "case", att.CaseID,
			map[string]any{"attachment_id": att.ID, "size": att.Size}))
	})
	if err != nil {
		return nil, nil, err
	}
	return att, content, nil
}

// check validates an upload and returns its metadata (without ids).
func check(in Upload) (*Attachment, error) {
	if len(in.Content) > MaxSize {
		return nil, ErrTooLarge
	}
	inv := &problem.Invalid{}
	if !slices.Contains(Kinds, in.Kind) {
		inv.Add("kind", "form.error.choose")
	}
	ct := ""
	if len(in.Content) == 0 {
		inv.Add("file", "form.error.required")
	} else if ct = DetectType(in.Content); !Allowed(ct) {
		inv.Add("file", "attachment.error.type")
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	name := CleanFilename(in.Filename)
	if name == "" {
		name = defaultName(ct)
	}
	sum := sha256.Sum256(in.Content)
	return &Attachment{Kind: in.Kind, Filename: name, ContentType: ct, Size: int64(len(in.Content)),
		SHA256: hex.EncodeToString(sum[:])}, nil
}

const findSQL = `SELECT a.* FROM attachments a JOIN cases c ON c.id = a.case_id WHERE a.id = ? AND `

// find loads an attachment of a case within the scope, or ErrNotFound.
func find(tx *gorm.DB, scope authz.Scope, id string) (*Attachment, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	cond, args := scope.CaseFilter("c")
	var att Attachment
	res := tx.Raw(findSQL+cond, append([]any{id}, args...)...).Scan(&att)
	if res.Error != nil {
		return nil, fmt.Errorf("find attachment: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrNotFound
	}
	return &att, nil
}

// openName opens the file name of a row read from the store.
func openName(st *store.Store, att *Attachment) error {
	name, err := sealed.Open(st.Keys, FieldFilename, att.ID, att.FilenameEnc, att.ClearName)
	if err != nil {
		return fmt.Errorf("open file name of %s: %w", att.ID, err)
	}
	att.Filename = name
	return nil
}

// discard removes a stored object whose row was not recorded.
func (s *Service) discard(key string) {
	if err := s.objects.Delete(context.Background(), key); err != nil {
		slog.Error("discard unrecorded attachment", "key", key, "err", err)
	}
}

// validID reports whether id is a UUID in its canonical 36-character form.
func validID(id string) bool {
	_, err := uuid.Parse(id)
	return len(id) == 36 && err == nil
}
