// Package attachments holds files attached to a case — photos, scanned documents, signed forms.
// The metadata lives in the country store; the content is sealed with the store's keyset and kept
// in an ObjectStore. Size and type are checked on upload (the type from the bytes, never the name),
// and every download is audited.
package attachments

import (
	"errors"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"homeward/internal/sealed"
)

// MaxSize is the largest attachment, in bytes (10 MiB).
const MaxSize = 10 << 20

// ErrTooLarge is content over MaxSize; the web layer answers 413.
var ErrTooLarge = errors.New("attachments: content too large")

// Kinds are the kinds of attachment.
var Kinds = []string{"photo", "scanned_document", "signed_form"}

// ContentTypes are the accepted types, as detected from the content.
var ContentTypes = []string{"image/jpeg", "image/png", "application/pdf"}

// sealedContent is the vault field of the content; the row is the attachment id.
const sealedContent = "attachments.content"

// FieldFilename is the vault field of the file name (which often names the person, e.g.
// passport_Somchai.jpg); the row is the attachment id.
const FieldFilename = "attachments.filename"

// Legacy is the file name column sealed by migration 00018: sealed.Legacy seals the names that
// earlier versions stored in clear.
var Legacy = []sealed.Column{{Table: "attachments", Key: "id", Clear: "filename", Sealed: "filename_enc", Field: FieldFilename}}

// maxFilename is the longest file name kept, in characters.
const maxFilename = 200

// Attachment is a row of attachments: the metadata of one file. Filename is the opened
// filename_enc (or the clear filename of a row not sealed yet).
type Attachment struct {
	ID          string    `json:"id"`
	CaseID      string    `json:"case_id"`
	Kind        string    `json:"kind"`
	Filename    string    `json:"filename" gorm:"-"`
	FilenameEnc []byte    `json:"-"`
	ClearName   string    `json:"-" gorm:"column:filename"` // '' once sealed
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256" gorm:"column:sha256"`
	StorageKey  string    `json:"-"`
	UploadedBy  string    `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// TableName is attachments.
func (Attachment) TableName() string { return "attachments" }

// Upload is a file to attach.
type Upload struct {
	Kind     string
	Filename string
	Content  []byte
}

// DetectType returns the content type of data, sniffed from its first bytes (never from a name),
// without parameters.
func DetectType(data []byte) string {
	t := http.DetectContentType(data)
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return strings.TrimSpace(t)
}

// Allowed reports whether a detected content type is accepted.
func Allowed(contentType string) bool { return slices.Contains(ContentTypes, contentType) }

// CleanFilename keeps the base name of a client's file name, in NFC, without control characters,
// at most maxFilename characters; "" when nothing is left.
func CleanFilename(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Base(name)
	if name == "." || name == "/" || name == ".." {
		return ""
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError || r == '"' {
			return -1
		}
		return r
	}, norm.NFC.String(name))
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > maxFilename {
		name = string([]rune(name)[:maxFilename])
	}
	return name
}

// defaultName is the file name given to an upload without one.
func defaultName(contentType string) string {
	switch contentType {
	case "image/jpeg":
		return "attachment.jpg"
	case "image/png":
		return "attachment.png"
	}
	return "attachment.pdf"
}
