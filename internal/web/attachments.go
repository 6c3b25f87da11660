package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"homeward/internal/attachments"
	"homeward/internal/authz"
	"homeward/internal/problem"
)

// maxUploadBody is the largest upload request: the file limit plus room for the multipart framing
// and the other fields. A request declaring more is refused before its body is read.
const maxUploadBody = attachments.MaxSize + 64<<10

// isUpload reports whether the request is an attachment upload, which has its own body limit.
func isUpload(c echo.Context) bool {
	return c.Request().Method == http.MethodPost && (c.Path() == uploadPage || c.Path() == uploadAPI)
}

// attachmentHandlers serve the attachments of a case.
type attachmentHandlers struct {
	s   *Server
	svc *attachments.Service
}

// readUpload reads the multipart upload (fields kind and file). A body declared or found larger than
// the limit is 413: the declared length is checked before anything is read, and the body is wrapped
// so that no more than the limit is ever read.
func readUpload(c echo.Context) (attachments.Upload, error) {
	req := c.Request()
	if req.ContentLength > maxUploadBody {
		return attachments.Upload{}, echo.ErrStatusRequestEntityTooLarge
	}
	req.Body = http.MaxBytesReader(c.Response(), req.Body, maxUploadBody)
	if err := req.ParseMultipartForm(maxUploadBody); err != nil {
		if tooLarge(err) {
			return attachments.Upload{}, echo.ErrStatusRequestEntityTooLarge
		}
		return attachments.Upload{}, echo.NewHTTPError(http.StatusBadRequest, "malformed upload").SetInternal(err)
	}
	in := attachments.Upload{Kind: req.FormValue("kind")}
	fh, err := c.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) {
		return in, nil // no content: the service says the file is required
	}
	if err != nil {
		return in, echo.NewHTTPError(http.StatusBadRequest, "malformed upload").SetInternal(err)
	}
	if fh.Size > attachments.MaxSize {
		return in, echo.ErrStatusRequestEntityTooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return in, fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	in.Filename = fh.Filename
	if in.Content, err = io.ReadAll(io.LimitReader(f, attachments.MaxSize+1)); err != nil {
		return in, fmt.Errorf("read upload: %w", err)
	}
	return in, nil
}

func tooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb) || errors.Is(err, echo.ErrStatusRequestEntityTooLarge)
}

// add stores an upload; content over the limit is 413 whichever layer finds it.
func (h attachmentHandlers) add(c echo.Context, in attachments.Upload) (*attachments.Attachment, error) {
	att, err := h.svc.Add(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if errors.Is(err, attachments.ErrTooLarge) {
		return nil, echo.ErrStatusRequestEntityTooLarge
	}
	return att, err
}

// attachmentRow is an attachment as the page lists it.
type attachmentRow struct {
	attachments.Attachment
	KindLabel, SizeLabel, UploadedByName string
}

// attachmentsPage is the view model of attachments.html.
type attachmentsPage struct {
	Base
	Tabs     caseTabs
	Listing  *attachments.Listing
	Rows     []attachmentRow
	Kinds    []sectionOption
	CanWrite bool
	Kind     string // the kind chosen on a refused upload
	Errors   map[string]string
	Error    string
}

func (h attachmentHandlers) render(c echo.Context, status int, l *attachments.Listing, kind string, errs map[string]string, msg string) error {
	b := h.s.base(c)
	v := attachmentsPage{Base: b, Tabs: tabsFor(c, l.CaseID, "/attachments"), Listing: l, Kind: kind, Errors: errs, Error: msg,
		CanWrite: b.Actor.Can(authz.SectionAttachments, write), Kinds: sectionOptions(b.L, "attachment.kind.", attachments.Kinds, kind)}
	names := map[string]string{}
	for _, a := range l.Items {
		if _, done := names[a.UploadedBy]; !done {
			names[a.UploadedBy] = ""
			if u, err := h.s.Directory.User(c.Request().Context(), a.UploadedBy); err == nil {
				names[a.UploadedBy] = u.Name
			}
		}
		v.Rows = append(v.Rows, attachmentRow{Attachment: a, KindLabel: b.L.T("attachment.kind." + a.Kind),
			SizeLabel: sizeLabel(a.Size), UploadedByName: names[a.UploadedBy]})
	}
	return h.s.render(c, status, "attachments", v)
}

// sizeLabel writes a size in KB or MB.
func sizeLabel(n int64) string {
	if n < 1<<20 {
		return strconv.FormatInt((n+1023)/1024, 10) + " KB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
}

func (h attachmentHandlers) page(c echo.Context) error {
	l, err := h.svc.List(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, l, "", nil, "")
}

// upload attaches the posted file; a refused type or kind shows the page again with 422, a file
// over the limit with 413, the message at the file field.
func (h attachmentHandlers) upload(c echo.Context) error {
	in, err := readUpload(c)
	if err == nil {
		_, err = h.add(c, in)
	}
	if err == nil {
		return h.s.done(c, "/cases/"+c.Param("id")+"/attachments", "flash.attachment_added")
	}
	inv, ok := problem.AsInvalid(err)
	status := http.StatusUnprocessableEntity
	if tooLarge(err) { // the form again, with the kind chosen when the body was read far enough
		inv, ok, status = &problem.Invalid{Fields: map[string]string{"file": "attachment.error.too_large"}}, true, http.StatusRequestEntityTooLarge
	}
	if !ok {
		return err
	}
	l, lerr := h.svc.List(c.Request().Context(), actorOf(c), c.Param("id"))
	if lerr != nil {
		return lerr
	}
	loc := localizerOf(c)
	errs := map[string]string{}
	for f, key := range inv.Fields {
		errs[f] = loc.T(key)
	}
	return h.render(c, status, l, in.Kind, errs, loc.T("form.fix_errors"))
}

// send writes an attachment as a download: never shown inline, never sniffed, never cached.
func sendAttachment(c echo.Context, att *attachments.Attachment, content []byte) error {
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": att.Filename}))
	hd.Set(echo.HeaderXContentTypeOptions, "nosniff")
	hd.Set("Cache-Control", "no-store")
	hd.Set(echo.HeaderContentSecurityPolicy, "default-src 'none'; sandbox")
	return c.Blob(http.StatusOK, att.ContentType, content)
}

func (h attachmentHandlers) download(c echo.Context) error {
	att, content, err := h.svc.Open(c.Request().Context(), actorOf(c), c.Param("id"), c.Param("aid"))
	if err != nil {
		return err
	}
	return sendAttachment(c, att, content)
}

func (h attachmentHandlers) apiContent(c echo.Context) error {
	att, content, err := h.svc.Open(c.Request().Context(), actorOf(c), "", c.Param("aid"))
	if err != nil {
		return err
	}
	return sendAttachment(c, att, content)
}

func (h attachmentHandlers) apiList(c echo.Context) error {
	l, err := h.svc.List(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": l.Items})
}

func (h attachmentHandlers) apiUpload(c echo.Context) error {
	in, err := readUpload(c)
	if err != nil {
		return err
	}
	att, err := h.add(c, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, att)
}
