package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"homeward/internal/authz"
	"homeward/internal/imports"
	"homeward/internal/locale"
	"homeward/internal/problem"
)

// Routes of the bulk intake.
const (
	importPage = "/operations/:id/import"
	importAPI  = "/api/v1/operations/:id/imports"
	// maxImportBody is the largest import request: the file limit plus room for the multipart framing.
	maxImportBody = imports.MaxFileBytes + 64<<10
)

// isImport reports whether the request uploads a file to import, which has its own body limit.
func isImport(c echo.Context) bool {
	return c.Request().Method == http.MethodPost && (c.Path() == importPage || c.Path() == importAPI)
}

// importBodyLimit refuses an import upload over maxImportBody with 413: at once when the request
// declares its length (before a byte of the body is read), else as soon as the body runs past it. It
// runs before the route's own middleware, so not even the CSRF check reads a larger form.
var importBodyLimit = middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
	Limit: strconv.Itoa(maxImportBody), Skipper: func(c echo.Context) bool { return !isImport(c) }})

// importHandlers serve the bulk intake.
type importHandlers struct {
	s   *Server
	svc *imports.Service
}

var errNoFile = &problem.Invalid{Fields: map[string]string{"file": "imports.error.file_missing"}}

// readImportFile reads the multipart field "file" and the flag dry_run (a form field or query parameter;
// when absent, dryDefault). A file over the limit is 413; no file is invalid input.
func readImportFile(c echo.Context, dryDefault bool) ([]byte, bool, error) {
	req := c.Request()
	if req.ContentLength > maxImportBody {
		return nil, false, echo.ErrStatusRequestEntityTooLarge
	}
	if err := req.ParseMultipartForm(maxImportBody); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) || errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
			return nil, false, echo.ErrStatusRequestEntityTooLarge
		}
		return nil, dryDefault, errNoFile // not a multipart request, or a broken one
	}
	dry := dryDefault
	if v := strings.TrimSpace(c.FormValue("dry_run")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, false, &problem.Invalid{Fields: map[string]string{"dry_run": "imports.error.dry_run"}}
		}
		dry = b
	}
	fh, err := c.FormFile("file")
	switch {
	case err != nil:
		return nil, dry, errNoFile
	case fh.Size > imports.MaxFileBytes:
		return nil, false, echo.ErrStatusRequestEntityTooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, imports.MaxFileBytes+1))
	if err != nil {
		return nil, false, err
	}
	if len(data) > imports.MaxFileBytes {
		return nil, false, echo.ErrStatusRequestEntityTooLarge
	}
	return data, dry, nil
}

// importProblem is a problem as the API and the page show it.
type importProblem struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

// importDuplicate is a person of the store that a row may be.
type importDuplicate struct {
	Row      int    `json:"row"`
	PersonID string `json:"person_id"`
	Reason   string `json:"reason"`
}

// importResult is the outcome of an import, translated: the API's body and the page's result table.
type importResult struct {
	Rows     int             `json:"rows"`
	Created  int             `json:"created"`
	DryRun   bool            `json:"dry_run"`
	Layout   string          `json:"layout,omitempty"`
	Errors   []importProblem `json:"errors"`
	Warnings []importProblem `json:"warnings"`
	Notes    []string        `json:"notes"`
	// PossibleDuplicates are the persons of the store a row may already be.
	PossibleDuplicates []importDuplicate `json:"possible_duplicates"`
	CaseIDs            []string          `json:"case_ids,omitempty"`
	// DuplicateWarnings counts the warnings about possible duplicates.
	DuplicateWarnings int `json:"duplicate_warnings"`
	// UploadID names the file a dry run kept for POST …/imports/{upload}/commit (an hour).
	UploadID string `json:"upload_id,omitempty"`
	// Error is the CONTRACT error body, present with 422.
	Error *apiErrorBody `json:"error,omitempty"`
}

func translateProblems(l *locale.Localizer, ps []imports.Problem) []importProblem {
	out := make([]importProblem, 0, len(ps))
	for _, p := range ps {
		out = append(out, importProblem{Row: p.Row, Column: p.Column, Message: l.T(p.Key, p.Args...)})
	}
	return out
}

