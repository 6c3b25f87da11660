package web

import (
	"bytes"
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"homeward/internal/csvtext"
	"homeward/internal/imports"
)

// Routes of a checked file: its import, and the CSV of all its warnings.
const (
	importCommitPage = "/operations/:id/import/commit"
	importWarnCSV    = "/operations/:id/import/:upload/warnings.csv"
	// shownWarnings is how many warnings the page lists; the CSV has them all.
	shownWarnings = 50
)

// commit is POST /operations/:id/import/commit with the form field upload (the file kept by the
// check): registers its persons and redirects (POST/redirect/GET), else shows the errors with 422.
// Another user's, agency's or operation's file is not found; the user's own file imported already
// or expired is 409, the page asking for the file again.
func (h *importHandlers) commit(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	op, err := h.svc.Operation(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	rep, err := h.svc.ImportChecked(ctx, a, op.ID, strings.TrimSpace(c.FormValue("upload")))
	v := h.page(c, op)
	if errors.Is(err, imports.ErrUploadGone) {
		v.FileError = v.L.T("upload.error.gone")
		if c.Request().Header.Get("HX-Request") == "true" {
			return h.fragment(c, v) // htmx swaps only 2xx answers
		}
		return h.s.render(c, http.StatusConflict, "import", v)
	}
	if err != nil {
		return err
	}
	if done, err := afterImport(c, v.Action, rep.Created); done {
		return err
	}
	res := newImportResult(v.L, rep)
	v.Result = &res
	v.summarise()
	if c.Request().Header.Get("HX-Request") == "true" {
		return h.fragment(c, v)
	}
	return h.s.render(c, http.StatusUnprocessableEntity, "import", v)
}

// warningsCSV is GET /operations/:id/import/:upload/warnings.csv: every warning of a kept file (the
// possible duplicates above all), by row and column, in the user's language.
func (h *importHandlers) warningsCSV(c echo.Context) error {
	ctx, a, l := c.Request().Context(), actorOf(c), localizerOf(c)
	rep, err := h.svc.CheckedDuplicates(ctx, a, c.Param("id"), c.Param("upload"))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{l.T("imports.col.row"), l.T("imports.col.column"), l.T("imports.col.message")})
	for _, p := range translateProblems(l, rep.Warnings) {
		_ = w.Write([]string{strconv.Itoa(p.Row), csvtext.Defuse(p.Column), csvtext.Defuse(p.Message)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="homeward-import-warnings.csv"`)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// summarise keeps the first shownWarnings warnings for the page and counts the possible
// duplicates among them all; WarningsCSV links the rest.
func (v *importPageView) summarise() {
	if v.Result == nil {
		return
	}
	v.WarningCount = len(v.Result.Warnings)
	v.Duplicates = v.Result.DuplicateWarnings
	v.ShownWarnings = v.Result.Warnings[:min(len(v.Result.Warnings), shownWarnings)]
	if v.UploadID != "" && v.WarningCount > 0 {
		v.WarningsCSV = "/operations/" + v.Op.ID + "/import/" + v.UploadID + "/warnings.csv"
	}
}

// afterImport sends the browser on to the page's confirmation when rows were imported (an htmx
// request by HX-Redirect); done reports whether it did.
func afterImport(c echo.Context, action string, created int) (done bool, err error) {
	if created == 0 {
		return false, nil
	}
	to := action + "?done=" + strconv.Itoa(created)
	if c.Request().Header.Get("HX-Request") == "true" {
		c.Response().Header().Set("HX-Redirect", to)
		return true, c.NoContent(http.StatusOK)
	}
	return true, redirect(c, to)
}
