package web

import (
	"github.com/labstack/echo/v4"

	"homeward/internal/imports"
)

// importCommitAPI commits through the API a file checked by a dry run of importAPI (issue 16 item 6).
const importCommitAPI = "/api/v1/operations/:id/imports/:upload/commit"

// importOrCheck runs the import of an uploaded file: a dry run keeps the file (Check, its
// upload_id in the answer), a real run registers its persons.
func (h *importHandlers) importOrCheck(c echo.Context, data []byte, dry bool) (*imports.Report, error) {
	ctx, a := c.Request().Context(), actorOf(c)
	if dry {
		return h.svc.Check(ctx, a, c.Param("id"), data)
	}
	return h.svc.Import(ctx, a, c.Param("id"), data, false)
}

// apiCommit is POST /api/v1/operations/{id}/imports/{upload}/commit: registers the persons of the
// file a dry run kept, without sending it again; the answer is that of a real import (201, or 422
// with the report). Another user's, agency's, country's or operation's file is 404; the caller's
// own file imported already or expired is 409.
func (h *importHandlers) apiCommit(c echo.Context) error {
	rep, err := h.svc.ImportChecked(c.Request().Context(), actorOf(c), c.Param("id"), c.Param("upload"))
	if err != nil {
		return err // imports.ErrUploadGone is 409 (api.error.conflict), the rest 404
	}
	return apiImportAnswer(c, newImportResult(localizerOf(c), rep), false)
}