// newImportResult translates a report.
func newImportResult(l *locale.Localizer, rep *imports.Report) importResult {
	r := importResult{Rows: rep.Rows, Created: rep.Created, DryRun: rep.DryRun, Layout: string(rep.Layout),
		Errors: translateProblems(l, rep.Errors), Warnings: translateProblems(l, rep.Warnings), Notes: []string{}, CaseIDs: rep.CaseIDs,
		DuplicateWarnings: rep.DuplicateWarnings, UploadID: rep.UploadID}
	for _, n := range rep.Notes {
		r.Notes = append(r.Notes, l.T(n.Key, n.Args...))
	}
	r.PossibleDuplicates = []importDuplicate{}
	for _, d := range rep.Duplicates {
		r.PossibleDuplicates = append(r.PossibleDuplicates, importDuplicate{Row: d.Row, PersonID: d.PersonID, Reason: d.Reason})
	}
	return r
}

// fileError is the result of a request whose file could not be taken at all.
func fileError(l *locale.Localizer, dry bool, key string) importResult {
	return importResult{DryRun: dry, Errors: []importProblem{{Message: l.T(key)}}, Warnings: []importProblem{}, Notes: []string{},
		PossibleDuplicates: []importDuplicate{}}
}

// apiImport is POST /api/v1/operations/{id}/imports: multipart "file", dry_run=true|false (false when
// absent). 200 with the report for a dry run (with upload_id, the checked file kept an hour for
// …/imports/{upload}/commit), 201 when persons were registered, 422 with the report (and the
// contract's error body) when a real run has any error: then nothing was registered.
func (h *importHandlers) apiImport(c echo.Context) error {
	ctx, a, l := c.Request().Context(), actorOf(c), localizerOf(c)
	if _, err := h.svc.Operation(ctx, a, c.Param("id")); err != nil {
		return err
	}
	data, dry, err := readImportFile(c, false)
	var res importResult
	switch {
	case errors.Is(err, errNoFile):
		res = fileError(l, dry, "imports.error.file_missing")
	case err != nil:
		return err
	default:
		rep, err := h.importOrCheck(c, data, dry)
		if err != nil {
			return err
		}
		res = newImportResult(l, rep)
	}
	return apiImportAnswer(c, res, dry && !errors.Is(err, errNoFile))
}

// apiImportAnswer is the API's answer to an import: 422 with the report (and the contract's error
// body) when a real run has any error (then nothing was registered), 201 when persons were
// registered, else 200.
func apiImportAnswer(c echo.Context, res importResult, dry bool) error {
	switch {
	case len(res.Errors) > 0 && !dry:
		res.Error = &apiErrorBody{Code: "invalid", Message: localizerOf(c).T("api.error.invalid")}
		return c.JSON(http.StatusUnprocessableEntity, res)
	case res.Created > 0:
		return c.JSON(http.StatusCreated, res)
	}
	return c.JSON(http.StatusOK, res)
}

// templateLink is a template download offered on the page.
type templateLink struct {
	Href, Label string
}

// importPageView is the import page of an operation.
type importPageView struct {
	Base
	Op        *imports.Operation
	Action    string
	Templates []templateLink
	Result    *importResult
	CanCommit bool   // a dry run without errors: offer the import button
	UploadID  string // the checked file kept for the import button
	Done      int    // persons registered by the import that redirected here
	FileError string
	// ShownWarnings are the first warnings of Result (the page's list); WarningCount counts them
	// all, Duplicates the possible duplicates among them; WarningsCSV downloads them all.
	ShownWarnings []importProblem
	WarningCount  int
	Duplicates    int
	WarningsCSV   string
}

// Errors links the page's one refusal to the file field: no file chosen, a kept file gone, or a
// file whose check found problems (listed by row and column in the result).
func (v importPageView) Errors() map[string]string {
	if v.FileError == "" && v.Result != nil && len(v.Result.Errors) > 0 {
		return formError("file", v.L.T("imports.result.errors", "Count", len(v.Result.Errors)))
	}
	return formError("file", v.FileError)
}

func (h *importHandlers) page(c echo.Context, op *imports.Operation) importPageView {
	v := importPageView{Base: h.s.base(c), Op: op, Action: "/operations/" + op.ID + "/import"}
	for _, lang := range imports.Langs {
		name := v.L.T("lang." + lang)
		v.Templates = append(v.Templates,
			templateLink{Href: "/imports/template.xlsx?lang=" + lang, Label: v.L.T("imports.template.xlsx", "Lang", name)},
			templateLink{Href: "/imports/template.csv?lang=" + lang, Label: v.L.T("imports.template.csv", "Lang", name)})
	}
	return v
}

// form is GET /operations/:id/import: the upload form, with the templates to download.
func (h *importHandlers) form(c echo.Context) error {
	op, err := h.svc.Operation(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	v := h.page(c, op)
	v.Done, _ = strconv.Atoi(c.QueryParam("done"))
	return h.s.render(c, http.StatusOK, "import", v)
}

// upload is POST /operations/:id/import. A dry run (the default) shows the result by row and column;
// a real run without errors registers everyone and redirects (POST/redirect/GET), else shows the
// errors with 422. The dry run keeps the file checked (imports.Service.Check): the import button
// under a clean result posts only its id (commit). With htmx only the result is sent.
func (h *importHandlers) upload(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	op, err := h.svc.Operation(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	v := h.page(c, op)
	data, dry, err := readImportFile(c, true)
	status := http.StatusOK
	switch {
	case errors.Is(err, errNoFile):
		v.FileError, status = v.L.T("imports.error.file_missing"), http.StatusUnprocessableEntity
	case err != nil:
		return err
	default:
		check := h.svc.Check
		if !dry {
			check = func(ctx context.Context, a *authz.Actor, op string, data []byte) (*imports.Report, error) {
				return h.svc.Import(ctx, a, op, data, false)
			}
		}
		rep, err := check(ctx, a, op.ID, data)
		if err != nil {
			return err
		}
		if done, err := afterImport(c, v.Action, rep.Created); done {
			return err
		}
		res := newImportResult(v.L, rep)
		v.Result = &res
		v.CanCommit = dry && rep.Rows > 0 && len(rep.Errors) == 0 && rep.UploadID != ""
		v.UploadID = rep.UploadID
		v.summarise()
		if len(rep.Errors) > 0 && !dry {
			status = http.StatusUnprocessableEntity
		}
	}
	if c.Request().Header.Get("HX-Request") == "true" {
		// htmx swaps only 2xx answers: the result carries its own error state.
		return h.fragment(c, v)
	}
	return h.s.render(c, status, "import", v)
}

// fragment renders only the working part of the import page: the summary, the form and the result.
func (h *importHandlers) fragment(c echo.Context, v importPageView) error {
	t, ok := h.s.pages.byName["import"]
	if !ok {
		return errors.New("no template import")
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "import_work", v); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// templateCSV is GET /imports/template.csv?lang=en|th|km (the user's language when absent).
func (h *importHandlers) templateCSV(c echo.Context) error {
	data, err := imports.TemplateCSV(h.templateLang(c))
	if err != nil {
		return err
	}
	return h.download(c, "text/csv; charset=utf-8", "csv", data)
}

// templateXLSX is GET /imports/template.xlsx?lang=en|th|km.
func (h *importHandlers) templateXLSX(c echo.Context) error {
	data, err := imports.TemplateXLSX(h.templateLang(c))
	if err != nil {
		return err
	}
	return h.download(c, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", data)
}

func (h *importHandlers) templateLang(c echo.Context) string {
	for _, l := range imports.Langs {
		if c.QueryParam("lang") == l {
			return l
		}
	}
	return localizerOf(c).Lang
}

func (h *importHandlers) download(c echo.Context, contentType, ext string, data []byte) error {
	c.Response().Header().Set(echo.HeaderContentDisposition,
		`attachment; filename="homeward-import-`+h.templateLang(c)+`.`+ext+`"`)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, contentType, data)
}
